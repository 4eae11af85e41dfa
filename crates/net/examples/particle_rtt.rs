//! Round trips of one particle between two peers on 127.0.0.1 (TCP or QUIC) or the
//! memory transport: A sends to B, B's inbox loop sends it back to A.
//!
//! ```text
//! cargo run --release -p weft-net --example particle_rtt -- [tcp|quic|memory] [count]
//! ```

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use weft_core::{KeyPair, Particle};
use weft_net::{NetConfig, Network};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let transport = args.next().unwrap_or_else(|| "tcp".into());
    let count: usize = args.next().map_or(Ok(10_000), |n| n.parse())?;
    let listen = match transport.as_str() {
        "tcp" => "/ip4/127.0.0.1/tcp/0",
        "quic" => "/ip4/127.0.0.1/udp/0/quic-v1",
        "memory" => "/memory/0",
        other => anyhow::bail!("unknown transport {other}: use tcp, quic or memory"),
    };
    let config =
        || NetConfig::node(KeyPair::generate()).with_listen([listen.parse().expect("valid")]);
    let (a, mut a_in) = Network::spawn(config()).await?;
    let (b, mut b_in) = Network::spawn(config()).await?;
    let b_addr = b.listen_addrs().await?.remove(0);
    a.dial(b_addr).await?;

    // B echoes every particle back to its sender.
    let echo = b.clone();
    tokio::spawn(async move {
        while let Some(inbound) = b_in.recv().await {
            if echo
                .send(inbound.from, Arc::new(inbound.particle))
                .await
                .is_err()
            {
                break;
            }
        }
    });

    let keys = KeyPair::generate();
    let particle = Arc::new(Particle::new(
        &keys,
        "rtt".into(),
        0,
        u32::MAX,
        "(null)".into(),
    ));
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        let start = Instant::now();
        a.send(b.local_peer_id(), particle.clone()).await?;
        a_in.recv()
            .await
            .ok_or_else(|| anyhow::anyhow!("A stopped"))?;
        samples.push(start.elapsed());
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    let total: Duration = samples.iter().sum();
    println!(
        "{transport}: {count} round trips, p50 {:?}, p99 {:?}, mean {:?}",
        at(0.5),
        at(0.99),
        total / count as u32
    );
    Ok(())
}
