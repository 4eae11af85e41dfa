//! Outbound particles: straight onto a connection when there is one, otherwise
//! wait for one connection attempt per peer, first to known addresses, then to
//! addresses found by a Kademlia lookup.

use std::collections::{HashMap, hash_map::Entry};

use libp2p::{
    kad,
    request_response::{self, OutboundRequestId},
    swarm::{
        DialError,
        dial_opts::{DialOpts, PeerCondition},
    },
};
use weft_core::PeerId;

use super::{Reply, SwarmTask};
use crate::{
    NetError,
    codec::{Ack, Frame},
    identity,
};

type SendReply = Reply<Result<(), NetError>>;

#[derive(Default)]
pub(super) struct Deliveries {
    /// Sends waiting for a connection, with how we are trying to get one.
    waiting: HashMap<libp2p::PeerId, Waiting>,
    /// Frames on the wire, waiting for the receiver's ack.
    in_flight: HashMap<OutboundRequestId, (libp2p::PeerId, SendReply)>,
}

struct Waiting {
    stage: Stage,
    sends: Vec<(Vec<u8>, SendReply)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Dialing addresses we already knew.
    Dialing,
    /// Asking the DHT for the peer's addresses.
    LookingUp(kad::QueryId),
    /// Dialing addresses the DHT gave: the last attempt.
    DialingFound,
}

impl Deliveries {
    pub(super) fn sweep(&mut self) {
        for waiting in self.waiting.values_mut() {
            waiting.sends.retain(|(_, reply)| !reply.is_closed());
        }
        // An attempt nobody waits for any more may go on; its outcome is ignored.
        self.waiting.retain(|_, waiting| !waiting.sends.is_empty());
        self.in_flight.retain(|_, (_, reply)| !reply.is_closed());
    }
}

impl SwarmTask {
    pub(super) fn on_send(&mut self, to: PeerId, frame: Vec<u8>, reply: SendReply) {
        if to == self.local {
            let _ = reply.send(Err(NetError::SendToSelf));
            return;
        }
        let peer = identity::to_libp2p(&to);
        if self
            .swarm
            .behaviour()
            .blocked
            .blocked_peers()
            .contains(&peer)
        {
            let _ = reply.send(Err(NetError::Blocked(Box::new(to))));
            return;
        }
        if self.swarm.is_connected(&peer) {
            self.put_on_wire(peer, frame, reply);
            return;
        }
        match self.deliveries.waiting.entry(peer) {
            // A connection attempt is under way: its outcome serves this send too.
            Entry::Occupied(mut waiting) => waiting.get_mut().sends.push((frame, reply)),
            Entry::Vacant(slot) => {
                slot.insert(Waiting {
                    stage: Stage::Dialing,
                    sends: vec![(frame, reply)],
                });
                self.dial_known(peer);
            }
        }
    }

    fn put_on_wire(&mut self, peer: libp2p::PeerId, frame: Vec<u8>, reply: SendReply) {
        let request = self
            .swarm
            .behaviour_mut()
            .particles
            .send_request(&peer, Frame::Outgoing(frame));
        self.deliveries.in_flight.insert(request, (peer, reply));
    }

    fn dial_known(&mut self, peer: libp2p::PeerId) {
        let opts = DialOpts::peer_id(peer)
            .addresses(self.book.get(&peer))
            .extend_addresses_through_behaviour()
            .condition(PeerCondition::DisconnectedAndNotDialing)
            .build();
        match self.swarm.dial(opts) {
            Ok(()) | Err(DialError::DialPeerConditionFalse(_)) => {}
            Err(error) => {
                tracing::debug!(%peer, "no direct route ({error}); asking the DHT");
                self.look_up(peer);
            }
        }
    }

    fn look_up(&mut self, peer: libp2p::PeerId) {
        let query = self.swarm.behaviour_mut().kad.get_closest_peers(peer);
        if let Some(waiting) = self.deliveries.waiting.get_mut(&peer) {
            waiting.stage = Stage::LookingUp(query);
        }
    }

    pub(super) fn on_connected(&mut self, peer: libp2p::PeerId) {
        if let Some(waiting) = self.deliveries.waiting.remove(&peer) {
            for (frame, reply) in waiting.sends {
                if !reply.is_closed() {
                    self.put_on_wire(peer, frame, reply);
                }
            }
        }
    }

    pub(super) fn on_dial_failed(&mut self, peer: libp2p::PeerId, reason: &str) {
        if self.swarm.is_connected(&peer) {
            return;
        }
        let Some(stage) = self.deliveries.waiting.get(&peer).map(|w| w.stage) else {
            return;
        };
        match stage {
            Stage::Dialing => self.look_up(peer),
            // Dials made by the lookup itself; its result decides what comes next.
            Stage::LookingUp(_) => {}
            Stage::DialingFound => {
                let error = NetError::Dial {
                    target: peer.to_string(),
                    reason: reason.to_owned(),
                };
                self.fail_waiting(peer, error);
            }
        }
    }

    pub(super) fn on_lookup_done(&mut self, query: kad::QueryId, found: Vec<kad::PeerInfo>) {
        // The peer whose sends wait on this lookup; none if they were served or
        // gave up meanwhile. Few peers wait at once, so a scan is cheap.
        let Some((&peer, waiting)) = self
            .deliveries
            .waiting
            .iter_mut()
            .find(|(_, waiting)| waiting.stage == Stage::LookingUp(query))
        else {
            return;
        };
        if self.swarm.is_connected(&peer) {
            self.on_connected(peer);
            return;
        }
        let addrs: Vec<_> = found
            .into_iter()
            .filter(|info| info.peer_id == peer)
            .flat_map(|info| info.addrs)
            .collect();
        if addrs.is_empty() {
            let error = match identity::to_weft(&peer) {
                Ok(id) => NetError::PeerNotFound(Box::new(id)),
                Err(error) => error,
            };
            self.fail_waiting(peer, error);
            return;
        }
        waiting.stage = Stage::DialingFound;
        for addr in &addrs {
            self.book.add(peer, addr.clone());
        }
        let opts = DialOpts::peer_id(peer)
            .addresses(addrs)
            .condition(PeerCondition::DisconnectedAndNotDialing)
            .build();
        match self.swarm.dial(opts) {
            Ok(()) | Err(DialError::DialPeerConditionFalse(_)) => {}
            Err(error) => {
                let error = NetError::Dial {
                    target: peer.to_string(),
                    reason: error.to_string(),
                };
                self.fail_waiting(peer, error);
            }
        }
    }

    pub(super) fn fail_waiting(&mut self, peer: libp2p::PeerId, error: NetError) {
        if let Some(waiting) = self.deliveries.waiting.remove(&peer) {
            for (_, reply) in waiting.sends {
                let _ = reply.send(Err(error.clone()));
            }
        }
    }

    pub(super) fn on_response(&mut self, request: OutboundRequestId, ack: Ack) {
        let Some((peer, reply)) = self.deliveries.in_flight.remove(&request) else {
            return;
        };
        let result = match (ack, identity::to_weft(&peer)) {
            (Ack::Accepted, _) => Ok(()),
            (Ack::Refused(reason), Ok(peer)) => Err(NetError::Refused {
                peer: Box::new(peer),
                reason,
            }),
            (Ack::Refused(_), Err(error)) => Err(error),
        };
        let _ = reply.send(result);
    }

    pub(super) fn on_outbound_failure(
        &mut self,
        request: OutboundRequestId,
        error: request_response::OutboundFailure,
    ) {
        let Some((peer, reply)) = self.deliveries.in_flight.remove(&request) else {
            return;
        };
        let result = match identity::to_weft(&peer) {
            Ok(peer) => NetError::SendFailed {
                peer: Box::new(peer),
                reason: error.to_string(),
            },
            Err(error) => error,
        };
        let _ = reply.send(Err(result));
    }
}
