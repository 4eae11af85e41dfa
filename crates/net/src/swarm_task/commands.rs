//! Commands from `Network` handles, answered on their oneshots.

use std::{collections::HashSet, num::NonZeroUsize, sync::Arc};

use libp2p::{Multiaddr, multiaddr::Protocol, swarm::dial_opts::DialOpts};
use weft_core::PeerId;

use super::{DialReply, NeighborhoodReply, Reply, SwarmTask, content::ProvidersReply};
use crate::{
    NetError,
    content::{ChunkRequest, ChunkResponse, ContentKey, ContentSource},
    identity,
};

/// One request from a [`Network`](crate::Network) handle.
pub(crate) enum Command {
    ListenAddrs(Reply<Vec<Multiaddr>>),
    Dial {
        addr: Multiaddr,
        reply: DialReply,
    },
    Send {
        to: PeerId,
        frame: Vec<u8>,
        reply: Reply<Result<(), NetError>>,
    },
    IsConnected {
        peer: PeerId,
        reply: Reply<bool>,
    },
    ConnectedPeers(Reply<Vec<PeerId>>),
    Neighborhood {
        key: Vec<u8>,
        count: usize,
        reply: NeighborhoodReply,
    },
    AddAddress {
        peer: PeerId,
        addr: Multiaddr,
        reply: Reply<()>,
    },
    AddressesOf {
        peer: PeerId,
        reply: Reply<Vec<Multiaddr>>,
    },
    Disconnect {
        peer: PeerId,
        reply: Reply<()>,
    },
    Block {
        peer: PeerId,
        reply: Reply<()>,
    },
    Unblock {
        peer: PeerId,
        reply: Reply<()>,
    },
    ServeContent {
        source: Arc<dyn ContentSource>,
        reply: Reply<()>,
    },
    Provide {
        key: ContentKey,
        reply: Reply<Result<(), NetError>>,
    },
    FindProviders {
        key: ContentKey,
        reply: ProvidersReply,
    },
    FetchChunk {
        peer: PeerId,
        request: ChunkRequest,
        reply: Reply<Result<ChunkResponse, NetError>>,
    },
}

impl SwarmTask {
    pub(super) fn on_command(&mut self, command: Command) {
        match command {
            Command::ListenAddrs(reply) => {
                let _ = reply.send(self.swarm.listeners().cloned().collect());
            }
            Command::Dial { addr, reply } => self.dial(addr, reply),
            Command::Send { to, frame, reply } => self.on_send(to, frame, reply),
            Command::IsConnected { peer, reply } => {
                let _ = reply.send(self.swarm.is_connected(&identity::to_libp2p(&peer)));
            }
            Command::ConnectedPeers(reply) => {
                let peers = self.swarm.connected_peers();
                let _ = reply.send(peers.filter_map(|p| identity::to_weft(p).ok()).collect());
            }
            Command::Neighborhood { key, count, reply } => match NonZeroUsize::new(count) {
                None => {
                    let _ = reply.send(Ok(Vec::new()));
                }
                Some(count) => {
                    let query = self
                        .swarm
                        .behaviour_mut()
                        .kad
                        .get_n_closest_peers(key, count);
                    self.neighborhoods.insert(query, (count.get(), reply));
                }
            },
            Command::AddAddress { peer, addr, reply } => {
                let peer = identity::to_libp2p(&peer);
                self.book.add(peer, addr.clone());
                self.swarm.behaviour_mut().kad.add_address(&peer, addr);
                let _ = reply.send(());
            }
            Command::AddressesOf { peer, reply } => {
                let _ = reply.send(self.addresses_of(identity::to_libp2p(&peer)));
            }
            Command::Disconnect { peer, reply } => {
                // Err only means there was no connection.
                let _ = self.swarm.disconnect_peer_id(identity::to_libp2p(&peer));
                let _ = reply.send(());
            }
            Command::Block { peer, reply } => {
                let id = identity::to_libp2p(&peer);
                // Closes the connections with the peer and refuses new ones.
                self.swarm.behaviour_mut().blocked.block_peer(id);
                self.fail_waiting(id, NetError::Blocked(Box::new(peer)));
                if self.swarm.is_connected(&id) {
                    self.blocking.entry(id).or_default().push(reply);
                } else {
                    let _ = reply.send(());
                }
            }
            Command::Unblock { peer, reply } => {
                self.swarm
                    .behaviour_mut()
                    .blocked
                    .unblock_peer(identity::to_libp2p(&peer));
                let _ = reply.send(());
            }
            Command::ServeContent { source, reply } => {
                self.serve_content(source);
                let _ = reply.send(());
            }
            Command::Provide { key, reply } => self.provide(key, reply),
            Command::FindProviders { key, reply } => self.find_providers(key, reply),
            Command::FetchChunk {
                peer,
                request,
                reply,
            } => self.fetch_chunk(peer, request, reply),
        }
    }

    fn dial(&mut self, addr: Multiaddr, reply: DialReply) {
        if let Some(Protocol::P2p(peer)) = addr.iter().last()
            && self.swarm.is_connected(&peer)
        {
            let _ = reply.send(identity::to_weft(&peer));
            return;
        }
        let opts = DialOpts::from(addr.clone());
        let connection = opts.connection_id();
        match self.swarm.dial(opts) {
            Ok(()) => {
                self.dials.insert(connection, reply);
            }
            Err(error) => {
                let _ = reply.send(Err(NetError::Dial {
                    target: addr.to_string(),
                    reason: error.to_string(),
                }));
            }
        }
    }

    fn addresses_of(&mut self, peer: libp2p::PeerId) -> Vec<Multiaddr> {
        let mut addrs = self.book.get(&peer);
        if let Some(bucket) = self.swarm.behaviour_mut().kad.kbucket(peer) {
            for entry in bucket.iter() {
                if *entry.node.key.preimage() == peer {
                    addrs.extend(entry.node.value.iter().cloned());
                }
            }
        }
        let mut seen = HashSet::new();
        addrs.retain(|addr| seen.insert(addr.clone()));
        addrs
    }
}
