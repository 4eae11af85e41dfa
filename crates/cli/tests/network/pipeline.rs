//! The data pipeline example (examples/pipeline, examples/flows/pipeline.air) across three
//! nodes, and `weft logs` reading what its steps logged.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;

use serde_json::{Value, json};

use crate::support::{Net, Weft, examples, prebuilt_project};

const TEXT: &str = "the quick brown fox\njumps over the quick dog\n";

/// Serves `TEXT` to every GET on 127.0.0.1 until the test process ends; returns the port.
fn serve_text() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{TEXT}",
                TEXT.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    port
}

#[test]
fn pipeline_fetches_analyzes_and_stores_across_nodes_and_logs_each_step() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let port = serve_text();
    let allow = format!("127.0.0.1:{port}");
    let net = Net::up(&weft, tmp.path(), 3, &["--http-allow", &allow]);
    let project = prebuilt_project(tmp.path(), "pipeline", "pipeline", "rust", "pipeline");
    // The operator allows the host; the service still gets it only because it asks.
    let deployment = weft.json(&project, &["deploy", "--http-allow", &allow, "--json"]);
    assert_eq!(deployment["replicas"].as_array().map(Vec::len), Some(3));

    let url = format!("http://127.0.0.1:{port}/text");
    let flow = examples().join("flows/pipeline.air");
    let [fetcher, analyzer, keeper] = [&net.peers[0], &net.peers[1], &net.peers[2]];
    let stats = weft.json(
        &project,
        &[
            "run",
            flow.to_str().expect("utf-8 path"),
            "--arg",
            &format!("url={}", json!(url)),
            "--arg",
            &format!("fetcher={}", json!(fetcher)),
            "--arg",
            &format!("analyzer={}", json!(analyzer)),
            "--arg",
            &format!("keeper={}", json!(keeper)),
        ],
    );
    let expected = json!({"lines": 2, "words": 9, "top-word": "the"});
    assert_eq!(stats, expected);

    // The keeper stored the stats under the url; the fetcher's replica has its own kv.
    let args = json!([url]).to_string();
    let stored = weft.json(
        &project,
        &["call", "pipeline.load", &args, "--peers", keeper, "--json"],
    );
    let text = stored["result"]["ok"].as_str().expect("stored text");
    assert_eq!(serde_json::from_str::<Value>(text).expect("json"), expected);
    let elsewhere = weft.json(
        &project,
        &["call", "pipeline.load", &args, "--peers", fetcher, "--json"],
    );
    assert_eq!(elsewhere["result"], json!({"ok": null}), "{elsewhere}");

    // Each replica logged its own step.
    let logs = weft.json(&project, &["logs", "pipeline", "--json"]);
    let messages = |peer: &str| -> Vec<String> {
        let replica = logs["replicas"]
            .as_array()
            .expect("replicas")
            .iter()
            .find(|r| r["peer"] == json!(peer))
            .unwrap_or_else(|| panic!("no logs from {peer}: {logs}"));
        replica["entries"]
            .as_array()
            .unwrap_or_else(|| panic!("no entries: {replica}"))
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["level"].as_str().expect("level"),
                    e["message"].as_str().expect("message")
                )
            })
            .collect()
    };
    assert_eq!(
        messages(fetcher),
        vec![format!("info fetched {} bytes from {url}", TEXT.len())]
    );
    assert_eq!(messages(keeper), vec![format!("info stored {url}")]);
    assert!(messages(analyzer).is_empty());
    let tail = weft.ok(
        &project,
        &["logs", "pipeline", "--peer", keeper, "--tail", "1"],
    );
    assert!(tail.contains(&format!("stored {url}")), "{tail}");

    // Another key does not own the service: the nodes refuse.
    let other = tmp.path().join("other.key");
    let other = other.to_str().expect("utf-8 path");
    let refused = weft.fails(
        &project,
        &["logs", "pipeline", "--key", other],
        "only the service's owner",
    );
    assert!(
        refused.contains("may not change or read the logs"),
        "{refused}"
    );
}
