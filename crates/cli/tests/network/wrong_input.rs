//! Wrong input to every command: a clear message on stderr, exit code 1, no panic, and
//! nothing left half-done. First without a network, then against one.

use serde_json::json;

use crate::support::{Net, Weft, prebuilt_project};

const BAD_PEER: &str = "12D3KooWnotapeerid";

#[test]
fn every_command_explains_wrong_input_without_a_network() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let dir = tmp.path();
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path.to_str().expect("utf-8 path").to_owned()
    };
    let garbage_key = file("garbage.key", "not a key\n");
    let bad_toml = file("bad.toml", "listen = [\n");
    let bad_air = file("bad.air", "(seq (null)");
    let network_dir = dir.join("broken-network");
    std::fs::create_dir_all(&network_dir).expect("dir");
    std::fs::write(network_dir.join("network.json"), "{ not json").expect("write");
    let broken_network = network_dir.to_str().expect("utf-8 path");
    let project = prebuilt_project(dir, "proj", "proj", "rust", "greeter-rust");
    let unbuilt = dir.join("unbuilt");
    std::fs::create_dir_all(&unbuilt).expect("dir");
    std::fs::write(
        unbuilt.join("weft.toml"),
        "[project]\nname = \"unbuilt\"\n\n[service]\nalias = \"u\"\nlang = \"rust\"\n",
    )
    .expect("weft.toml");

    let cases: &[(&std::path::Path, &[&str], &str)] = &[
        // key
        (dir, &["key", "show"], "weft key new"),
        (
            dir,
            &["key", "show", "--key", &garbage_key],
            "not a Weft secret key",
        ),
        (dir, &["key", "new", "--key", &garbage_key], "pass --force"),
        // init, build, deploy: no project, a bad name, nothing built
        (dir, &["init", "Bad_Name"], "not a valid project name"),
        (dir, &["init", "proj"], "already exists"),
        (dir, &["build"], "weft init"),
        (dir, &["deploy"], "weft init"),
        (&unbuilt, &["deploy"], "weft build"),
        // node
        (
            dir,
            &["node", "--config", "/nonexistent/weft.toml"],
            "/nonexistent/weft.toml",
        ),
        (dir, &["node", "--config", &bad_toml], "bad.toml"),
        // up: bad node count, a damaged state file
        (dir, &["up", "--nodes", "0"], "between 1 and 32"),
        (dir, &["ps", "--network", broken_network], "weft down"),
        // call: bad target, bad JSON, bad peer id, no network, bad relay, bad key
        (dir, &["call", "nodot", "[]"], "SERVICE.FUNCTION"),
        (dir, &["call", "svc.f", "[1,"], "not valid JSON"),
        (
            dir,
            &["call", "svc.f", "[]", "--peers", BAD_PEER],
            "is not a peer id",
        ),
        (dir, &["call", "svc.f", "[]"], "weft up"),
        (
            dir,
            &["call", "svc.f", "[]", "--relay", "/ip4/127.0.0.1"],
            "/p2p/",
        ),
        (
            dir,
            &["call", "svc.f", "[]", "--relay", "nonsense"],
            "not a multiaddr",
        ),
        (
            dir,
            &["call", "svc.f", "[]", "--key", &garbage_key],
            "not a Weft secret key",
        ),
        // run: unknown kind, missing file, bad arguments, bad AIR
        (dir, &["run", "missing.txt"], "neither .air nor .aqua"),
        (dir, &["run", "missing.air"], "cannot read"),
        (dir, &["run", &bad_air, "--arg", "x"], "is not NAME=JSON"),
        (dir, &["run", &bad_air, "--arg", "x=nope"], "is not JSON"),
        // status, logs
        (dir, &["status"], "weft up"),
        (dir, &["logs", "svc"], "weft init"),
        (
            dir,
            &["logs", "svc", "--peers", BAD_PEER],
            "is not a peer id",
        ),
        (&project, &["logs", "proj"], "is not deployed"),
        // flow, component
        (dir, &["flow", "check", &bad_air], "bad.air"),
        (dir, &["flow", "simulate", "missing.air"], "missing.air"),
        (
            dir,
            &["component", "describe", "missing.wasm"],
            "missing.wasm",
        ),
    ];
    for (cwd, args, expected) in cases {
        weft.fails(cwd, args, expected);
    }
    // Failed commands left nothing behind: no project, no network state.
    assert!(!dir.join("Bad_Name").exists());
    assert!(!project.join(".weft").exists());
    assert_eq!(weft.json(dir, &["ps", "--json"]), json!([]));
}

#[test]
fn commands_against_a_network_explain_wrong_input_and_leave_no_orphans() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let net = Net::up(&weft, tmp.path(), 2, &[]);
    let project = prebuilt_project(tmp.path(), "greeter", "greeter", "rust", "greeter-rust");
    let p = &project;
    weft.fails(p, &["up"], "already running");
    weft.fails(p, &["deploy", "--replicas", "3"], "needs 3 running nodes");
    let twice = format!("{0},{0}", net.peers[0]);
    weft.fails(p, &["deploy", "--peers", &twice], "names a node twice");

    // A deploy whose second replica cannot be reached removes the first one again.
    let stranger = tmp.path().join("stranger.key");
    let stranger = weft.json(
        p,
        &[
            "key",
            "new",
            "--key",
            stranger.to_str().expect("utf-8"),
            "--json",
        ],
    )["peer_id"]
        .as_str()
        .expect("peer id")
        .to_owned();
    let targets = format!("{},{stranger}", net.peers[0]);
    let failed = weft.fails(
        p,
        &["deploy", "--peers", &targets, "--timeout", "3"],
        "removed the 1 replicas already created",
    );
    assert!(failed.contains(&stranger), "{failed}");
    assert!(!p.join(".weft/deployment.json").exists());
    let status = weft.json(p, &["status", "--json"]);
    for node in status["nodes"].as_array().expect("nodes") {
        assert_eq!(node["services"], json!([]), "orphan service: {status}");
    }

    weft.ok(p, &["deploy", "--replicas", "1"]);
    weft.fails(
        p,
        &["call", "nosuch.hello", r#"["x"]"#],
        "no service \\\"nosuch\\\"",
    );
    weft.fails(
        p,
        &["call", "greeter.nosuch", r#"["x"]"#],
        "no exported function 'nosuch'",
    );
    weft.fails(p, &["call", "greeter.hello", "[1]"], "expected string");
    weft.fails(
        p,
        &["call", "greeter.hello", r#"["a", "b"]"#],
        "takes 1 arguments",
    );
    weft.fails(p, &["logs", "nosuch"], "has no service \"nosuch\"");
    let aqua = tmp.path().join("f.aqua");
    std::fs::write(&aqua, "func twice(x: u32) -> u32:\n  <- x\n").expect("write");
    let aqua = aqua.to_str().expect("utf-8");
    weft.fails(p, &["run", aqua], "Missing module header");
    let aqua = tmp.path().join("g.aqua");
    let source = "aqua G\n\nexport same\n\nfunc same(x: u32) -> u32:\n  <- x\n";
    std::fs::write(&aqua, source).expect("write");
    let aqua = aqua.to_str().expect("utf-8");
    weft.fails(p, &["run", aqua], "--arg NAME=JSON (missing: x)");
}

#[test]
fn every_command_has_help_and_missing_arguments_are_usage_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let commands: &[&[&str]] = &[
        &["key", "new"],
        &["key", "show"],
        &["init"],
        &["node"],
        &["build"],
        &["up"],
        &["down"],
        &["ps"],
        &["deploy"],
        &["call"],
        &["run"],
        &["status"],
        &["logs"],
        &["flow", "simulate"],
        &["component", "describe"],
        &["component", "call"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let out = String::from_utf8(weft.cmd(tmp.path(), &args).stdout).expect("utf-8");
        assert!(out.contains("Usage: weft"), "{args:?}: {out}");
    }
    for command in [
        &["init"][..],
        &["call"],
        &["run"],
        &["logs"],
        &["component", "call"],
    ] {
        let output = weft.cmd(tmp.path(), command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(stderr.contains("Usage: weft"), "{command:?}: {stderr}");
    }
}
