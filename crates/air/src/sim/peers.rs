//! Virtual peers: a peer's name is its id, and its keys derive from the name.

use std::cell::RefCell;
use std::collections::HashMap;

use sha2::{Digest, Sha256};
use weft_core::{KeyPair, PublicKey};

use crate::{Data, PeerKeys};

/// The key pair of the virtual peer `name`: the same name always signs with the same
/// keys, so a simulation is reproducible and every peer can check every other's
/// signatures knowing only names.
pub(crate) fn keypair_of(name: &str) -> KeyPair {
    let mut hasher = Sha256::new();
    hasher.update(b"weft-sim:");
    hasher.update(name.as_bytes());
    KeyPair::from_seed(hasher.finalize().into())
}

/// Public keys of every name the interpreter asks about, derived once per name
/// (deriving costs a scalar multiplication; a run may check many signatures).
#[derive(Debug, Default)]
pub(crate) struct VirtualKeys {
    known: RefCell<HashMap<String, PublicKey>>,
}

impl VirtualKeys {
    /// Records a key already derived (a peer's own), so it is not derived twice.
    pub(crate) fn remember(&self, peer: &str, key: PublicKey) {
        self.known.borrow_mut().insert(peer.to_owned(), key);
    }
}

impl PeerKeys for VirtualKeys {
    fn public_key(&self, peer: &str) -> Option<PublicKey> {
        let mut known = self.known.borrow_mut();
        if let Some(key) = known.get(peer) {
            return Some(*key);
        }
        let key = keypair_of(peer).public_key();
        known.insert(peer.to_owned(), key);
        Some(key)
    }
}

/// What the simulator remembers about one peer between deliveries.
#[derive(Debug)]
pub(crate) struct PeerState {
    pub(crate) keypair: KeyPair,
    pub(crate) data: Data,
    pub(crate) ret_code: i64,
    pub(crate) error: Option<String>,
}

impl PeerState {
    pub(crate) fn new(name: &str) -> Self {
        Self {
            keypair: keypair_of(name),
            data: Data::default(),
            ret_code: 0,
            error: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_derived_from_names() {
        let keys = VirtualKeys::default();
        let a = keys.public_key("a");
        assert_eq!(a, Some(keypair_of("a").public_key()));
        assert_eq!(keys.public_key("a"), a);
        assert_ne!(keys.public_key("b"), a);
    }
}
