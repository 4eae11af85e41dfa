//! Shared helpers for the interpreter tests (included with `#[path]`).
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};
use weft_air::{
    CallRequest, CallResult, Data, Limits, Outcome, PeerKeys, RunParams, Script, parse, run,
};
use weft_core::{KeyPair, PublicKey};

pub const PARTICLE: &str = "particle-1";
pub const INIT: &str = "init";

/// Peers named by short strings, each with a key derived from its name
/// (cached: deriving a public key is a scalar multiplication).
pub fn keypair(peer: &str) -> KeyPair {
    thread_local! {
        static KNOWN: std::cell::RefCell<HashMap<String, KeyPair>> = Default::default();
    }
    KNOWN.with(|known| {
        known
            .borrow_mut()
            .entry(peer.to_owned())
            .or_insert_with(|| {
                let mut seed = [7u8; 32];
                for (i, b) in peer.bytes().enumerate().take(32) {
                    seed[i] = b;
                }
                KeyPair::from_seed(seed)
            })
            .clone()
    })
}

#[derive(Debug)]
pub struct Keys;

impl PeerKeys for Keys {
    fn public_key(&self, peer: &str) -> Option<PublicKey> {
        (peer != "unknown").then(|| keypair(peer).public_key())
    }
}

pub fn script(text: &str) -> Script {
    match parse(text) {
        Ok(script) => script,
        Err(error) => panic!("test script does not parse: {error}\n{text}"),
    }
}

/// One run of `script` on `peer`.
pub fn run_once(
    script: &Script,
    peer: &str,
    prev: Data,
    incoming: Data,
    results: BTreeMap<weft_air::CallId, CallResult>,
    limits: &Limits,
) -> Outcome {
    let keypair = keypair(peer);
    let params = RunParams {
        current_peer: peer,
        keypair: &keypair,
        init_peer: INIT,
        particle_id: PARTICLE,
        timestamp: 1_700_000_000_000,
        ttl: 60_000,
        limits,
    };
    run(script, prev, incoming, results, &Keys, &params)
}

/// Services for tests: `("op" "identity") [x]` returns x, `("op" "fail") [m]`
/// fails with code 7 and message m, `("k" "v") [x]` returns x too, `("obj"
/// "make")` returns `{"a": {"b": [10, 20]}, "s": "text", "n": 1}`, anything
/// else returns its arguments as an array.
pub fn service(request: &CallRequest) -> CallResult {
    match (request.service.as_str(), request.function.as_str()) {
        ("op", "identity") | ("k", "v") => {
            CallResult::Ok(request.args.first().cloned().unwrap_or(Value::Null))
        }
        ("obj", "make") => CallResult::Ok(json!({"a": {"b": [10, 20]}, "s": "text", "n": 1})),
        ("op", "fail") => CallResult::Err {
            ret_code: 7,
            message: request.args.first().cloned().unwrap_or(json!("failed")),
        },
        _ => CallResult::Ok(Value::Array(request.args.clone())),
    }
}

/// What a peer did while it ran to quiescence.
#[derive(Debug)]
pub struct Visit {
    pub outcome: Outcome,
    /// Every call the host executed, in order.
    pub calls: Vec<CallRequest>,
}

/// Runs like a host: merge `incoming`, answer call requests with `service`,
/// run again until nothing is pending. `next_peers` is the union over runs.
pub fn visit(script: &Script, peer: &str, prev: Data, incoming: Data) -> Visit {
    visit_with(script, peer, prev, incoming, &Limits::default(), &service)
}

pub fn visit_with(
    script: &Script,
    peer: &str,
    prev: Data,
    incoming: Data,
    limits: &Limits,
    service: &dyn Fn(&CallRequest) -> CallResult,
) -> Visit {
    let mut outcome = run_once(script, peer, prev, incoming, BTreeMap::new(), limits);
    let mut calls = Vec::new();
    let mut next: Vec<String> = outcome.next_peers.clone();
    let mut rounds = 0;
    while !outcome.call_requests.is_empty() && outcome.ret_code < 20000 {
        rounds += 1;
        assert!(rounds < 10_000, "host loop does not settle");
        let mut results = BTreeMap::new();
        for request in &outcome.call_requests {
            results.insert(request.id, service(request));
            calls.push(request.clone());
        }
        outcome = run_once(script, peer, outcome.data, Data::default(), results, limits);
        next.extend(outcome.next_peers.iter().cloned());
    }
    next.sort();
    next.dedup();
    outcome.next_peers = next;
    Visit { outcome, calls }
}

/// A tiny network: runs deliveries in FIFO order until none is left, each peer
/// keeping its data. Returns every call executed, as (peer, request).
#[derive(Debug)]
pub struct Net {
    pub script: Script,
    pub data: HashMap<String, Data>,
    pub calls: Vec<(String, CallRequest)>,
    pub outcomes: Vec<(String, i64, Option<String>)>,
}

impl Net {
    pub fn new(text: &str) -> Self {
        Self {
            script: script(text),
            data: HashMap::new(),
            calls: Vec::new(),
            outcomes: Vec::new(),
        }
    }

    pub fn flow(&mut self, start: &str) {
        self.flow_with(start, &service);
    }

    pub fn flow_with(&mut self, start: &str, service: &dyn Fn(&CallRequest) -> CallResult) {
        let mut queue = std::collections::VecDeque::from([(start.to_owned(), Data::default())]);
        let mut deliveries = 0;
        while let Some((peer, incoming)) = queue.pop_front() {
            deliveries += 1;
            assert!(deliveries < 1000, "flow does not settle");
            let prev = self.data.remove(&peer).unwrap_or_default();
            let visit = visit_with(
                &self.script,
                &peer,
                prev,
                incoming,
                &Limits::default(),
                service,
            );
            for call in visit.calls {
                self.calls.push((peer.clone(), call));
            }
            let outcome = visit.outcome;
            self.outcomes
                .push((peer.clone(), outcome.ret_code, outcome.error.clone()));
            for next in &outcome.next_peers {
                let bytes = outcome.data.to_bytes();
                let data = Data::from_bytes(&bytes, &Limits::default()).expect("decodes");
                queue.push_back((next.clone(), data));
            }
            self.data.insert(peer, outcome.data);
        }
    }

    /// The arguments of every executed call to `service.function`, in order.
    pub fn args_of(&self, service: &str, function: &str) -> Vec<Vec<Value>> {
        self.calls
            .iter()
            .filter(|(_, c)| c.service == service && c.function == function)
            .map(|(_, c)| c.args.clone())
            .collect()
    }
}

/// Runs `text` on the init peer alone (other peers never answer) and returns
/// the final outcome and the calls made.
pub fn local(text: &str) -> Visit {
    let script = script(text);
    visit(&script, INIT, Data::default(), Data::default())
}

/// The arguments the local run passed to `("out" FUNCTION)`, in call order.
pub fn outs(visit: &Visit, function: &str) -> Vec<Value> {
    visit
        .calls
        .iter()
        .filter(|c| c.service == "out" && c.function == function)
        .map(|c| Value::Array(c.args.clone()))
        .collect()
}
