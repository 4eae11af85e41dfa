//! The simulation contract on Weft's interpreter (`weft_air::run`), driven by the
//! same loop and the same mock table as the AquaVM side, so that the two sides
//! differ only in the interpreter.
//!
//! The loop is the one of Weft's own simulator (`weft_air::sim`), with two
//! deliberate differences, both to do what a real network does: the script is
//! parsed on every delivery, since each peer parses the particle it receives
//! (Weft's simulator parses once for all its virtual peers), and peers are written
//! as real peer ids (`12D3KooW...`, the simulator uses the names themselves). `weft_air::sim::simulate` itself is run too, as the
//! reference: the bench checks that its loop makes the same calls, and reports
//! the simulator's own time and memory separately.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::rc::Rc;

use weft_air::sim::{SimOptions, SimReport, simulate};
use weft_air::{
    CallResult, Data, Limits, Outcome, PeerKeys, RunParams, forget_verified_signatures,
    parse_with_limits, run,
};
use weft_core::{KeyPair, PeerId, PublicKey};

use crate::alloc;
use crate::contract::{MockTable, ScriptFacts};
use crate::peers::{PeerBook, seed_of};
use crate::report::{Call, RunReport};

const PARTICLE_ID: &str = "particle-1";
const TIMESTAMP_MS: u64 = 1_700_000_000_000;
const TTL_MS: u32 = 60_000;
const INIT_PEER: &str = "init";

/// A script ready to run on Weft's interpreter. Preparing is not timed.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// The script as written, with peer names (for Weft's simulator).
    source: String,
    /// The script with peer ids, as the interpreter sees it.
    script: String,
    book: PeerBook,
    keys: BookKeys,
    init: usize,
    mocks: MockTable,
    limits: Limits,
    max_deliveries: usize,
    /// Whether each delivery starts with an empty memo of verified signatures
    /// (as if every virtual peer were a process of its own) rather than one
    /// memo for the whole simulated network (one process hosting every peer).
    pub(crate) memo_per_delivery: bool,
}

impl Prepared {
    pub(crate) fn new(
        source: &str,
        limits: &Limits,
        max_deliveries: usize,
    ) -> Result<Self, String> {
        let facts = ScriptFacts::new(source, limits)?;
        let mut book = PeerBook::default();
        let mut keys = BookKeys::default();
        let init = keys.add(&mut book, INIT_PEER);
        for name in &facts.literal_peers {
            keys.add(&mut book, name);
        }
        Ok(Self {
            source: source.to_owned(),
            script: book.translate_script(source),
            book,
            keys,
            init,
            mocks: facts.mocks,
            limits: limits.clone(),
            max_deliveries,
            memo_per_delivery: false,
        })
    }

    /// Runs the flow to the end and reports what it did; `record` keeps every
    /// call in the report.
    pub(crate) fn simulate(&self, record: bool) -> Result<RunReport, String> {
        // Every simulation starts cold: the interpreter's process-wide memo of
        // verified signatures would otherwise skip, from the second repetition
        // on, all the verification the timings are meant to include.
        forget_verified_signatures();
        let mut network = Network {
            prepared: self,
            mocks: self.mocks.clone(),
            stored: HashMap::new(),
            report: RunReport::default(),
            record,
        };
        let mut queue: VecDeque<(usize, Rc<[u8]>)> = VecDeque::new();
        queue.push_back((self.init, Data::default().to_bytes().into()));
        while let Some((peer, bytes)) = queue.pop_front() {
            if network.report.deliveries == self.max_deliveries {
                network.report.step_limit = true;
                break;
            }
            network.report.deliveries += 1;
            let memory = alloc::start_delivery();
            let next_peers = network.deliver(peer, &bytes)?;
            if !next_peers.is_empty() {
                let data = network
                    .stored
                    .get(&peer)
                    .map(Data::to_bytes)
                    .unwrap_or_default();
                let data: Rc<[u8]> = data.into();
                queue.extend(next_peers.into_iter().map(|next| (next, Rc::clone(&data))));
            }
            alloc::end_delivery(memory);
        }
        Ok(network.report)
    }

    /// Weft's own simulator on the same script, for reference.
    pub(crate) fn reference(&self) -> Result<SimReport, String> {
        forget_verified_signatures();
        let options = SimOptions {
            limits: self.limits.clone(),
            max_deliveries: self.max_deliveries,
            ..SimOptions::default()
        };
        simulate(&self.source, &options).map_err(|error| format!("weft's simulator: {error}"))
    }
}

struct Network<'a> {
    prepared: &'a Prepared,
    mocks: MockTable,
    stored: HashMap<usize, Data>,
    report: RunReport,
    record: bool,
}

impl Network<'_> {
    /// Runs `peer` on one delivery until no call is pending; returns the peers its
    /// runs named next.
    fn deliver(&mut self, peer: usize, bytes: &[u8]) -> Result<BTreeSet<usize>, String> {
        let prepared = self.prepared;
        if prepared.memo_per_delivery {
            forget_verified_signatures();
        }
        let book = &prepared.book;
        let script = parse_with_limits(&prepared.script, &prepared.limits)
            .map_err(|error| format!("weft: {error}"))?;
        let incoming =
            Data::from_bytes(bytes, &prepared.limits).map_err(|error| format!("weft: {error}"))?;
        let params = RunParams {
            current_peer: book.id(peer),
            keypair: &prepared.keys.keypairs[peer],
            init_peer: book.id(prepared.init),
            particle_id: PARTICLE_ID,
            timestamp: TIMESTAMP_MS,
            ttl: TTL_MS,
            limits: &prepared.limits,
        };
        let prev = self.stored.remove(&peer).unwrap_or_default();
        let keys = &prepared.keys;
        self.report.runs += 1;
        let mut outcome = run(&script, prev, incoming, BTreeMap::new(), keys, &params);
        let mut next_peers = BTreeSet::new();
        loop {
            let Outcome {
                data,
                next_peers: named,
                call_requests,
                ret_code,
                error,
            } = outcome;
            for next in &named {
                let index = book.index_of_id(next).ok_or_else(|| {
                    format!("Weft sent the particle to {next}, which is no virtual peer")
                })?;
                next_peers.insert(index);
            }
            if call_requests.is_empty() {
                self.report.peers.insert(
                    book.name(peer).to_owned(),
                    (ret_code, error.unwrap_or_default()),
                );
                self.stored.insert(peer, data);
                return Ok(next_peers);
            }
            let mut results = BTreeMap::new();
            for request in call_requests {
                let mut args = request.args;
                args.iter_mut().for_each(|arg| book.ids_to_names(arg));
                let result = self
                    .mocks
                    .answer(&request.service, &request.function, &args)?;
                self.report.call_count += 1;
                let for_weft = match &result {
                    CallResult::Ok(value) => {
                        let mut value = value.clone();
                        book.names_to_ids(&mut value);
                        CallResult::Ok(value)
                    }
                    failed => failed.clone(),
                };
                if self.record {
                    let call = Call::new(
                        book.name(peer),
                        &request.service,
                        &request.function,
                        args,
                        &result,
                    );
                    self.report.calls.push(call);
                }
                results.insert(request.id, for_weft);
            }
            self.report.runs += 1;
            outcome = run(&script, data, Data::default(), results, keys, &params);
        }
    }
}

/// Each virtual peer's key pair by its index in the book, and the public keys the
/// interpreter asks for by peer id.
#[derive(Debug, Default)]
struct BookKeys {
    keypairs: Vec<KeyPair>,
    by_id: HashMap<String, PublicKey>,
}

impl BookKeys {
    /// Adds the virtual peer `name`: an Ed25519 key derived from the name, written
    /// as the key's peer id (the same id AquaVM's side gives it).
    fn add(&mut self, book: &mut PeerBook, name: &str) -> usize {
        let keypair = KeyPair::from_seed(seed_of(name));
        let peer_id = keypair.peer_id().to_string();
        let index = book.add(name, peer_id.clone());
        if index == self.keypairs.len() {
            self.by_id.insert(peer_id, keypair.public_key());
            self.keypairs.push(keypair);
        }
        index
    }
}

impl PeerKeys for BookKeys {
    fn public_key(&self, peer: &str) -> Option<PublicKey> {
        // A peer id names its key: a node reads it from the id itself.
        self.by_id
            .get(peer)
            .copied()
            .or_else(|| peer.parse::<PeerId>().ok().map(|id| id.public_key()))
    }
}

/// The reference simulator's report in the bench's terms.
pub(crate) fn to_run_report(report: SimReport) -> RunReport {
    let calls: Vec<Call> = report
        .calls
        .into_iter()
        .map(|call| {
            let result = match (call.result, call.error) {
                (_, Some((ret_code, message))) => CallResult::Err {
                    ret_code,
                    message: message.into(),
                },
                (value, None) => CallResult::Ok(value.unwrap_or_default()),
            };
            Call::new(
                &call.peer,
                &call.service,
                &call.function,
                call.args,
                &result,
            )
        })
        .collect();
    RunReport {
        call_count: calls.len(),
        calls,
        peers: report
            .peers
            .into_iter()
            .map(|(name, status)| (name, (status.ret_code, status.error.unwrap_or_default())))
            .collect(),
        deliveries: 0,
        runs: 0,
        step_limit: report.step_limit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::difference;

    #[test]
    fn the_bench_loop_makes_the_calls_weft_s_simulator_makes() -> Result<(), String> {
        let source = "(seq (call \"a\" (\"s\" \"f\") [%init_peer_id%] x) ; behaviour = arg.0\n\
                      (xor (call \"b\" (\"s\" \"boom\") [x]) ; err = {\"ret_code\": 3, \"message\": \"no\"}\n\
                      (call %init_peer_id% (\"s\" \"g\") [:error:.$.error_code x])))\n";
        let prepared = Prepared::new(source, &Limits::default(), 100)?;
        let ours = prepared.simulate(true)?;
        let reference = to_run_report(prepared.reference()?);
        assert_eq!(ours.call_count, 3);
        assert_eq!(difference(&ours, &reference), None);
        // Not recording keeps the count only.
        let quiet = prepared.simulate(false)?;
        assert_eq!((quiet.call_count, quiet.calls.len()), (3, 0));
        Ok(())
    }
}
