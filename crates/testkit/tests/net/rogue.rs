//! A rogue peer sends malformed, oversized, unsigned, badly signed, expired and replayed
//! particles and floods the node: the node drops them, counts why, stays responsive, and
//! its memory stays bounded.

use std::{sync::Arc, time::Duration};

use tokio::{task::JoinSet, time::timeout};
use weft_core::{KeyPair, Particle, Signature};
use weft_net::{NetConfig, Network};
use weft_testkit::{TestNet, flows, metrics};

const WAIT: Duration = Duration::from_secs(60);
const FLOOD: usize = 4_000;
const FLOOD_DATA_BYTES: usize = 32 << 10;
const MAX_IN_FLIGHT: usize = 128;

fn now_ms() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.unwrap().as_millis() as u64
}

fn particle(keys: &KeyPair, id: &str, script: &str) -> Particle {
    Particle::new(keys, id.into(), now_ms(), 30_000, script.into())
}

/// Resident memory of this process (every node of the test net lives here), bytes.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

async fn dropped(net: &TestNet, reason: &str) -> f64 {
    let text = metrics::scrape(net.node(0).unwrap().http_addr().unwrap())
        .await
        .unwrap();
    let name = format!("weft_particles_dropped_total{{reason=\"{reason}\"}}");
    metrics::sample(&text, &name).unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}

// A signed particle whose data does not decode holds nothing, so its actor ends at once
// instead of keeping a `max_in_flight` slot until its TTL: the flood cannot starve honest
// particles (and undecodable_data_and_scripts_are_dropped in weft-node checks that a good
// delivery queued behind a bad one is not lost).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rogue_peer_is_dropped_and_the_node_stays_responsive() {
    let net = TestNet::builder(2)
        .configure(|i, config| {
            if i == 0 {
                config.http = Some("127.0.0.1:0".parse().unwrap());
                config.limits.max_data_bytes = 64 << 10;
                config.limits.max_script_bytes = 16 << 10;
                config.limits.max_in_flight = MAX_IN_FLIGHT;
                config.limits.inbound_queue = 64;
            }
        })
        .start()
        .await
        .unwrap();
    let target = net.peer_id(0);
    let rogue_keys = KeyPair::generate();
    let (rogue, _inbox) = Network::spawn(NetConfig::client(rogue_keys.clone(), vec![]))
        .await
        .unwrap();
    rogue.dial(net.addr(0).clone()).await.unwrap();
    let rejected_before = net.node(0).unwrap().network().stats().frames_rejected;

    // Malformed and oversized frames never become particles.
    let _ = rogue.send_raw(target, b"not a particle".to_vec()).await;
    let mut huge = particle(&rogue_keys, "huge", "(null)");
    huge.data = vec![7; 256 << 10];
    let _ = rogue.send_raw(target, huge.encode()).await;

    // Unsigned (a zero signature) and badly signed (script changed after signing).
    let mut unsigned = particle(&rogue_keys, "unsigned", "(null)");
    unsigned.signature = Signature([0; 64]);
    let _ = rogue.send(target, Arc::new(unsigned)).await;
    let mut forged = particle(&rogue_keys, "forged", "(null)");
    forged.script = "(seq (null) (null))".into();
    let _ = rogue.send(target, Arc::new(forged)).await;

    // Expired long ago.
    let old = Particle::new(
        &rogue_keys,
        "old".into(),
        now_ms() - 120_000,
        1_000,
        "(null)".into(),
    );
    let _ = rogue.send(target, Arc::new(old)).await;

    // The same particle twice, bit for bit.
    let once = Arc::new(particle(&rogue_keys, "once", "(null)"));
    rogue.send(target, Arc::clone(&once)).await.unwrap();
    let _ = rogue.send(target, once).await;

    // The node admits particles in arrival order: once a later flow through it completes,
    // everything above has been checked.
    let client = net.client(0).await.unwrap();
    let round_trip = flows::call(
        &client,
        target,
        "op",
        "identity",
        vec![serde_json::json!(1)],
    );
    timeout(WAIT, round_trip).await.unwrap().unwrap();

    let stats = net.node(0).unwrap().network().stats();
    assert!(
        stats.frames_rejected > rejected_before,
        "malformed frames were not rejected: {stats:?}"
    );
    assert!(dropped(&net, "bad_signature").await >= 2.0);
    assert!(dropped(&net, "expired").await >= 1.0);
    assert!(dropped(&net, "replayed").await >= 1.0);

    // Flood: many valid particles with junk data, 32 at a time, as fast as the node takes them.
    let rss_before = rss_bytes();
    let mut flood = JoinSet::new();
    let permits = Arc::new(tokio::sync::Semaphore::new(32));
    for i in 0..FLOOD {
        let permit = Arc::clone(&permits).acquire_owned().await.unwrap();
        let rogue = rogue.clone();
        let keys = rogue_keys.clone();
        flood.spawn(async move {
            let mut p = particle(&keys, &format!("flood-{i}"), "(null)");
            p.data = vec![(i % 251) as u8; FLOOD_DATA_BYTES];
            let _ = rogue.send(target, Arc::new(p)).await;
            drop(permit);
        });
    }
    while timeout(WAIT, flood.join_next()).await.unwrap().is_some() {}
    let grown = rss_bytes().saturating_sub(rss_before);
    let flooded = (FLOOD * FLOOD_DATA_BYTES) as u64;
    assert!(
        grown < flooded / 2,
        "memory grew by {grown} bytes while {flooded} bytes were flooded"
    );
    let text = metrics::scrape(net.node(0).unwrap().http_addr().unwrap())
        .await
        .unwrap();
    let in_flight = metrics::sample(&text, "weft_particles_in_flight").unwrap();
    assert!(
        in_flight <= MAX_IN_FLIGHT as f64,
        "{in_flight} particles in flight"
    );

    // Still serving: a client's flow through the flooded node completes.
    let infos = timeout(WAIT, flows::identify_all(&client, &net.peer_ids()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(infos.len(), 2);
}
