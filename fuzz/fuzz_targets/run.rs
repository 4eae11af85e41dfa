//! One interpreter run on an arbitrary script and arbitrary incoming data: the run
//! ends with an outcome (maybe an error), never a panic, and a hard error leaves the
//! previous data unchanged.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use weft_air::{Data, Limits, PeerKeys, RunParams};
use weft_core::{KeyPair, PublicKey};

struct NamedKeys;

impl PeerKeys for NamedKeys {
    fn public_key(&self, peer: &str) -> Option<PublicKey> {
        Some(keys_of(peer).public_key())
    }
}

fn keys_of(peer: &str) -> KeyPair {
    let mut seed = [0u8; 32];
    for (i, b) in peer.bytes().enumerate() {
        seed[i % 32] ^= b;
    }
    KeyPair::from_seed(seed)
}

fuzz_target!(|input: (&str, &[u8])| {
    let (source, bytes) = input;
    let limits = Limits {
        max_steps: 20_000,
        ..Limits::default()
    };
    let Ok(script) = weft_air::parse(source) else {
        return;
    };
    let incoming = Data::from_bytes(bytes, &limits).unwrap_or_default();
    for peer in ["init", "a"] {
        let keypair = keys_of(peer);
        let params = RunParams {
            current_peer: peer,
            keypair: &keypair,
            init_peer: "init",
            particle_id: "fuzz",
            timestamp: 1_700_000_000_000,
            ttl: 60_000,
            limits: &limits,
        };
        let _ = weft_air::run(
            &script,
            Data::default(),
            incoming.clone(),
            BTreeMap::new(),
            &NamedKeys,
            &params,
        );
    }
});
