//! How the pipeline reaches other peers: a small trait, so that the pipeline runs the same
//! over libp2p (`weft_net::Network`) and over an in-memory fake in tests.

use std::sync::Arc;

use futures::future::BoxFuture;
use weft_core::{Particle, PeerId};

/// The network as the pipeline needs it. Implemented for `weft_net::Network`; tests
/// implement it with channels.
pub trait Transport: Send + Sync + 'static {
    /// Delivers a particle; resolves when the peer acknowledged it or the delivery failed.
    fn send(&self, to: PeerId, particle: Arc<Particle>) -> BoxFuture<'_, Result<(), String>>;
    fn is_connected(&self, peer: PeerId) -> BoxFuture<'_, bool>;
    /// Learns `addrs` for `peer` and dials it; true once connected.
    fn connect(&self, peer: PeerId, addrs: Vec<String>) -> BoxFuture<'_, bool>;
    /// Known addresses of a connected peer; `None` when not connected.
    fn contact(&self, peer: PeerId) -> BoxFuture<'_, Option<Vec<String>>>;
    /// Peers closest to `key` that this peer knows (Kademlia).
    fn neighborhood(
        &self,
        key: Vec<u8>,
        count: usize,
    ) -> BoxFuture<'_, Result<Vec<PeerId>, String>>;
    /// This peer's own addresses, for `peer.identify`.
    fn local_addresses(&self) -> BoxFuture<'_, Vec<String>>;
    /// Tells the network this peer holds the component whose blake3 hash is `hash`, so
    /// that other peers can fetch it. Without a network there is nobody to tell.
    fn announce(&self, _hash: [u8; 32]) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
    /// The component `hash` from a peer that announces it, checked against the hash and at
    /// most `max_bytes` long.
    fn fetch(&self, _hash: [u8; 32], _max_bytes: u64) -> BoxFuture<'_, Result<Vec<u8>, String>> {
        Box::pin(async { Err("there is no network to fetch components from".to_owned()) })
    }
}

impl std::fmt::Debug for dyn Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transport")
    }
}
