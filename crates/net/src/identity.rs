//! Weft keys and peer ids as libp2p sees them.
//!
//! Both sides use the same ed25519 keys and the same peer id bytes (the identity
//! multihash of the protobuf-encoded public key), so conversion is lossless for
//! ed25519 peers. libp2p also admits other key types; those peers cannot sign
//! particles Weft can check, so they are refused at connection time.

use weft_core::{KeyPair, PeerId};

use crate::NetError;

/// The libp2p key pair with the same secret as `keys`.
pub(crate) fn to_libp2p_keypair(keys: &KeyPair) -> Result<libp2p::identity::Keypair, NetError> {
    libp2p::identity::Keypair::ed25519_from_bytes(keys.seed())
        .map_err(|error| NetError::Identity(error.to_string()))
}

pub(crate) fn to_libp2p(peer: &PeerId) -> libp2p::PeerId {
    // Weft ids are always valid libp2p identity multihashes; a failure here would
    // mean weft-core's encoding changed, which its own tests pin down.
    libp2p::PeerId::from_bytes(&peer.to_bytes()).unwrap_or_else(|_| {
        unreachable!("weft_core::PeerId::to_bytes is a libp2p identity multihash")
    })
}

/// The Weft peer id of a libp2p peer, if it is an ed25519 peer.
pub(crate) fn to_weft(peer: &libp2p::PeerId) -> Result<PeerId, NetError> {
    PeerId::from_bytes(&peer.to_bytes()).map_err(|_| NetError::NotEd25519(peer.to_base58()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_same_on_both_sides() {
        let keys = KeyPair::from_seed([11; 32]);
        let libp2p_keys = to_libp2p_keypair(&keys).unwrap();
        let from_libp2p = libp2p_keys.public().to_peer_id();
        assert_eq!(from_libp2p, to_libp2p(&keys.peer_id()));
        assert_eq!(to_weft(&from_libp2p).unwrap(), keys.peer_id());
        assert_eq!(from_libp2p.to_base58(), keys.peer_id().to_string());
    }

    #[test]
    fn non_ed25519_ids_are_refused() {
        // A random identity multihash is not an ed25519 key encoding.
        let other = libp2p::PeerId::random();
        assert!(matches!(to_weft(&other), Err(NetError::NotEd25519(_))));
    }
}
