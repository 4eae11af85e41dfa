//! A service on two nodes; one is killed mid-load; the flow's fallback to the other replica
//! completes every call.

use std::time::Duration;

use serde_json::json;
use tokio::{task::JoinSet, time::timeout};
use weft_testkit::{TestNet, flows, guest};

const CALLS: usize = 40;
/// How long the relay waits for the primary before asking the backup.
const FALLBACK_MS: u64 = 1_500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_completes_when_a_replica_dies_mid_load() {
    let mut net = TestNet::start(3).await.unwrap();
    let client = net.client(0).await.unwrap();
    let wasm = guest("greeter-rust").unwrap();
    let (primary, backup) = (net.peer_id(1), net.peer_id(2));
    for node in [primary, backup] {
        flows::deploy(&client, node, &wasm, "greeter")
            .await
            .unwrap();
    }

    let mut calls = JoinSet::new();
    for i in 0..CALLS {
        let client = client.clone();
        calls.spawn(async move {
            let name = format!("caller-{i}");
            let got = flows::call_with_fallback(
                &client,
                (primary, backup),
                ("greeter", "hello"),
                json!(name),
                FALLBACK_MS,
            )
            .await;
            (name, got)
        });
    }
    let mut done = 0;
    let check = |(name, got): (String, Result<serde_json::Value, _>)| {
        assert_eq!(got.unwrap(), json!(format!("Hello, {name}!")));
    };
    // Kill the primary while most calls are still in flight.
    while done < CALLS / 4 {
        let next = timeout(Duration::from_secs(60), calls.join_next())
            .await
            .unwrap();
        check(next.unwrap().unwrap());
        done += 1;
    }
    net.kill(1).await.unwrap();
    while let Some(next) = timeout(Duration::from_secs(60), calls.join_next())
        .await
        .unwrap()
    {
        check(next.unwrap());
        done += 1;
    }
    assert_eq!(done, CALLS);

    // With the primary gone, new calls complete through the backup.
    let after = flows::call_with_fallback(
        &client,
        (primary, backup),
        ("greeter", "hello"),
        json!("late"),
        FALLBACK_MS,
    );
    let after = timeout(Duration::from_secs(60), after)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after, json!("Hello, late!"));
}
