use std::time::Duration;

use libp2p::Multiaddr;
use weft_core::{KeyPair, ParticleLimits};

/// What part a peer plays in the Kademlia DHT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// Answers DHT queries and is found through them: a Weft node.
    #[default]
    Node,
    /// Asks the DHT but is never put in other peers' routing tables: a client that
    /// connects to a node and needs no listening address.
    Client,
}

/// How to run the network. Start from [`NetConfig::default`] (or
/// [`NetConfig::node`] / [`NetConfig::client`]) and set the fields that matter.
#[derive(Debug, Clone)]
pub struct NetConfig {
    pub keypair: KeyPair,
    pub role: Role,
    /// Where to listen: `/ip4/127.0.0.1/tcp/0`, `/ip4/0.0.0.0/udp/9000/quic-v1`, `/memory/0`, ...
    pub listen: Vec<Multiaddr>,
    /// Peers to connect to at start, each address ending in `/p2p/<peer id>`.
    pub bootstrap: Vec<Multiaddr>,
    /// Bounds decoded particles and, through them, the particle protocol's frame size.
    pub particle_limits: ParticleLimits,
    /// Established connections in total.
    pub max_connections: u32,
    /// Established connections with one peer.
    pub max_connections_per_peer: u32,
    /// Capacity of the inbox: particles received but not yet taken by the node.
    /// When it is full, further particles are refused and their senders told so.
    pub inbound_queue: usize,
    /// How long one delivery may take: finding the peer, dialing, sending and the ack.
    pub send_timeout: Duration,
    /// How long a connection with no open streams stays up. Links to clients are
    /// kept regardless: a client cannot be dialed back.
    pub idle_timeout: Duration,
}

impl Default for NetConfig {
    fn default() -> Self {
        Self {
            keypair: KeyPair::generate(),
            role: Role::Node,
            listen: Vec::new(),
            bootstrap: Vec::new(),
            particle_limits: ParticleLimits::default(),
            max_connections: 1024,
            max_connections_per_peer: 4,
            inbound_queue: 1024,
            send_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

impl NetConfig {
    /// A node (Kademlia server) with `keypair` and default limits; set `listen`.
    pub fn node(keypair: KeyPair) -> Self {
        Self {
            keypair,
            ..Self::default()
        }
    }

    /// A client (Kademlia client mode) with `keypair`, connecting to `bootstrap`.
    pub fn client(keypair: KeyPair, bootstrap: Vec<Multiaddr>) -> Self {
        Self {
            keypair,
            role: Role::Client,
            bootstrap,
            ..Self::default()
        }
    }

    pub fn with_listen(mut self, addrs: impl IntoIterator<Item = Multiaddr>) -> Self {
        self.listen = addrs.into_iter().collect();
        self
    }

    pub fn with_bootstrap(mut self, addrs: impl IntoIterator<Item = Multiaddr>) -> Self {
        self.bootstrap = addrs.into_iter().collect();
        self
    }

    pub fn with_particle_limits(mut self, limits: ParticleLimits) -> Self {
        self.particle_limits = limits;
        self
    }

    pub fn with_inbound_queue(mut self, capacity: usize) -> Self {
        self.inbound_queue = capacity;
        self
    }

    pub fn with_send_timeout(mut self, timeout: Duration) -> Self {
        self.send_timeout = timeout;
        self
    }
}
