//! Weft's networking layer, on rust-libp2p.
//!
//! One libp2p Swarm per peer, with TCP (Noise, Yamux), QUIC and the in-process
//! memory transport (`/memory/N`, for tests); identify, ping, connection limits,
//! Kademlia under `/weft/kad/1.0.0` (server mode for nodes, client mode for
//! clients) and the particle protocol `/weft/particle/1.0.0`: one
//! length-delimited frame per particle, bounded by
//! [`ParticleLimits::max_encoded_bytes`](weft_core::ParticleLimits::max_encoded_bytes),
//! answered by an ack or a refusal. Content by hash (components) is announced as Kademlia
//! provider records and read from a provider in chunks over `/weft/content/1.0.0`
//! ([`Network::fetch`]), checked against its blake3 hash. Links to clients stay open while idle (a
//! client cannot be dialed back); links between nodes close after `idle_timeout`
//! and are dialed again, through Kademlia if need be, when a particle needs them.
//!
//! # Tasks
//!
//! ```text
//!   Network (Clone) ──Command + oneshot reply──▶ ┌─────────────────────┐
//!   Network (Clone) ──  bounded mpsc (1024)  ──▶ │  Swarm task         │ ◀──▶ connections
//!   shutdown() ──────────── watch ─────────────▶ │  owns the Swarm     │      (one libp2p task each;
//!                                                 └──────────┬──────────┘       frames decoded there)
//!                                                            │ Inbound, bounded mpsc (inbound_queue)
//!                                                            ▼
//!                                                    Inbox (the node)
//! ```
//!
//! Only the Swarm task touches the Swarm. It waits on stop first, then fairly on
//! commands, Swarm events and a one-second sweep that forgets requests whose
//! callers gave up. Particles are encoded by the caller of [`Network::send`] and
//! decoded on the connection's task, so the Swarm task only moves them. A full
//! inbox makes the Swarm task refuse further particles (`Refusal::Busy`) instead
//! of buffering them.
//!
//! # Example
//!
//! ```
//! # async fn example() -> Result<(), weft_net::NetError> {
//! use std::sync::Arc;
//! use weft_core::{KeyPair, Particle};
//! use weft_net::{NetConfig, Network};
//!
//! let (a, _a_inbox) = Network::spawn(NetConfig::node(KeyPair::generate())
//!     .with_listen(["/memory/0".parse().unwrap()])).await?;
//! let (b, mut b_inbox) = Network::spawn(NetConfig::node(KeyPair::generate())
//!     .with_listen(["/memory/0".parse().unwrap()])).await?;
//!
//! let b_addr = b.listen_addrs().await?.remove(0);
//! a.add_address(b.local_peer_id(), b_addr).await?;
//!
//! let keys = KeyPair::generate();
//! let particle = Particle::new(&keys, "p-1".into(), 0, 60_000, "(null)".into());
//! a.send(b.local_peer_id(), Arc::new(particle)).await?; // dials, sends, waits for the ack
//! let inbound = b_inbox.recv().await.expect("b is running");
//! assert_eq!(inbound.from, a.local_peer_id());
//! assert_eq!(inbound.particle.id, "p-1");
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(example()).unwrap();
//! ```

mod address_book;
mod behaviour;
mod codec;
mod config;
mod content;
mod error;
mod identity;
mod links;
mod network;
mod stats;
mod swarm_task;

pub use codec::Refusal;
pub use config::{NetConfig, Role};
pub use content::{ContentKey, ContentSource, FetchError, MAX_CHUNK};
pub use error::NetError;
pub use libp2p::Multiaddr;
pub use network::{Inbound, Inbox, Network};
pub use stats::NetStats;
