//! Runs the `weft` binary the way a user does, each command bounded in time, with its own
//! `WEFT_HOME` so tests never touch the developer's key or network.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

/// Upper bound for one command (a cold `weft build` compiles wit-bindgen).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

pub struct Weft {
    pub home: PathBuf,
}

impl Weft {
    pub fn new(home: PathBuf) -> Weft {
        Weft { home }
    }

    pub fn cmd(&self, dir: &Path, args: &[&str]) -> Output {
        self.cmd_env(dir, args, &[])
    }

    /// Runs a command with extra environment variables.
    pub fn cmd_env(&self, dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_weft"));
        command
            .args(args)
            .current_dir(dir)
            .env("WEFT_HOME", &self.home)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start weft");
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
    pub fn ok(&self, dir: &Path, args: &[&str]) -> String {
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

    pub fn json(&self, dir: &Path, args: &[&str]) -> Value {
        let text = self.ok(dir, args);
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    /// Runs a command that must fail cleanly: a non-zero exit (not a signal, not a panic)
    /// with `expected` in its stderr. Returns the stderr.
    pub fn fails(&self, dir: &Path, args: &[&str], expected: &str) -> String {
        let output = self.cmd(dir, args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(
            output.status.code(),
            Some(1),
            "weft {} should fail with exit code 1:\nstdout: {}\nstderr: {stderr}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout)
        );
        assert!(
            !stderr.contains("panicked"),
            "weft {} panicked:\n{stderr}",
            args.join(" ")
        );
        assert!(
            stderr.contains(expected),
            "weft {}: expected {expected:?} in stderr:\n{stderr}",
            args.join(" ")
        );
        stderr
    }
}

fn read_all(mut r: impl std::io::Read) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = r.read_to_end(&mut buf);
    buf
}

/// A local network started with `weft up`, stopped when the test ends, passing or not.
pub struct Net<'a> {
    weft: &'a Weft,
    dir: PathBuf,
    pub peers: Vec<String>,
}

impl<'a> Net<'a> {
    /// `weft up --nodes N` (plus `extra` arguments) run in `dir`.
    pub fn up(weft: &'a Weft, dir: &Path, nodes: usize, extra: &[&str]) -> Net<'a> {
        let count = nodes.to_string();
        let mut args = vec!["up", "--nodes", &count];
        args.extend_from_slice(extra);
        weft.ok(dir, &args);
        let mut net = Net {
            weft,
            dir: dir.to_path_buf(),
            peers: Vec::new(),
        };
        let nodes = weft.json(dir, &["ps", "--json"]);
        net.peers = nodes
            .as_array()
            .expect("ps --json is an array")
            .iter()
            .map(|n| n["peer_id"].as_str().expect("peer_id").to_owned())
            .collect();
        net
    }
}

impl Drop for Net<'_> {
    fn drop(&mut self) {
        let _ = self.weft.cmd(&self.dir, &["down"]);
    }
}

/// A project folder `dir/name` whose service is the prebuilt example guest `guest`, so a
/// test deploys it without running `weft build`.
pub fn prebuilt_project(dir: &Path, name: &str, alias: &str, lang: &str, guest: &str) -> PathBuf {
    let root = dir.join(name);
    let built = root.join("target/weft");
    std::fs::create_dir_all(&built).expect("project folder");
    std::fs::write(
        root.join("weft.toml"),
        format!(
            "[project]\nname = \"{name}\"\n\n[service]\nalias = \"{alias}\"\nlang = \"{lang}\"\n"
        ),
    )
    .expect("weft.toml");
    let wasm = weft_testkit::guest(guest).expect("example guest");
    std::fs::write(built.join(format!("{name}.wasm")), wasm).expect("component");
    root
}

/// The repository's `examples/` folder.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}
