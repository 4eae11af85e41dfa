//! End to end: real `weft node` processes on 127.0.0.1, started from config files, killed
//! with SIGKILL and restarted on their data directories.

// Helpers outside #[test] fns are test code too: a failure should fail the test loudly.
#![allow(clippy::unwrap_used)]

use std::{path::Path, sync::Arc, time::Duration};

use serde_json::json;
use tokio::{task::JoinSet, time::timeout};
use weft_core::{KeyPair, Particle};
use weft_net::{NetConfig, Network};
use weft_testkit::{ProcessNet, flows, guest, metrics};

const WAIT: Duration = Duration::from_secs(60);

fn weft() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_weft"))
}

async fn network(n: usize) -> ProcessNet {
    ProcessNet::start(weft(), n, |_, config| {
        config.http = Some("127.0.0.1:0".parse().unwrap());
    })
    .await
    .unwrap()
}

// Three concurrent answers fan in on the relay: the case of the fan-in stall fixed in e7b1972.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flows_cross_three_node_processes() {
    let net = network(3).await;
    let peers: Vec<_> = net.nodes.iter().map(|n| n.peer_id()).collect();
    let client = net.nodes[0].client().await.unwrap();

    let infos = timeout(WAIT, flows::identify_all(&client, &peers))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(infos.len(), 3, "{infos:?}");

    let wasm = guest("greeter-rust").unwrap();
    let deploy = flows::deploy(&client, peers[1], &wasm, "greeter");
    timeout(WAIT, deploy).await.unwrap().unwrap();
    let hello = flows::call(&client, peers[1], "greeter", "hello", vec![json!("ann")]);
    assert_eq!(
        timeout(WAIT, hello).await.unwrap().unwrap(),
        json!("Hello, ann!")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_and_its_alias_survive_kill_9() {
    let mut net = network(2).await;
    let client = net.nodes[0].client().await.unwrap();
    let node = net.nodes[1].peer_id();
    // The service and its alias; kv state across a restart is checked by the test kit's
    // restart test (crates/testkit/tests/net/restart.rs).
    let wasm = guest("greeter-rust").unwrap();
    timeout(WAIT, flows::deploy(&client, node, &wasm, "greeter"))
        .await
        .unwrap()
        .unwrap();
    net.nodes[1].kill().await.unwrap();
    net.nodes[1].restart().await.unwrap();
    // Reconnect the relay to the restarted node (its address did not change).
    let (first, rest) = net.nodes.split_at(1);
    let connect = flows::call(
        &client,
        first[0].peer_id(),
        "peer",
        "connect",
        vec![json!(node.to_string()), json!([rest[0].addr().to_string()])],
    );
    assert_eq!(timeout(WAIT, connect).await.unwrap().unwrap(), json!(true));

    let hello = flows::call(&client, node, "greeter", "hello", vec![json!("again")]);
    let got = timeout(WAIT, hello).await.unwrap();
    assert_eq!(
        got.unwrap(),
        json!("Hello, again!"),
        "log:\n{}",
        net.nodes[1].log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_survives_its_relay_restarting_mid_session() {
    let mut net = network(1).await;
    let relay = net.nodes[0].peer_id();
    let client = net.nodes[0].client().await.unwrap();
    let before = flows::call(&client, relay, "op", "identity", vec![json!(1)]);
    assert_eq!(timeout(WAIT, before).await.unwrap().unwrap(), json!(1));

    net.nodes[0].kill().await.unwrap();
    // Started while the relay is down: the client keeps the particle until the relay is back.
    let during = {
        let client = client.clone();
        tokio::spawn(
            async move { flows::call(&client, relay, "op", "identity", vec![json!(2)]).await },
        )
    };
    net.nodes[0].restart().await.unwrap();
    assert_eq!(
        timeout(WAIT, during).await.unwrap().unwrap().unwrap(),
        json!(2)
    );
    let after = flows::call(&client, relay, "op", "identity", vec![json!(3)]);
    assert_eq!(timeout(WAIT, after).await.unwrap().unwrap(), json!(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_fail_over_when_a_replica_process_is_killed() {
    let mut net = network(3).await;
    let client = net.nodes[0].client().await.unwrap();
    let (primary, backup) = (net.nodes[1].peer_id(), net.nodes[2].peer_id());
    let wasm = guest("greeter-rust").unwrap();
    for node in [primary, backup] {
        timeout(WAIT, flows::deploy(&client, node, &wasm, "greeter"))
            .await
            .unwrap()
            .unwrap();
    }
    let mut calls = JoinSet::new();
    for i in 0..20 {
        let client = client.clone();
        calls.spawn(async move {
            let name = format!("c{i}");
            let pair = (primary, backup);
            let got =
                flows::call_with_fallback(&client, pair, ("greeter", "hello"), json!(name), 1_500)
                    .await;
            (name, got)
        });
    }
    let mut done = 0;
    while let Some(next) = timeout(WAIT, calls.join_next()).await.unwrap() {
        let (name, got) = next.unwrap();
        assert_eq!(got.unwrap(), json!(format!("Hello, {name}!")));
        done += 1;
        if done == 5 {
            net.nodes[1].kill().await.unwrap();
        }
    }
    assert_eq!(done, 20);
}

/// Resident memory of a process, bytes.
fn rss_of(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

// Signed particles whose data does not decode must not hold in-flight slots until their TTL
// (fixed in a9c372c), or a flood of them starves honest particles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooded_node_process_stays_bounded_and_responsive() {
    let net = ProcessNet::start(weft(), 1, |_, config| {
        config.http = Some("127.0.0.1:0".parse().unwrap());
        config.limits.max_data_bytes = 64 << 10;
        config.limits.inbound_queue = 64;
        config.limits.max_in_flight = 128;
    })
    .await
    .unwrap();
    let node = &net.nodes[0];
    let keys = KeyPair::generate();
    let (rogue, _inbox) = Network::spawn(NetConfig::client(keys.clone(), vec![]))
        .await
        .unwrap();
    rogue.dial(node.addr().clone()).await.unwrap();
    let pid = node.pid().unwrap();
    let rss_before = rss_of(pid);

    const FLOOD: usize = 3_000;
    const BYTES: usize = 48 << 10;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let permits = Arc::new(tokio::sync::Semaphore::new(32));
    let mut flood = JoinSet::new();
    for i in 0..FLOOD {
        let permit = Arc::clone(&permits).acquire_owned().await.unwrap();
        let (rogue, keys, target) = (rogue.clone(), keys.clone(), node.peer_id());
        flood.spawn(async move {
            let mut p = Particle::new(&keys, format!("f{i}"), now, 30_000, "(null)".into());
            p.data = vec![(i % 251) as u8; BYTES];
            let _ = rogue.send(target, Arc::new(p)).await;
            // Garbage too, every tenth particle.
            if i % 10 == 0 {
                let _ = rogue.send_raw(target, vec![0xff; 100]).await;
            }
            drop(permit);
        });
    }
    while timeout(WAIT, flood.join_next()).await.unwrap().is_some() {}
    let grown = rss_of(pid).saturating_sub(rss_before);
    let flooded = (FLOOD * BYTES) as u64;
    assert!(
        grown < flooded / 2,
        "node RSS grew by {grown} bytes; {flooded} bytes flooded"
    );

    let text = metrics::scrape(node.http_addr().unwrap()).await.unwrap();
    let bad_data = metrics::sample(&text, "weft_particles_dropped_total{reason=\"bad_data\"}");
    assert!(
        bad_data.unwrap_or(0.0) > 0.0,
        "junk data was not dropped:\n{text}"
    );

    let client = node.client().await.unwrap();
    let alive = flows::call(&client, node.peer_id(), "op", "identity", vec![json!("ok")]);
    assert_eq!(timeout(WAIT, alive).await.unwrap().unwrap(), json!("ok"));
}
