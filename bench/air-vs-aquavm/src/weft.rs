//! The simulation contract on Weft's interpreter (`weft_air::run`), driven by the
//! same loop and the same mock table as the AquaVM side, so that the two sides
//! differ only in the interpreter.
//!
//! The loop is the one of Weft's own simulator (`weft_air::sim`), with one
//! deliberate difference: the script is parsed on every delivery, since in a real
//! network each peer parses the particle it receives (Weft's simulator parses once
//! for all its virtual peers). `weft_air::sim::simulate` itself is run too, as the
//! reference: the bench checks that its loop makes the same calls, and reports
//! the simulator's own time and memory separately.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::rc::Rc;

use weft_air::sim::{SimOptions, SimReport, simulate};
use weft_air::{CallResult, Data, Limits, Outcome, PeerKeys, RunParams, parse_with_limits, run};
use weft_core::{KeyPair, PublicKey};

use crate::alloc;
use crate::contract::{MockTable, ScriptFacts};
use crate::report::{Call, RunReport};

const PARTICLE_ID: &str = "particle-1";
const TIMESTAMP_MS: u64 = 1_700_000_000_000;
const TTL_MS: u32 = 60_000;
const INIT_PEER: &str = "init";

/// A script ready to run on Weft's interpreter. Preparing is not timed.
#[derive(Debug)]
pub(crate) struct Prepared {
    source: String,
    mocks: MockTable,
    limits: Limits,
    max_deliveries: usize,
    keys: VirtualKeys,
}

impl Prepared {
    pub(crate) fn new(
        source: &str,
        limits: &Limits,
        max_deliveries: usize,
    ) -> Result<Self, String> {
        let facts = ScriptFacts::new(source, limits)?;
        let keys = VirtualKeys::default();
        keys.keypair(INIT_PEER);
        facts.literal_peers.iter().for_each(|name| {
            keys.keypair(name);
        });
        Ok(Self {
            source: source.to_owned(),
            mocks: facts.mocks,
            limits: limits.clone(),
            max_deliveries,
            keys,
        })
    }

    /// Runs the flow to the end and reports what it did; `record` keeps every
    /// call in the report.
    pub(crate) fn simulate(&self, record: bool) -> Result<RunReport, String> {
        let mut network = Network {
            prepared: self,
            mocks: self.mocks.clone(),
            stored: HashMap::new(),
            report: RunReport::default(),
            record,
        };
        let mut queue: VecDeque<(String, Rc<[u8]>)> = VecDeque::new();
        queue.push_back((INIT_PEER.to_owned(), Data::default().to_bytes().into()));
        while let Some((peer, bytes)) = queue.pop_front() {
            if network.report.deliveries == self.max_deliveries {
                network.report.step_limit = true;
                break;
            }
            network.report.deliveries += 1;
            let memory = alloc::start_delivery();
            let next_peers = network.deliver(&peer, &bytes)?;
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
    stored: HashMap<String, Data>,
    report: RunReport,
    record: bool,
}

impl Network<'_> {
    /// Runs `peer` on one delivery until no call is pending; returns the peers its
    /// runs named next.
    fn deliver(&mut self, peer: &str, bytes: &[u8]) -> Result<BTreeSet<String>, String> {
        let prepared = self.prepared;
        let script = parse_with_limits(&prepared.source, &prepared.limits)
            .map_err(|error| format!("weft: {error}"))?;
        let incoming =
            Data::from_bytes(bytes, &prepared.limits).map_err(|error| format!("weft: {error}"))?;
        let keypair = prepared.keys.keypair(peer);
        let params = RunParams {
            current_peer: peer,
            keypair: &keypair,
            init_peer: INIT_PEER,
            particle_id: PARTICLE_ID,
            timestamp: TIMESTAMP_MS,
            ttl: TTL_MS,
            limits: &prepared.limits,
        };
        let prev = self.stored.remove(peer).unwrap_or_default();
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
            next_peers.extend(named);
            if call_requests.is_empty() {
                self.report
                    .peers
                    .insert(peer.to_owned(), (ret_code, error.unwrap_or_default()));
                self.stored.insert(peer.to_owned(), data);
                return Ok(next_peers);
            }
            let mut results = BTreeMap::new();
            for request in call_requests {
                let result =
                    self.mocks
                        .answer(&request.service, &request.function, &request.args)?;
                self.report.call_count += 1;
                if self.record {
                    let call = Call::new(
                        peer,
                        &request.service,
                        &request.function,
                        request.args,
                        &result,
                    );
                    self.report.calls.push(call);
                }
                results.insert(request.id, result);
            }
            self.report.runs += 1;
            outcome = run(&script, data, Data::default(), results, keys, &params);
        }
    }
}

/// Virtual peers' keys, derived from their names once and kept across runs (the
/// derivation is a scalar multiplication, which a node does once at start).
#[derive(Debug, Default)]
struct VirtualKeys {
    known: RefCell<HashMap<String, KeyPair>>,
}

impl VirtualKeys {
    fn keypair(&self, name: &str) -> KeyPair {
        let mut known = self.known.borrow_mut();
        if let Some(keypair) = known.get(name) {
            return keypair.clone();
        }
        let seed = blake3::hash(format!("air-vs-aquavm weft peer {name}").as_bytes());
        let keypair = KeyPair::from_seed(*seed.as_bytes());
        known.insert(name.to_owned(), keypair.clone());
        keypair
    }
}

impl PeerKeys for VirtualKeys {
    fn public_key(&self, peer: &str) -> Option<PublicKey> {
        Some(self.keypair(peer).public_key())
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
