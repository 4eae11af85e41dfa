//! The simulation contract on AquaVM 0.63's native interpreter (`air::execute_air`).
//!
//! The loop is the one Weft's simulator runs: a FIFO queue of `(peer, data)`
//! deliveries starting with the init peer and empty data; a peer runs the
//! interpreter on its stored data and the delivery, answers the call requests from
//! the mocks and reruns until no call is pending, stores the new data, and queues
//! one delivery of it to every peer any of these runs named next.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::rc::Rc;

use air::{InterpreterOutcome, RunParameters, execute_air};
use air_interpreter_interface::{
    CallArgumentsRepr, CallRequestsRepr, CallResultsRepr, CallServiceResult, MAX_AIR_SIZE,
    MAX_CALL_RESULT_SIZE, MAX_PARTICLE_SIZE, SerializedCallResults,
};
use air_interpreter_sede::{FromSerialized, ToSerialized};
use fluence_keypair::{KeyFormat, KeyPair};
use serde_json::Value;
use weft_air::{CallResult, Limits};

use crate::alloc;
use crate::contract::{MockTable, ScriptFacts};
use crate::peers::{PeerBook, seed_of};
use crate::report::{Call, RunReport};

const PARTICLE_ID: &str = "particle-1";
const TIMESTAMP_MS: u64 = 1_700_000_000_000;
const TTL_MS: u32 = 60_000;
const INIT_PEER: &str = "init";
/// `fluence_keypair::KeyFormat::Ed25519` as `RunParameters` encodes it.
const ED25519: u8 = 0;

/// A script prepared for AquaVM: peers resolved to identities, mocks tabled.
/// Preparing is not timed; [`Prepared::simulate`] is.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    script: String,
    book: PeerBook,
    /// Each peer's Ed25519 secret key, by its index in `book`.
    secrets: Vec<Vec<u8>>,
    mocks: MockTable,
    init: usize,
    max_deliveries: usize,
}

impl Prepared {
    pub(crate) fn new(
        source: &str,
        limits: &Limits,
        max_deliveries: usize,
    ) -> Result<Self, String> {
        let facts = ScriptFacts::new(source, limits)?;
        let mut book = PeerBook::default();
        let mut secrets = Vec::new();
        let init = add_peer(&mut book, &mut secrets, INIT_PEER)?;
        for name in &facts.literal_peers {
            add_peer(&mut book, &mut secrets, name)?;
        }
        Ok(Self {
            script: book.translate_script(source),
            book,
            secrets,
            mocks: facts.mocks,
            init,
            max_deliveries,
        })
    }

    /// Runs the flow to the end and reports what it did; `record` keeps every
    /// call in the report.
    pub(crate) fn simulate(&self, record: bool) -> Result<RunReport, String> {
        Network {
            prepared: self,
            mocks: self.mocks.clone(),
            stored: HashMap::new(),
            report: RunReport::default(),
            record,
        }
        .run()
    }
}

struct Network<'a> {
    prepared: &'a Prepared,
    mocks: MockTable,
    /// Each peer's data after its last delivery.
    stored: HashMap<usize, Vec<u8>>,
    report: RunReport,
    record: bool,
}

impl Network<'_> {
    fn run(mut self) -> Result<RunReport, String> {
        let mut queue: VecDeque<(usize, Rc<Vec<u8>>)> = VecDeque::new();
        queue.push_back((self.prepared.init, Rc::new(Vec::new())));
        while let Some((peer, data)) = queue.pop_front() {
            if self.report.deliveries == self.prepared.max_deliveries {
                self.report.step_limit = true;
                break;
            }
            self.report.deliveries += 1;
            // AquaVM names next peers from a randomly seeded HashSet: sort them so
            // the delivery order (and so the work) is the same on every iteration.
            let memory = alloc::start_delivery();
            let next_peers = self.deliver(peer, data.to_vec())?;
            if !next_peers.is_empty() {
                let data = Rc::new(self.stored.get(&peer).cloned().unwrap_or_default());
                queue.extend(next_peers.into_iter().map(|next| (next, Rc::clone(&data))));
            }
            alloc::end_delivery(memory);
        }
        Ok(self.report)
    }

    /// Runs `peer` on one delivery until no call is pending; returns the peers its
    /// runs named next, in a fixed order.
    fn deliver(&mut self, peer: usize, incoming: Vec<u8>) -> Result<BTreeSet<usize>, String> {
        let book = &self.prepared.book;
        let params = RunParameters {
            init_peer_id: book.id(self.prepared.init).to_owned(),
            current_peer_id: book.id(peer).to_owned(),
            timestamp: TIMESTAMP_MS,
            ttl: TTL_MS,
            key_format: ED25519,
            secret_key_bytes: self.prepared.secrets[peer].clone(),
            particle_id: PARTICLE_ID.to_owned(),
            air_size_limit: MAX_AIR_SIZE,
            particle_size_limit: MAX_PARTICLE_SIZE,
            call_result_size_limit: MAX_CALL_RESULT_SIZE,
            hard_limit_enabled: false,
        };
        let prev = self.stored.remove(&peer).unwrap_or_default();
        let no_results = serialize_results(&HashMap::new())?;
        let mut outcome = self.execute(prev, incoming, &params, no_results);
        let mut next_peers = BTreeSet::new();
        loop {
            let InterpreterOutcome {
                ret_code,
                error_message,
                data,
                next_peer_pks,
                call_requests,
                ..
            } = outcome;
            for next in &next_peer_pks {
                let index = book.index_of_id(next).ok_or_else(|| {
                    format!("AquaVM sent the particle to {next}, which is no virtual peer")
                })?;
                next_peers.insert(index);
            }
            let requests = CallRequestsRepr
                .deserialize(&call_requests)
                .map_err(|error| format!("cannot decode AquaVM's call requests: {error}"))?;
            if requests.is_empty() {
                self.report
                    .peers
                    .insert(book.name(peer).to_owned(), (ret_code, error_message));
                self.stored.insert(peer, data);
                return Ok(next_peers);
            }
            let mut ids: Vec<u32> = requests.keys().copied().collect();
            ids.sort_unstable();
            let mut results = HashMap::with_capacity(ids.len());
            for id in ids {
                let request = &requests[&id];
                let mut args: Vec<Value> = CallArgumentsRepr
                    .deserialize(&request.arguments)
                    .map_err(|error| format!("cannot decode AquaVM's call arguments: {error}"))?;
                args.iter_mut().for_each(|arg| book.ids_to_names(arg));
                let result =
                    self.mocks
                        .answer(&request.service_id, &request.function_name, &args)?;
                results.insert(id.to_string(), self.to_aquavm(&result));
                self.report.call_count += 1;
                if self.record {
                    let name = book.name(peer);
                    let call = Call::new(
                        name,
                        &request.service_id,
                        &request.function_name,
                        args,
                        &result,
                    );
                    self.report.calls.push(call);
                }
            }
            outcome = self.execute(data, Vec::new(), &params, serialize_results(&results)?);
        }
    }

    fn execute(
        &mut self,
        prev: Vec<u8>,
        incoming: Vec<u8>,
        params: &RunParameters,
        results: SerializedCallResults,
    ) -> InterpreterOutcome {
        self.report.runs += 1;
        execute_air(
            self.prepared.script.clone(),
            prev,
            incoming,
            params.clone(),
            results,
        )
    }

    fn to_aquavm(&self, result: &CallResult) -> CallServiceResult {
        match result {
            CallResult::Ok(value) => {
                let mut value = value.clone();
                self.prepared.book.names_to_ids(&mut value);
                CallServiceResult::ok(&value)
            }
            CallResult::Err { ret_code, message } => {
                // Weft's return codes are i64, AquaVM's i32; mocks use small codes.
                let code = i32::try_from(*ret_code).unwrap_or(i32::MAX);
                CallServiceResult::err(code, message)
            }
        }
    }
}

/// Adds the virtual peer `name` with its AquaVM identity: an Ed25519 key derived
/// from the name, written as the key's libp2p peer id.
fn add_peer(book: &mut PeerBook, secrets: &mut Vec<Vec<u8>>, name: &str) -> Result<usize, String> {
    let secret = seed_of(name).to_vec();
    let keypair = KeyPair::from_secret_key(secret.clone(), KeyFormat::Ed25519)
        .map_err(|error| format!("cannot make a key for peer {name}: {error}"))?;
    let index = book.add(name, keypair.get_peer_id().to_string());
    if index == secrets.len() {
        secrets.push(secret);
    }
    Ok(index)
}

fn serialize_results(
    results: &HashMap<String, CallServiceResult>,
) -> Result<SerializedCallResults, String> {
    CallResultsRepr
        .serialize(results)
        .map_err(|error| format!("cannot encode call results for AquaVM: {error}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn calls(report: &RunReport) -> Vec<(String, String, Vec<Value>)> {
        report
            .calls
            .iter()
            .map(|call| (call.peer.clone(), call.function.clone(), call.args.clone()))
            .collect()
    }

    #[test]
    fn peers_are_names_outside_and_peer_ids_inside() -> Result<(), String> {
        let source = "(seq (call \"a\" (\"s\" \"f\") [%init_peer_id%] x) ; behaviour = arg.0\n\
                      (call %init_peer_id% (\"s\" \"g\") [x \"b\"]))\n";
        let report = Prepared::new(source, &Limits::default(), 100)?.simulate(true)?;
        assert_eq!(
            calls(&report),
            [
                ("a".into(), "f".into(), vec![json!("init")]),
                ("init".into(), "g".into(), vec![json!("init"), json!("b")]),
            ]
        );
        // init, then a, then back to init.
        assert_eq!(report.deliveries, 3);
        assert!(report.failures().is_empty(), "{:?}", report.failures());
        Ok(())
    }

    #[test]
    fn a_peer_has_the_same_id_on_aquavm_as_on_weft() -> Result<(), String> {
        let prepared = Prepared::new("(call \"a\" (\"s\" \"f\") [])\n", &Limits::default(), 10)?;
        let on_weft = weft_core::KeyPair::from_seed(seed_of("a"))
            .peer_id()
            .to_string();
        assert!(on_weft.starts_with("12D3KooW"), "{on_weft}");
        assert_eq!(
            prepared.script,
            format!("(call \"{on_weft}\" (\"s\" \"f\") [])\n")
        );
        Ok(())
    }

    #[test]
    fn a_failed_mock_raises_aquavm_s_error() -> Result<(), String> {
        let source = "(xor (call %init_peer_id% (\"s\" \"boom\") []) ; err = {\"ret_code\": 3, \"message\": \"no\"}\n\
                      (call %init_peer_id% (\"s\" \"caught\") [:error:.$.error_code]))\n";
        let report = Prepared::new(source, &Limits::default(), 100)?.simulate(true)?;
        assert_eq!(
            calls(&report),
            [
                ("init".into(), "boom".into(), vec![]),
                ("init".into(), "caught".into(), vec![json!(10000)]),
            ]
        );
        Ok(())
    }

    #[test]
    fn the_delivery_limit_stops_a_flow() -> Result<(), String> {
        let source = "(call \"a\" (\"s\" \"f\") [])\n";
        let report = Prepared::new(source, &Limits::default(), 1)?.simulate(true)?;
        assert!(report.step_limit);
        assert!(report.calls.is_empty());
        Ok(())
    }
}
