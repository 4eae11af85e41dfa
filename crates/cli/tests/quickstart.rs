//! The README's quickstart, end to end with real processes: `weft init`, `build`, `up`,
//! `deploy`, `call`, `run` (Aqua), `down`, each as the `weft` binary a user runs. The network
//! is three node processes on 127.0.0.1; a guard stops them however the test ends.

#[path = "support/weft.rs"]
mod support;

use std::sync::{Mutex, PoisonError};

use serde_json::json;
use support::{Net, Weft};

/// One quickstart at a time: each starts three node processes, and the other one compiles
/// 20 MB Python and JS components on every node meanwhile; together they oversubscribe the
/// two cores enough to starve the failover calls after the kill.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn readme_quickstart() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let work = tmp.path();

    weft.ok(work, &["init", "hello", "--lang", "rust"]);
    let project = work.join("hello");
    let built = weft.json(&project, &["build", "--json"]);
    assert!(built["bytes"].as_u64().expect("bytes") > 1000, "{built}");

    let net = Net::up(&weft, work, 3, &[]);
    let peers = net.peers.clone();
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
    let peers_arg = format!("peers={}", json!(peers));
    let all = weft.json(
        &project,
        &[
            "run",
            "flows/hello.aqua",
            "--func",
            "hello_all",
            "--arg",
            &peers_arg,
            "--arg",
            r#"name="all""#,
        ],
    );
    assert_eq!(all, json!(["Hello, all!", "Hello, all!", "Hello, all!"]));
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

    // Kill -9 the replica `weft call` tries first: calls fail over to the others. The relay
    // may still believe the dead node is connected, so each replica's call races a timeout.
    let first = replicas[0];
    let ps = weft.json(work, &["ps", "--json"]);
    let pid = ps
        .as_array()
        .expect("ps --json is an array")
        .iter()
        .find(|n| n["peer_id"] == json!(first))
        .and_then(|n| n["pid"].as_u64())
        .expect("the first replica's pid");
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    gone(pid);
    for i in 0..3 {
        let arg = format!("[\"after {i}\"]");
        let answer = weft.json(
            &project,
            &[
                "call",
                "hello.hello",
                &arg,
                "--replica-timeout",
                "2000",
                "--json",
            ],
        );
        assert_eq!(answer["result"], json!(format!("Hello, after {i}!")));
        assert_ne!(answer["peer"], json!(first), "the killed replica answered");
    }

    weft.ok(work, &["down"]);
    let after = weft.json(work, &["ps", "--json"]);
    assert_eq!(after, json!([]), "down forgets the network");
}

/// The quickstart with a service in each of the other languages: `weft init --lang`, `build`,
/// `deploy`, `call` (one node; the Python and JavaScript components take tens of seconds to
/// build and to compile on the node).
#[test]
fn quickstart_in_python_javascript_and_c() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let work = tmp.path();
    let _net = Net::up(&weft, work, 1, &[]);
    for lang in ["c", "js", "python"] {
        let name = format!("hello-{lang}");
        weft.ok(work, &["init", &name, "--lang", lang]);
        let project = work.join(&name);
        weft.ok(&project, &["build"]);
        let deployment = weft.json(&project, &["deploy", "--json"]);
        assert_eq!(deployment["alias"], json!(name), "{deployment}");
        let hello = format!("{name}.hello");
        let answer = weft.json(&project, &["call", &hello, r#"["you"]"#, "--json"]);
        assert_eq!(answer["result"], json!("Hello, you!"), "{lang}");
        let count = format!("{name}.count-words");
        let answer = weft.json(&project, &["call", &count, r#"["a b  c"]"#, "--json"]);
        assert_eq!(answer["result"], json!(3), "{lang}");
    }
}

/// Returns once process `pid` is dead or a zombie: `kill` only queues the signal, and a call
/// made before the process is gone could still pick it as its relay. It is not our child, so
/// there is nothing to wait on but its entry in /proc.
fn gone(pid: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit_once(") ").and_then(|(_, rest)| rest.get(..1));
        if matches!(state, None | Some("Z" | "X")) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "process {pid} outlived kill -9 by 10 s"
        );
        std::thread::yield_now();
    }
}
