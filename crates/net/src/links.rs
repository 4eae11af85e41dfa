//! Which connections Weft takes, and which it keeps open while idle.
//!
//! Only ed25519 peers get a connection: Weft checks signatures by the key inside
//! a peer id, which only works for ed25519 ids, so refusing other peers when the
//! connection is set up means no later code ever meets a peer it cannot name.
//!
//! A client has no listening address: once its connection to a node closes, the
//! node can no longer deliver to it. So a client keeps all its connections, and a
//! node keeps the connections whose remote speaks the particle protocol but not
//! Kademlia, which is what a client looks like after identify. Links between nodes
//! close when idle, as usual, and are dialed again when needed.

use std::{
    convert::Infallible,
    task::{Context, Poll},
};

use libp2p::{
    Multiaddr, PeerId, StreamProtocol,
    core::{Endpoint, transport::PortUse, upgrade::DeniedUpgrade},
    swarm::{
        ConnectionDenied, ConnectionHandler, ConnectionHandlerEvent, ConnectionId, FromSwarm,
        NetworkBehaviour, SubstreamProtocol, THandler, THandlerInEvent, THandlerOutEvent, ToSwarm,
        handler::{ConnectionEvent, ProtocolsChange},
    },
};

use crate::{Role, behaviour::KAD_PROTOCOL, codec, identity};

#[derive(Debug)]
pub(crate) struct Links {
    role: Role,
}

impl Links {
    pub(crate) fn new(role: Role) -> Self {
        Self { role }
    }

    fn accept(&self, peer: &PeerId) -> Result<Handler, ConnectionDenied> {
        match identity::to_weft(peer) {
            Ok(_) => Ok(Handler::new(self.role)),
            Err(error) => {
                tracing::warn!(%peer, "refusing connection: {error}");
                Err(ConnectionDenied::new(error))
            }
        }
    }
}

impl NetworkBehaviour for Links {
    type ConnectionHandler = Handler;
    type ToSwarm = Infallible;

    fn handle_established_inbound_connection(
        &mut self,
        _: ConnectionId,
        peer: PeerId,
        _: &Multiaddr,
        _: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.accept(&peer)
    }

    fn handle_established_outbound_connection(
        &mut self,
        _: ConnectionId,
        peer: PeerId,
        _: &Multiaddr,
        _: Endpoint,
        _: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.accept(&peer)
    }

    fn on_swarm_event(&mut self, _: FromSwarm<'_>) {}

    fn on_connection_handler_event(
        &mut self,
        _: PeerId,
        _: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {}
    }

    fn poll(&mut self, _: &mut Context<'_>) -> Poll<ToSwarm<Infallible, THandlerInEvent<Self>>> {
        Poll::Pending
    }
}

#[derive(Debug)]
pub(crate) struct Handler {
    role: Role,
    remote_speaks_particles: bool,
    remote_speaks_kad: bool,
}

impl Handler {
    fn new(role: Role) -> Self {
        Self {
            role,
            remote_speaks_particles: false,
            remote_speaks_kad: false,
        }
    }
}

impl ConnectionHandler for Handler {
    type FromBehaviour = Infallible;
    type ToBehaviour = Infallible;
    type InboundProtocol = DeniedUpgrade;
    type OutboundProtocol = DeniedUpgrade;
    type InboundOpenInfo = ();
    type OutboundOpenInfo = ();

    fn listen_protocol(&self) -> SubstreamProtocol<DeniedUpgrade> {
        SubstreamProtocol::new(DeniedUpgrade, ())
    }

    fn connection_keep_alive(&self) -> bool {
        match self.role {
            Role::Client => true,
            Role::Node => self.remote_speaks_particles && !self.remote_speaks_kad,
        }
    }

    fn on_behaviour_event(&mut self, event: Infallible) {
        match event {}
    }

    fn poll(
        &mut self,
        _: &mut Context<'_>,
    ) -> Poll<ConnectionHandlerEvent<DeniedUpgrade, (), Infallible>> {
        Poll::Pending
    }

    fn on_connection_event(&mut self, event: ConnectionEvent<'_, DeniedUpgrade, DeniedUpgrade>) {
        match event {
            ConnectionEvent::RemoteProtocolsChange(ProtocolsChange::Added(added)) => {
                self.remote_protocols(added, true)
            }
            ConnectionEvent::RemoteProtocolsChange(ProtocolsChange::Removed(removed)) => {
                self.remote_protocols(removed, false)
            }
            _ => {}
        }
    }
}

impl Handler {
    fn remote_protocols<'a>(
        &mut self,
        protocols: impl IntoIterator<Item = &'a StreamProtocol>,
        present: bool,
    ) {
        for protocol in protocols {
            if *protocol == codec::PROTOCOL {
                self.remote_speaks_particles = present;
            } else if *protocol == KAD_PROTOCOL {
                self.remote_speaks_kad = present;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_core::KeyPair;

    #[test]
    fn only_ed25519_peers_get_a_connection() {
        let mut links = Links::new(Role::Node);
        let addr: Multiaddr = "/memory/1".parse().unwrap();
        let ed25519 = identity::to_libp2p(&KeyPair::from_seed([2; 32]).peer_id());
        let conn = ConnectionId::new_unchecked(1);
        assert!(
            links
                .handle_established_inbound_connection(conn, ed25519, &addr, &addr)
                .is_ok()
        );
        let other = PeerId::random();
        assert!(
            links
                .handle_established_inbound_connection(conn, other, &addr, &addr)
                .is_err()
        );
        assert!(
            links
                .handle_established_outbound_connection(
                    conn,
                    other,
                    &addr,
                    Endpoint::Dialer,
                    PortUse::New
                )
                .is_err()
        );
    }

    #[test]
    fn idle_links_stay_open_to_clients_only() {
        // A client keeps every link: it cannot be dialed back.
        assert!(Handler::new(Role::Client).connection_keep_alive());

        let mut node = Handler::new(Role::Node);
        assert!(!node.connection_keep_alive(), "not identified yet");
        node.remote_protocols([&codec::PROTOCOL], true);
        assert!(
            node.connection_keep_alive(),
            "particles without Kademlia: a client"
        );
        node.remote_protocols([&KAD_PROTOCOL], true);
        assert!(!node.connection_keep_alive(), "a DHT server: another node");
        node.remote_protocols([&KAD_PROTOCOL], false);
        assert!(node.connection_keep_alive());
    }
}
