//! Refuses connections with peers whose key is not ed25519.
//!
//! Weft checks signatures by the key inside a peer id, which only works for
//! ed25519 ids; refusing other peers when the connection is set up means no
//! later code ever meets a peer it cannot name.

use std::{
    convert::Infallible,
    task::{Context, Poll},
};

use libp2p::{
    Multiaddr, PeerId,
    core::{Endpoint, transport::PortUse},
    swarm::{
        ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, THandler, THandlerInEvent,
        THandlerOutEvent, ToSwarm, dummy,
    },
};

use crate::identity;

#[derive(Debug, Default)]
pub(crate) struct Ed25519Only;

impl Ed25519Only {
    fn check(peer: &PeerId) -> Result<dummy::ConnectionHandler, ConnectionDenied> {
        match identity::to_weft(peer) {
            Ok(_) => Ok(dummy::ConnectionHandler),
            Err(error) => {
                tracing::warn!(%peer, "refusing connection: {error}");
                Err(ConnectionDenied::new(error))
            }
        }
    }
}

impl NetworkBehaviour for Ed25519Only {
    type ConnectionHandler = dummy::ConnectionHandler;
    type ToSwarm = Infallible;

    fn handle_established_inbound_connection(
        &mut self,
        _: ConnectionId,
        peer: PeerId,
        _: &Multiaddr,
        _: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Self::check(&peer)
    }

    fn handle_established_outbound_connection(
        &mut self,
        _: ConnectionId,
        peer: PeerId,
        _: &Multiaddr,
        _: Endpoint,
        _: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Self::check(&peer)
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

#[cfg(test)]
mod tests {
    use super::*;
    use weft_core::KeyPair;

    #[test]
    fn only_ed25519_peers_get_a_connection() {
        let mut guard = Ed25519Only;
        let addr: Multiaddr = "/memory/1".parse().unwrap();
        let ed25519 = identity::to_libp2p(&KeyPair::from_seed([2; 32]).peer_id());
        let conn = ConnectionId::new_unchecked(1);
        assert!(
            guard
                .handle_established_inbound_connection(conn, ed25519, &addr, &addr)
                .is_ok()
        );
        let other = PeerId::random();
        assert!(
            guard
                .handle_established_inbound_connection(conn, other, &addr, &addr)
                .is_err()
        );
        assert!(
            guard
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
}
