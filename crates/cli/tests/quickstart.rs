//! The README's quickstart, end to end with real processes: `weft init`, `build`, `up`,
//! `deploy`, `call`, `run` (Aqua), `down`, each as the `weft` binary a user runs. The network
//! is three node processes on 127.0.0.1; a guard stops them however the test ends.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// Upper bound for one command (a cold `weft build` compiles wit-bindgen).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

struct Weft {
    home: PathBuf,
}

impl Weft {
    fn cmd(&self, dir: &Path, args: &[&str]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
            .args(args)
            .current_dir(dir)
            .env("WEFT_HOME", &self.home)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start weft");
        let pid = child.id();
        // A watchdog kills the command if it outlives its bound, so the test cannot hang.
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let watchdog = std::thread::spawn(move || {
            if done_rx.recv_timeout(COMMAND_TIMEOUT).is_err() {
                let _ = Command::new("kill")
                    .arg("-KILL")
                    .arg(pid.to_string())
                    .status();
            }
        });
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let out = std::thread::spawn(move || read_all(stdout));
        let err = std::thread::spawn(move || read_all(stderr));
        let status = child.wait().expect("wait weft");
        let _ = done_tx.send(());
        watchdog.join().expect("watchdog");
        Output {
            status,
            stdout: out.join().expect("stdout reader"),
            stderr: err.join().expect("stderr reader"),
        }
    }

    /// Runs a command that must succeed; returns its stdout.
    fn ok(&self, dir: &Path, args: &[&str]) -> String {
        let output = self.cmd(dir, args);
        assert!(
            output.status.success(),
            "weft {} failed ({}):\nstdout: {}\nstderr: {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 stdout")
    }

    fn json(&self, dir: &Path, args: &[&str]) -> Value {
        let text = self.ok(dir, args);
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"))
    }
}

fn read_all(mut r: impl std::io::Read) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = r.read_to_end(&mut buf);
    buf
}

/// Stops the network when the test ends, passing or not.
struct Down<'a>(&'a Weft, PathBuf);

impl Drop for Down<'_> {
    fn drop(&mut self) {
        let _ = self.0.cmd(&self.1, &["down"]);
    }
}

#[test]
fn readme_quickstart() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft {
        home: tmp.path().join("home"),
    };
    let work = tmp.path();

    weft.ok(work, &["init", "hello", "--lang", "rust"]);
    let project = work.join("hello");
    let built = weft.json(&project, &["build", "--json"]);
    assert!(built["bytes"].as_u64().expect("bytes") > 1000, "{built}");

    weft.ok(work, &["up", "--nodes", "3"]);
    let _down = Down(&weft, work.to_path_buf());
    let nodes = weft.json(work, &["ps", "--json"]);
    let peers: Vec<String> = nodes
        .as_array()
        .expect("ps --json is an array")
        .iter()
        .map(|n| n["peer_id"].as_str().expect("peer_id").to_owned())
        .collect();
    assert_eq!(peers.len(), 3);

    let deployment = weft.json(&project, &["deploy", "--json"]);
    let replicas: Vec<&str> = deployment["replicas"]
        .as_array()
        .expect("replicas")
        .iter()
        .map(|r| r["peer_id"].as_str().expect("peer_id"))
        .collect();
    assert_eq!(replicas.len(), 3, "{deployment}");
    for peer in &peers {
        assert!(
            replicas.contains(&peer.as_str()),
            "one replica per node: {deployment}"
        );
    }

    let answer = weft.json(&project, &["call", "hello.hello", r#"["you"]"#, "--json"]);
    assert_eq!(answer["result"], json!("Hello, you!"));
    assert!(peers.contains(&answer["peer"].as_str().expect("peer").to_owned()));

    let all = weft.json(
        &project,
        &[
            "call",
            "--all",
            "hello.count-words",
            r#"["a b  c"]"#,
            "--json",
        ],
    );
    assert_eq!(all["agree"], json!(true), "{all}");
    let replies = all["replies"].as_array().expect("replies");
    assert_eq!(replies.len(), 3);
    assert!(replies.iter().all(|r| r["result"] == json!(3)), "{all}");

    let aqua = weft.json(
        &project,
        &[
            "run",
            "flows/hello.aqua",
            "--func",
            "hello",
            "--arg",
            r#"name="Aqua""#,
        ],
    );
    assert_eq!(aqua, json!("Hello, Aqua!"));
    let status = weft.json(&project, &["status", "--json"]);
    let nodes = status["nodes"].as_array().expect("status nodes");
    assert_eq!(nodes.len(), 3, "{status}");
    for node in nodes {
        let services = node["services"].as_array().expect("services per node");
        assert!(
            services.iter().any(|s| s["aliases"] == json!(["hello"])),
            "every node runs the deployed service: {status}"
        );
    }
    assert_eq!(status["deployment"]["alias"], json!("hello"));

    weft.ok(work, &["down"]);
    let after = weft.json(work, &["ps", "--json"]);
    assert_eq!(after, json!([]), "down forgets the network");
}

#[test]
fn wrong_input_says_what_to_do() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft {
        home: tmp.path().join("home"),
    };
    // First: `call` below creates the default key on first use.
    let cases: &[(&[&str], &str)] = &[
        (&["key", "show"], "weft key new"),
        (&["init", "Bad_Name"], "not a valid project name"),
        (&["build"], "weft init"),
        (&["deploy"], "weft init"),
        (&["call", "nodot", "[]"], "SERVICE.FUNCTION"),
        (&["call", "svc.f", "[1,"], "not valid JSON"),
        (&["call", "svc.f", "[]"], "weft up"),
        (&["run", "missing.txt"], "neither .air nor .aqua"),
        (&["up", "--nodes", "0"], "between 1 and 32"),
        (
            &["node", "--config", "/nonexistent/weft.toml"],
            "/nonexistent/weft.toml",
        ),
    ];
    for (args, expected) in cases {
        let output = weft.cmd(tmp.path(), args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "weft {} should fail",
            args.join(" ")
        );
        assert!(
            stderr.contains(expected),
            "weft {}: expected {expected:?} in stderr:\n{stderr}",
            args.join(" ")
        );
    }
    // A failed init leaves nothing behind.
    assert!(!tmp.path().join("Bad_Name").exists());
}
