//! Weft's vocabulary, shared by every other crate: peer identities, key pairs,
//! signatures and the particle envelope with its wire format.
//!
//! A Weft peer is an ed25519 key pair. Its [`PeerId`] is written the way libp2p
//! writes ed25519 peer ids (`12D3KooW…`), so ids from Fluence tooling and libp2p
//! mean the same peers here, and the public key can be recovered from the id alone:
//! a signature can be checked knowing nothing but who claims to have made it.
//!
//! ```
//! use weft_core::{KeyPair, PeerId};
//!
//! let keys = KeyPair::from_seed([7; 32]);
//! let id = keys.peer_id();
//! let text = id.to_string();
//! assert!(text.starts_with("12D3KooW"));
//!
//! let signature = keys.sign(b"result");
//! let parsed: PeerId = text.parse().unwrap();
//! assert!(parsed.public_key().verify(b"result", &signature).is_ok());
//! ```

mod keys;
mod particle;
mod peer_id;

pub use keys::{KeyPair, KeyTextError, PublicKey, Signature, SignatureError, verify_batch};
pub use particle::{Particle, ParticleError, ParticleLimits};
pub use peer_id::{PeerId, PeerIdError};
