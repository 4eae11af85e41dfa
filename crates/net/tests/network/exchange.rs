use weft_core::KeyPair;
use weft_net::{NetConfig, Network};

use super::*;

/// Three peers on one transport: each sends to the next, over connections it
/// dials itself (A, B) or that the other side dialed (C answers on B's link).
async fn ring(listen: &str) {
    let (a, mut a_in) = spawn(config(listen)).await;
    let (b, mut b_in) = spawn(config(listen)).await;
    let (c, mut c_in) = spawn(config(listen)).await;
    let dialed = within(a.dial(first_addr(&b).await)).await.unwrap();
    assert_eq!(dialed, b.local_peer_id());
    within(b.add_address(c.local_peer_id(), first_addr(&c).await))
        .await
        .unwrap();

    within(a.send(b.local_peer_id(), particle("a-b")))
        .await
        .unwrap();
    within(b.send(c.local_peer_id(), particle("b-c")))
        .await
        .unwrap();
    // Back along links the receivers dialed: no new connection needed.
    within(c.send(b.local_peer_id(), particle("c-b")))
        .await
        .unwrap();
    within(b.send(a.local_peer_id(), particle("b-a")))
        .await
        .unwrap();

    let got = receive(&mut b_in).await;
    assert_eq!(
        (got.from, got.particle.id.as_str()),
        (a.local_peer_id(), "a-b")
    );
    assert_eq!(got.particle.data, b"a-b");
    assert_eq!(got.particle.script, "(null)");
    let got = receive(&mut c_in).await;
    assert_eq!(
        (got.from, got.particle.id.as_str()),
        (b.local_peer_id(), "b-c")
    );
    let got = receive(&mut b_in).await;
    assert_eq!(
        (got.from, got.particle.id.as_str()),
        (c.local_peer_id(), "c-b")
    );
    let got = receive(&mut a_in).await;
    assert_eq!(
        (got.from, got.particle.id.as_str()),
        (b.local_peer_id(), "b-a")
    );
    got.particle.verify().expect("signature survives the trip");

    let stats = b.stats();
    assert_eq!((stats.particles_in, stats.particles_out), (2, 2));
    assert_eq!(stats.frames_rejected, 0);
    assert!(within(a.is_connected(b.local_peer_id())).await.unwrap());
    let mut peers = within(b.connected_peers()).await.unwrap();
    peers.sort_by_key(|p| p.to_string());
    let mut expected = vec![a.local_peer_id(), c.local_peer_id()];
    expected.sort_by_key(|p| p.to_string());
    assert_eq!(peers, expected);

    for network in [a, b, c] {
        within(network.shutdown()).await.unwrap();
    }
}

#[tokio::test]
async fn particles_cross_the_memory_transport() {
    ring("/memory/0").await;
}

#[tokio::test]
async fn particles_cross_tcp_on_loopback() {
    ring("/ip4/127.0.0.1/tcp/0").await;
}

#[tokio::test]
async fn particles_cross_quic_on_loopback() {
    ring("/ip4/127.0.0.1/udp/0/quic-v1").await;
}

#[tokio::test]
async fn concurrent_sends_share_one_connection() {
    let (a, _a_in) = spawn(config("/memory/0")).await;
    let (b, mut b_in) = spawn(config("/memory/0")).await;
    within(a.add_address(b.local_peer_id(), first_addr(&b).await))
        .await
        .unwrap();
    let sends = (0..20).map(|i| {
        let a = a.clone();
        let to = b.local_peer_id();
        async move { a.send(to, particle(&format!("p-{i}"))).await }
    });
    for result in within(futures::future::join_all(sends)).await {
        result.unwrap();
    }
    for _ in 0..20 {
        receive(&mut b_in).await;
    }
    // One dial for twenty sends: one connection each side.
    assert_eq!(a.stats().connections, 1);
    assert_eq!(b.stats().connections, 1);
}

#[tokio::test]
async fn a_client_needs_no_listener_and_is_answered_on_its_connection() {
    let (node, mut node_in) = spawn(config("/memory/0")).await;
    let client_config = NetConfig::client(KeyPair::generate(), vec![full_addr(&node).await]);
    let (client, mut client_in) = spawn(client_config).await;
    assert!(within(client.listen_addrs()).await.unwrap().is_empty());

    within(client.send(node.local_peer_id(), particle("from-client")))
        .await
        .unwrap();
    let got = receive(&mut node_in).await;
    assert_eq!(got.from, client.local_peer_id());
    within(node.send(client.local_peer_id(), particle("to-client")))
        .await
        .unwrap();
    assert_eq!(receive(&mut client_in).await.particle.id, "to-client");
}

#[tokio::test]
async fn links_to_clients_stay_open_past_the_idle_timeout() {
    let idle = std::time::Duration::from_millis(300);
    let (node, _node_in) = spawn(NetConfig {
        idle_timeout: idle,
        ..config("/memory/0")
    })
    .await;
    let (client, mut client_in) = spawn(NetConfig {
        idle_timeout: idle,
        ..NetConfig::client(KeyPair::generate(), vec![])
    })
    .await;
    within(client.dial(full_addr(&node).await)).await.unwrap();

    // The keep-alive decision is unit-tested in `links`; this checks that identify
    // feeds it on a real link. A close that must not happen cannot be awaited, and
    // libp2p's idle timer runs on real time: give it a few rounds to act.
    tokio::time::sleep(idle * 4).await;
    assert!(
        within(node.is_connected(client.local_peer_id()))
            .await
            .unwrap()
    );
    within(node.send(client.local_peer_id(), particle("still here")))
        .await
        .unwrap();
    assert_eq!(receive(&mut client_in).await.particle.id, "still here");
}

#[tokio::test]
async fn listen_failure_is_an_error() {
    // Plain UDP is no transport of ours.
    let error = within(Network::spawn(config("/ip4/127.0.0.1/udp/0")))
        .await
        .unwrap_err();
    assert!(
        matches!(error, weft_net::NetError::Listen { .. }),
        "{error}"
    );
}
