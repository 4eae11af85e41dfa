//! Peer ids in libp2p's text form for ed25519 keys.
//!
//! The id is the identity multihash of the protobuf-encoded public key
//! (`0x00 0x24` + `0x08 0x01 0x12 0x20` + 32 key bytes), written in base58btc.
//! Because the key is inside the id, verifying a signature needs only the id.

use std::{fmt, str::FromStr};

use crate::{PublicKey, SignatureError};

/// Multihash identity code, digest length, then the protobuf `PublicKey { Type: Ed25519, Data: [32] }`.
const PREFIX: [u8; 6] = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
const ENCODED_LEN: usize = PREFIX.len() + 32;
/// A base58 text longer than this cannot be an ed25519 peer id; checked before decoding.
const MAX_TEXT_LEN: usize = 64;

/// The identity of a peer: its ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerId(PublicKey);

impl PeerId {
    pub fn from_public_key(key: PublicKey) -> Self {
        Self(key)
    }

    pub fn public_key(&self) -> PublicKey {
        self.0
    }

    /// The multihash bytes that libp2p uses for this peer id.
    pub fn to_bytes(&self) -> [u8; ENCODED_LEN] {
        let mut out = [0u8; ENCODED_LEN];
        out[..PREFIX.len()].copy_from_slice(&PREFIX);
        out[PREFIX.len()..].copy_from_slice(&self.0.to_bytes());
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PeerIdError> {
        if bytes.len() != ENCODED_LEN || bytes[..PREFIX.len()] != PREFIX {
            return Err(PeerIdError::NotEd25519);
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes[PREFIX.len()..]);
        Ok(Self(PublicKey::from_bytes(&key)?))
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.to_bytes()).into_string())
    }
}

impl fmt::Debug for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeerId({self})")
    }
}

impl FromStr for PeerId {
    type Err = PeerIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() > MAX_TEXT_LEN {
            return Err(PeerIdError::NotEd25519);
        }
        let bytes = bs58::decode(text)
            .into_vec()
            .map_err(|_| PeerIdError::NotBase58)?;
        Self::from_bytes(&bytes)
    }
}

/// Why a text or byte string is not a Weft peer id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerIdError {
    #[error("a peer id is written in base58 (like 12D3KooW…), and this text is not base58")]
    NotBase58,
    #[error(
        "not an ed25519 peer id: Weft peer ids are libp2p identity multihashes of an ed25519 key"
    )]
    NotEd25519,
    #[error("the peer id holds an invalid key: {0}")]
    BadKey(#[from] SignatureError),
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::KeyPair;

    #[test]
    fn matches_libp2p_text_form() {
        let id = KeyPair::from_seed([0; 32]).peer_id().to_string();
        assert!(id.starts_with("12D3KooW"), "{id}");
        assert_eq!(id.len(), 52);
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!("0OIl".parse::<PeerId>(), Err(PeerIdError::NotBase58));
        assert_eq!("abc".parse::<PeerId>(), Err(PeerIdError::NotEd25519));
        assert_eq!(
            "x".repeat(10_000).parse::<PeerId>(),
            Err(PeerIdError::NotEd25519)
        );
    }

    proptest! {
        #[test]
        fn text_roundtrips(seed in any::<[u8; 32]>()) {
            let id = KeyPair::from_seed(seed).peer_id();
            prop_assert_eq!(id.to_string().parse::<PeerId>().unwrap(), id);
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,80}") {
            let _ = text.parse::<PeerId>();
        }
    }
}
