//! The interpreter's entry point and the types that cross it.
//!
//! PINNED API (the simulator, the node and the benchmarks code against these names).

use std::collections::BTreeMap;

use weft_core::{KeyPair, PublicKey};

use crate::{
    Data, Limits, NodeId, Script,
    data::{Batch, Store},
    exec::{self, HardError},
};

/// Identifies one call request within a particle. Stable across runs and peers:
/// the same call instruction instance (node plus fold iterations around it) always
/// gets the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u64);

/// Maps a peer id as written in scripts to its public key, to check the signatures
/// of the results that peer produced. The node resolves libp2p-style peer ids; the
/// simulator maps virtual peer names to keys derived from the names.
pub trait PeerKeys {
    fn public_key(&self, peer: &str) -> Option<PublicKey>;
}

/// Everything a run needs besides the script and the data. No clock, no randomness:
/// time and keys come in here.
#[derive(Debug, Clone, Copy)]
pub struct RunParams<'a> {
    /// The peer running the interpreter, as written in scripts.
    pub current_peer: &'a str,
    /// Signs the results this peer produces; its peer must be `current_peer`.
    pub keypair: &'a KeyPair,
    pub init_peer: &'a str,
    pub particle_id: &'a str,
    /// Particle creation time, ms since the Unix epoch (`%timestamp%`).
    pub timestamp: u64,
    /// Particle time to live, ms (`%ttl%`).
    pub ttl: u32,
    pub limits: &'a Limits,
}

/// What a service call returned, fed back to the interpreter on the next run.
#[derive(Debug, Clone, PartialEq)]
pub enum CallResult {
    Ok(serde_json::Value),
    /// A failed call: `ret_code` is non-zero; `message` is the service's error value.
    Err {
        ret_code: i64,
        message: serde_json::Value,
    },
}

/// Where a call argument's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// A literal in the script, or a particle parameter (`%init_peer_id%`, `%ttl%`, ...).
    Literal,
    /// The result of `service.function` on `peer`, read through `lens` (empty when whole).
    Call {
        peer: String,
        service: String,
        function: String,
        lens: String,
    },
    /// An error object (`:error:`, `%last_error%`) raised on `peer`.
    Error { peer: String },
    /// Several sources (a canon stream or an array built from several values).
    Many(Vec<Provenance>),
}

/// A call the host must execute on the current peer.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRequest {
    pub id: CallId,
    /// The `call` instruction in the script.
    pub node: NodeId,
    pub service: String,
    pub function: String,
    pub args: Vec<serde_json::Value>,
    /// One entry per argument.
    pub provenance: Vec<Provenance>,
}

/// The result of one run.
#[derive(Debug)]
pub struct Outcome {
    /// The new data: previous data merged with incoming data and this run's results.
    /// On a hard error, the previous data unchanged.
    pub data: Data,
    /// Peers the particle must go to next (sorted, no duplicates, never the current peer).
    pub next_peers: Vec<String>,
    /// Calls for the host to execute here; feed their results to the next run.
    pub call_requests: Vec<CallRequest>,
    /// 0 on success (complete or waiting); an error code otherwise (10000.. catchable
    /// errors nobody caught, 20000.. hard errors).
    pub ret_code: i64,
    /// The message of the error behind a non-zero `ret_code`.
    pub error: Option<String>,
}

/// Runs `script` on this peer.
///
/// Merges `incoming` into `prev` (verifying signatures through `keys`), executes the
/// script against the merged data and `call_results`, and says what to do next.
pub fn run(
    script: &Script,
    prev: Data,
    incoming: Data,
    call_results: BTreeMap<CallId, CallResult>,
    keys: &dyn PeerKeys,
    params: &RunParams<'_>,
) -> Outcome {
    let mut prev = prev;
    let store = match Store::stage(&prev, incoming, params.particle_id, keys) {
        Ok(store) => store,
        Err(hard) => return rejected(prev, &hard),
    };
    let (executed, store) = match exec::execute(script, store, call_results, params) {
        Ok(done) => done,
        Err(hard) => return rejected(prev, &hard),
    };
    let mut overlay = store.into_overlay();
    let mut local = std::mem::take(&mut overlay.local);
    let batch = (!local.is_empty()).then(|| {
        local.sort_by_key(|(key, _)| *key);
        Batch::sign(
            params.keypair,
            params.particle_id,
            params.current_peer.into(),
            local,
        )
    });
    prev.commit(overlay, batch);
    prev.remember_stream_order(&executed.stream_order);
    let outputs = executed.outputs;
    let (ret_code, error) = match executed.uncaught {
        Some((code, message)) => (code, Some(message)),
        None => (0, None),
    };
    Outcome {
        data: prev,
        next_peers: outputs
            .next_peers
            .into_iter()
            .filter(|peer| peer != params.current_peer)
            .collect(),
        call_requests: outputs.requests,
        ret_code,
        error,
    }
}

/// A hard error: the previous data, untouched, and the error.
fn rejected(prev: Data, hard: &HardError) -> Outcome {
    Outcome {
        data: prev,
        next_peers: Vec::new(),
        call_requests: Vec::new(),
        ret_code: hard.code(),
        error: Some(hard.to_string()),
    }
}
