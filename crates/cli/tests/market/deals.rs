//! Deals on the local chain of `weft up --chain`: by hand (create, info, deposit, withdraw,
//! stop) and through `weft deploy --market` onto provider nodes, then `weft call`.

use serde_json::Value;

use crate::support::{Net, Weft, prebuilt_project};

fn network_state(weft: &Weft) -> Value {
    let text =
        std::fs::read_to_string(weft.home.join("network/network.json")).expect("network.json");
    serde_json::from_str(&text).expect("network.json is JSON")
}

fn process_alive(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z'))
    })
}

#[test]
fn up_with_a_chain_then_a_deal_by_hand() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let dir = tmp.path();
    let anvil_pid = {
        let _net = Net::up(&weft, dir, 1, &["--chain"]);
        let state = network_state(&weft);
        let chain = &state["chain"];
        let url = chain["rpc_url"].as_str().expect("rpc_url");
        let market = chain["market"].as_str().expect("market");
        assert!(url.starts_with("http://127.0.0.1:"), "{state}");
        let ps = weft.ok(dir, &["ps"]);
        assert!(ps.contains(url) && ps.contains(market), "{ps}");
        assert!(state["nodes"][0]["provider"].is_string(), "{state}");

        let hash = "ab".repeat(32);
        let created = weft.json(
            dir,
            &[
                "deal",
                "create",
                "--component",
                &hash,
                "--escrow",
                "12.5",
                "--replicas",
                "1",
                "--max-price",
                "0.01",
                "--json",
            ],
        );
        assert_eq!(created["id"], 1);
        assert_eq!(created["component"], hash.as_str());
        assert_eq!(created["escrow"], "12.5");
        assert_eq!(created["developer"], chain["developer"]);
        weft.ok(dir, &["deal", "deposit", "1", "2.5"]);
        weft.ok(dir, &["deal", "withdraw", "1", "0.25"]);
        let info = weft.json(dir, &["deal", "info", "1", "--json"]);
        assert_eq!(info["status"], "active");
        assert_eq!(info["escrow"], "14.75");
        assert_eq!(info["replicas_wanted"], 1);
        let text = weft.ok(dir, &["deal", "info", "1"]);
        assert!(
            text.contains("deal 1  active") && text.contains("escrow 14.75"),
            "{text}"
        );
        let stopped = weft.ok(dir, &["deal", "stop", "1"]);
        // No epoch ended yet: the whole escrow comes back.
        assert!(
            stopped.contains("14.75 of unspent escrow went back"),
            "{stopped}"
        );
        let info = weft.json(dir, &["deal", "info", "1", "--json"]);
        assert_eq!(info["status"], "stopped");
        assert_eq!(info["escrow"], "0");
        chain["pid"].as_u64().expect("pid")
    };
    assert!(
        !process_alive(anvil_pid),
        "weft down left anvil {anvil_pid} running"
    );
}

#[test]
fn deploy_through_the_market_then_call() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let project = prebuilt_project(tmp.path(), "greeter", "greeter", "rust", "greeter-rust");
    let net = Net::up(&weft, tmp.path(), 2, &["--chain"]);
    let deployment = weft.json(
        &project,
        &[
            "deploy",
            "--market",
            "--replicas",
            "2",
            "--escrow",
            "20",
            "--json",
        ],
    );
    assert_eq!(deployment["deal"], 1, "{deployment}");
    assert_eq!(deployment["alias"], "deal-1");
    let replicas = deployment["replicas"].as_array().expect("replicas");
    let mut peers: Vec<&str> = replicas
        .iter()
        .map(|r| r["peer_id"].as_str().expect("peer"))
        .collect();
    peers.sort_unstable();
    let mut expected: Vec<&str> = net.peers.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(peers, expected, "one replica on each provider node");
    // The chain names the same workers the deployment recorded.
    let info = weft.json(&project, &["deal", "info", "1", "--json"]);
    for (on_chain, recorded) in info["replicas"]
        .as_array()
        .expect("replicas")
        .iter()
        .zip(replicas)
    {
        assert_eq!(on_chain["worker_id"], recorded["service_id"], "{info}");
    }
    let answer = weft.json(
        &project,
        &["call", "deal-1.hello", "[\"market\"]", "--all", "--json"],
    );
    assert_eq!(answer["agree"], true, "{answer}");
    assert_eq!(answer["replies"][0]["result"], "Hello, market!", "{answer}");
    assert_eq!(
        answer["replies"].as_array().map(Vec::len),
        Some(2),
        "{answer}"
    );
    let status = weft.json(
        &project,
        &[
            "provider",
            "status",
            "--json",
            "--wallet",
            weft.home
                .join("network/node-0/data/wallet.key")
                .to_str()
                .expect("utf-8 path"),
        ],
    );
    assert_eq!(status["registered"], true, "{status}");
    assert_eq!(status["active_replicas"], 1, "{status}");
    // Deploying again buys a new deal and stops the one nobody calls any more.
    let again = weft.json(
        &project,
        &["deploy", "--market", "--replicas", "1", "--json"],
    );
    assert_eq!(again["alias"], "deal-2", "{again}");
    let old = weft.json(&project, &["deal", "info", "1", "--json"]);
    assert_eq!(old["status"], "stopped", "{old}");
    let answer = weft.json(&project, &["call", "deal-2.hello", "[\"again\"]", "--json"]);
    assert_eq!(answer["result"], "Hello, again!", "{answer}");
}
