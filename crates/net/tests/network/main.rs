//! Networks of 2–3 peers in one process, over the memory transport, TCP and QUIC
//! on 127.0.0.1. Every await is bounded; nothing sleeps.

// Helpers outside `#[test]` functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod content;
mod discovery;
mod exchange;
mod faults;
mod rogue;

use std::{
    future::Future,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use weft_core::{KeyPair, Particle};
use weft_net::{Inbox, Multiaddr, NetConfig, Network};

/// Generous for a loaded 2-core machine; a healthy run takes milliseconds.
const STEP: Duration = Duration::from_secs(20);

async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(STEP, future)
        .await
        .expect("step did not finish in time")
}

fn addr(text: &str) -> Multiaddr {
    text.parse().expect("valid multiaddr")
}

fn config(listen: &str) -> NetConfig {
    NetConfig::node(KeyPair::generate()).with_listen([addr(listen)])
}

async fn spawn(config: NetConfig) -> (Network, Inbox) {
    within(Network::spawn(config))
        .await
        .expect("network starts")
}

async fn first_addr(network: &Network) -> Multiaddr {
    let addrs = within(network.listen_addrs()).await.expect("running");
    addrs.into_iter().next().expect("a bound listener")
}

/// `addr` with `/p2p/<peer>` appended, as bootstrap addresses are written.
async fn full_addr(network: &Network) -> Multiaddr {
    let text = format!(
        "{}/p2p/{}",
        first_addr(network).await,
        network.local_peer_id()
    );
    addr(&text)
}

fn particle(id: &str) -> Arc<Particle> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64;
    let keys = KeyPair::from_seed([42; 32]);
    let mut particle = Particle::new(&keys, id.into(), now, 60_000, "(null)".into());
    particle.data = id.as_bytes().to_vec();
    Arc::new(particle)
}

async fn receive(inbox: &mut Inbox) -> weft_net::Inbound {
    within(inbox.recv()).await.expect("network still running")
}
