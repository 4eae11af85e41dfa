//! Interpreter runs on an arbitrary script and arbitrary incoming data: the bytes
//! before the first NUL are the script, the rest is encoded data. Two peers run
//! the flow, answering every call request (with its first argument, or an error
//! for calls without arguments) until nothing is pending. Every run ends with an
//! outcome, never a panic, and a hard error leaves the previous data unchanged.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use weft_air::{CallResult, Data, Limits, PeerKeys, RunParams};
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

fuzz_target!(|input: &[u8]| {
    let split = input.iter().position(|&b| b == 0).unwrap_or(input.len());
    let Ok(source) = std::str::from_utf8(&input[..split]) else {
        return;
    };
    let bytes = input.get(split + 1..).unwrap_or_default();
    let limits = Limits {
        max_steps: 20_000,
        ..Limits::default()
    };
    let Ok(script) = weft_air::parse(source) else {
        return;
    };
    let mut incoming = Data::from_bytes(bytes, &limits).unwrap_or_default();
    for peer in ["init", "a", "init"] {
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
        let mut data = Data::default();
        let mut results = BTreeMap::new();
        for _ in 0..8 {
            let before = data.clone();
            let outcome = weft_air::run(
                &script,
                data,
                std::mem::take(&mut incoming),
                std::mem::take(&mut results),
                &NamedKeys,
                &params,
            );
            if outcome.ret_code >= 20_000 {
                assert_eq!(outcome.data, before, "a hard error changed the data");
            }
            data = outcome.data;
            if outcome.call_requests.is_empty() {
                break;
            }
            for request in outcome.call_requests {
                let result = match request.args.first() {
                    Some(arg) => CallResult::Ok(arg.clone()),
                    None => CallResult::Err {
                        ret_code: 1,
                        message: serde_json::json!("no argument"),
                    },
                };
                results.insert(request.id, result);
            }
        }
        incoming = Data::from_bytes(&data.to_bytes(), &limits).expect("own data decodes");
    }
});
