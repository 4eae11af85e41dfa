//! Addresses of peers we may want to dial again, bounded in peers and per peer.

use std::collections::HashMap;

use libp2p::{Multiaddr, PeerId, multiaddr::Protocol};

const MAX_PEERS: usize = 4096;
const MAX_ADDRS_PER_PEER: usize = 8;

#[derive(Debug, Default)]
pub(crate) struct AddressBook {
    peers: HashMap<PeerId, Vec<Multiaddr>>,
}

impl AddressBook {
    /// Remembers `addr` for `peer` (without a trailing `/p2p/...`). The newest
    /// address goes first; the oldest falls off past the per-peer bound, and an
    /// arbitrary other peer is forgotten past the peer bound.
    pub(crate) fn add(&mut self, peer: PeerId, mut addr: Multiaddr) {
        if let Some(Protocol::P2p(_)) = addr.iter().last() {
            addr.pop();
        }
        if !self.peers.contains_key(&peer)
            && self.peers.len() >= MAX_PEERS
            && let Some(evicted) = self.peers.keys().next().copied()
        {
            self.peers.remove(&evicted);
        }
        let addrs = self.peers.entry(peer).or_default();
        addrs.retain(|known| *known != addr);
        addrs.insert(0, addr);
        addrs.truncate(MAX_ADDRS_PER_PEER);
    }

    pub(crate) fn get(&self, peer: &PeerId) -> Vec<Multiaddr> {
        self.peers.get(peer).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_per_peer_newest_first_without_p2p() {
        let mut book = AddressBook::default();
        let peer = PeerId::random();
        for port in 0..20u16 {
            book.add(
                peer,
                format!("/ip4/127.0.0.1/tcp/{port}/p2p/{peer}")
                    .parse()
                    .unwrap(),
            );
        }
        let addrs = book.get(&peer);
        assert_eq!(addrs.len(), MAX_ADDRS_PER_PEER);
        assert_eq!(
            addrs[0],
            "/ip4/127.0.0.1/tcp/19".parse::<Multiaddr>().unwrap()
        );
        book.add(peer, "/ip4/127.0.0.1/tcp/15".parse().unwrap());
        assert_eq!(book.get(&peer).len(), MAX_ADDRS_PER_PEER);
        assert_eq!(
            book.get(&peer)[0],
            "/ip4/127.0.0.1/tcp/15".parse::<Multiaddr>().unwrap()
        );
    }

    #[test]
    fn bounded_in_peers() {
        let mut book = AddressBook::default();
        for _ in 0..MAX_PEERS + 10 {
            book.add(PeerId::random(), "/memory/1".parse().unwrap());
        }
        assert_eq!(book.peers.len(), MAX_PEERS);
    }
}
