//! Deploying again: on the same network the previous services are removed once the new ones
//! are up; on a new network the old replicas (gone with their nodes) are forgotten at once.

use serde_json::json;

use crate::support::{Net, Weft, prebuilt_project};

fn services_per_node(weft: &Weft, project: &std::path::Path) -> Vec<usize> {
    let status = weft.json(project, &["status", "--json"]);
    status["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["services"].as_array().map_or(0, Vec::len))
        .collect()
}

#[test]
fn redeploys_replace_the_previous_services() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let project = prebuilt_project(tmp.path(), "greeter", "greeter", "rust", "greeter-rust");
    let first_id = {
        let _net = Net::up(&weft, tmp.path(), 2, &[]);
        let first = weft.json(&project, &["deploy", "--json"]);
        let second = weft.json(&project, &["deploy", "--json"]);
        assert_ne!(first["replicas"], second["replicas"]);
        assert_eq!(services_per_node(&weft, &project), [1, 1]);
        second["replicas"][0]["service_id"].clone()
    };
    // A new network: the recorded replicas are on nodes that no longer exist.
    let net = Net::up(&weft, tmp.path(), 2, &[]);
    let output = weft.cmd(&project, &["deploy", "--json", "--timeout", "5"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("could not remove"), "{stderr}");
    let deployment: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("deploy --json");
    let peers: Vec<&serde_json::Value> = deployment["replicas"]
        .as_array()
        .expect("replicas")
        .iter()
        .map(|r| &r["peer_id"])
        .collect();
    assert_eq!(peers, [&json!(net.peers[0]), &json!(net.peers[1])]);
    assert_ne!(deployment["replicas"][0]["service_id"], first_id);
    assert_eq!(services_per_node(&weft, &project), [1, 1]);
}
