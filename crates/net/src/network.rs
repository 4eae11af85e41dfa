//! The [`Network`] handle: commands to the Swarm task, answers on oneshots.

use std::{sync::Arc, time::Duration};

use libp2p::Multiaddr;
use tokio::sync::{mpsc, oneshot, watch};
use weft_core::{Particle, PeerId};

use crate::{
    NetConfig, NetError, NetStats,
    content::{ChunkRequest, ChunkResponse, ContentKey, ContentSource},
    stats::Stats,
    swarm_task::{self, Command},
};

/// A particle received from a peer, decoded within the configured limits. Its
/// signature, expiry and novelty are not checked here: that is the node's job.
#[derive(Debug)]
pub struct Inbound {
    pub from: PeerId,
    pub particle: Particle,
}

/// Particles received, in arrival order. Bounded: when the node does not keep up,
/// further particles are refused and their senders told the receiver is busy.
pub type Inbox = mpsc::Receiver<Inbound>;

/// Capacity of the command channel into the Swarm task; callers wait when it is full.
const COMMAND_QUEUE: usize = 1024;

/// A cheap, cloneable handle to the task that owns the libp2p Swarm.
#[derive(Debug, Clone)]
pub struct Network {
    commands: mpsc::Sender<Command>,
    stop: Arc<watch::Sender<bool>>,
    local_peer_id: PeerId,
    stats: Arc<Stats>,
    max_frame: usize,
    send_timeout: Duration,
}

impl Network {
    /// Builds the Swarm, binds every listen address, starts dialing the bootstrap
    /// peers and spawns the Swarm task. Returns once the listeners are bound, so
    /// [`Network::listen_addrs`] has the actual ports.
    pub async fn spawn(config: NetConfig) -> Result<(Network, Inbox), NetError> {
        let stats = Arc::new(Stats::default());
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (stop, stop_rx) = watch::channel(false);
        let (inbox_tx, inbox) = mpsc::channel(config.inbound_queue.max(1));
        let task =
            swarm_task::SwarmTask::start(&config, command_rx, stop_rx, inbox_tx, stats.clone())
                .await?;
        tokio::spawn(task.run());
        let network = Network {
            commands,
            stop: Arc::new(stop),
            local_peer_id: config.keypair.peer_id(),
            stats,
            max_frame: config.particle_limits.max_encoded_bytes(),
            send_timeout: config.send_timeout,
        };
        Ok((network, inbox))
    }

    pub fn local_peer_id(&self) -> PeerId {
        self.local_peer_id
    }

    /// The addresses the listeners are bound to, with port 0 resolved.
    pub async fn listen_addrs(&self) -> Result<Vec<Multiaddr>, NetError> {
        self.ask(Command::ListenAddrs).await
    }

    /// Connects to `addr` (which may end in `/p2p/<peer id>`) and returns the peer
    /// that answered, once it has identified itself: from then on it is in this
    /// peer's Kademlia routing table (if it is a node).
    pub async fn dial(&self, addr: Multiaddr) -> Result<PeerId, NetError> {
        let send_timeout = self.send_timeout;
        let target = addr.to_string();
        let dial = self.ask(|reply| Command::Dial { addr, reply });
        match tokio::time::timeout(send_timeout, dial).await {
            Ok(result) => result?,
            Err(_) => Err(NetError::Dial {
                target,
                reason: format!("no connection after {send_timeout:?}"),
            }),
        }
    }

    /// Delivers `particle` to `to` and waits for its acknowledgement. Connects
    /// first if needed: to addresses already known, else to those Kademlia finds.
    /// Concurrent sends to one peer share one connection attempt. The whole
    /// delivery is bounded by the configured send timeout.
    pub async fn send(&self, to: PeerId, particle: Arc<Particle>) -> Result<(), NetError> {
        let frame = particle.encode();
        if frame.len() > self.max_frame {
            Stats::bump(&self.stats.send_failures);
            return Err(NetError::TooLarge {
                len: frame.len(),
                limit: self.max_frame,
            });
        }
        self.send_frame(to, frame).await
    }

    /// Sends arbitrary bytes as one particle frame, unchecked: for tests that play
    /// a rogue peer.
    #[cfg(feature = "testing")]
    pub async fn send_raw(&self, to: PeerId, bytes: Vec<u8>) -> Result<(), NetError> {
        self.send_frame(to, bytes).await
    }

    async fn send_frame(&self, to: PeerId, frame: Vec<u8>) -> Result<(), NetError> {
        let send = self.ask(|reply| Command::Send { to, frame, reply });
        let result = match tokio::time::timeout(self.send_timeout, send).await {
            Ok(result) => result.and_then(|delivered| delivered),
            Err(_) => Err(NetError::Timeout {
                peer: Box::new(to),
                after: self.send_timeout,
            }),
        };
        match &result {
            Ok(()) => Stats::bump(&self.stats.particles_out),
            Err(error) => {
                Stats::bump(&self.stats.send_failures);
                tracing::debug!(peer = %to, "send failed: {error}");
            }
        }
        result
    }

    pub async fn is_connected(&self, peer: PeerId) -> Result<bool, NetError> {
        self.ask(|reply| Command::IsConnected { peer, reply }).await
    }

    pub async fn connected_peers(&self) -> Result<Vec<PeerId>, NetError> {
        self.ask(Command::ConnectedPeers).await
    }

    /// Up to `count` (at most 20) peers closest to `key` in the DHT, found by an
    /// iterative Kademlia query. For a peer's neighborhood pass its id's bytes.
    pub async fn neighborhood(&self, key: Vec<u8>, count: usize) -> Result<Vec<PeerId>, NetError> {
        self.ask(|reply| Command::Neighborhood { key, count, reply })
            .await?
    }

    /// Remembers an address of `peer` for later dials.
    pub async fn add_address(&self, peer: PeerId, addr: Multiaddr) -> Result<(), NetError> {
        self.ask(|reply| Command::AddAddress { peer, addr, reply })
            .await
    }

    /// The addresses known for `peer`: added, learned from identify, or in the DHT.
    pub async fn addresses_of(&self, peer: PeerId) -> Result<Vec<Multiaddr>, NetError> {
        self.ask(|reply| Command::AddressesOf { peer, reply }).await
    }

    /// Closes every connection with `peer` (it may connect again).
    pub async fn disconnect(&self, peer: PeerId) -> Result<(), NetError> {
        self.ask(|reply| Command::Disconnect { peer, reply }).await
    }

    /// Cuts every connection with `peer` and refuses new ones, both ways, until
    /// [`Network::unblock`]: fault injection for tests. Returns once the last
    /// connection has closed; sends to the peer fail with [`NetError::Blocked`].
    pub async fn block(&self, peer: PeerId) -> Result<(), NetError> {
        self.ask(|reply| Command::Block { peer, reply }).await
    }

    pub async fn unblock(&self, peer: PeerId) -> Result<(), NetError> {
        self.ask(|reply| Command::Unblock { peer, reply }).await
    }

    /// Serves other peers' chunk requests from `source` (until then every request is
    /// answered "not here").
    pub async fn serve_content(&self, source: Arc<dyn ContentSource>) -> Result<(), NetError> {
        self.ask(|reply| Command::ServeContent { source, reply })
            .await
    }

    /// Announces in Kademlia that this peer holds `key` (a blake3 hash): a provider record,
    /// republished by Kademlia while the peer runs. Returns once the closest peers known
    /// have the record (bounded by the send timeout; the record stays announced after).
    pub async fn provide(&self, key: ContentKey) -> Result<(), NetError> {
        let announce = self.ask(|reply| Command::Provide { key, reply });
        match tokio::time::timeout(self.send_timeout, announce).await {
            Ok(result) => result?,
            Err(_) => Ok(()),
        }
    }

    /// Peers that announce `key`: the first ones a Kademlia lookup finds (none when the
    /// lookup ends without any), bounded by the send timeout.
    pub async fn find_providers(&self, key: ContentKey) -> Result<Vec<PeerId>, NetError> {
        let lookup = self.ask(|reply| Command::FindProviders { key, reply });
        match tokio::time::timeout(self.send_timeout, lookup).await {
            Ok(result) => result?,
            Err(_) => Ok(Vec::new()),
        }
    }

    pub(crate) async fn fetch_chunk(
        &self,
        peer: PeerId,
        request: ChunkRequest,
    ) -> Result<ChunkResponse, NetError> {
        let fetch = self.ask(|reply| Command::FetchChunk {
            peer,
            request,
            reply,
        });
        match tokio::time::timeout(self.send_timeout, fetch).await {
            Ok(result) => result?,
            Err(_) => Err(NetError::Timeout {
                peer: Box::new(peer),
                after: self.send_timeout,
            }),
        }
    }

    pub fn stats(&self) -> NetStats {
        self.stats.snapshot()
    }

    /// Stops the Swarm task: every connection closes and the inbox ends. Other
    /// handles get [`NetError::Stopped`] from then on.
    pub async fn shutdown(self) -> Result<(), NetError> {
        self.stop.send_replace(true);
        // The task drops its command receiver when it ends.
        self.commands.closed().await;
        Ok(())
    }

    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, NetError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .await
            .map_err(|_| NetError::Stopped)?;
        answer.await.map_err(|_| NetError::Stopped)
    }
}
