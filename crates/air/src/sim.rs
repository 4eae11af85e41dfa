//! A local network of virtual peers that runs one script to the end, with mocked
//! services: what `weft flow simulate` prints and what the scenario tests snapshot.
//!
//! Peers are names. A string literal in the peer position of `call` or `canon` is a
//! virtual peer of that name and `%init_peer_id%` is the init peer (`init` unless
//! told otherwise); a mock that returns a peer's name hands out that peer. Each name
//! is used as the peer id itself and signs with keys derived from the name.
//!
//! Services are mocked by a comment on the line where the call starts (see
//! [`Mock`]); an unannotated call returns null.
//!
//! Scheduling is a FIFO queue of deliveries `(peer, encoded data)`, starting with the
//! init peer and empty data. A peer merges the delivery into what it stored, answers
//! its call requests with the mocks and reruns until no call is pending, stores the
//! new data, and queues one delivery of it to every peer that any of these runs
//! named next. The simulation ends when the queue is empty or after
//! [`SimOptions::max_deliveries`] deliveries. Deliveries carry encoded bytes, as a
//! network would, so the data format is exercised on every hop.
//!
//! ```
//! # fn main() -> Result<(), weft_air::Error> {
//! use weft_air::sim::{SimOptions, simulate};
//!
//! let report = simulate(
//!     r#"(call "a" ("math" "add") [1 2] sum) ; ok = 3"#,
//!     &SimOptions::default(),
//! )?;
//! assert_eq!(report.calls[0].peer, "a");
//! assert_eq!(report.calls[0].result, Some(serde_json::json!(3)));
//! # Ok(())
//! # }
//! ```

mod mock;
mod peers;
mod report;
mod sites;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::rc::Rc;

use crate::{Data, Error, Limits, Outcome, RunParams, Script, run};

pub use mock::{Mock, mocks_by_line};
pub use report::{PeerStatus, SimCall, SimReport};

use peers::{PeerState, VirtualKeys};
use sites::CallSites;

/// The particle every simulation runs in.
const PARTICLE_ID: &str = "particle-1";
const TIMESTAMP_MS: u64 = 1_700_000_000_000;
const TTL_MS: u32 = 60_000;

/// How to run a simulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOptions {
    /// The name of the peer that starts the particle (`%init_peer_id%`).
    pub init_peer: String,
    pub limits: Limits,
    /// Deliveries after which a flow that never settles is stopped.
    pub max_deliveries: usize,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            init_peer: "init".to_owned(),
            limits: Limits::default(),
            max_deliveries: 10_000,
        }
    }
}

/// Runs `source` on virtual peers until the flow settles.
///
/// Fails when the script does not parse or validate, when a mock annotation is
/// malformed, or when a delivery's data cannot be decoded.
pub fn simulate(source: &str, options: &SimOptions) -> Result<SimReport, Error> {
    let script = crate::parse_with_limits(source, &options.limits)?;
    let sites = CallSites::new(&script, source)?;
    Network {
        script: &script,
        options,
        sites,
        keys: VirtualKeys::default(),
        peers: HashMap::new(),
        calls: Vec::new(),
    }
    .run()
}

/// One simulation in progress.
struct Network<'a> {
    script: &'a Script,
    options: &'a SimOptions,
    sites: CallSites,
    keys: VirtualKeys,
    peers: HashMap<String, PeerState>,
    calls: Vec<SimCall>,
}

impl Network<'_> {
    fn run(mut self) -> Result<SimReport, Error> {
        let mut queue: VecDeque<(String, Rc<[u8]>)> = VecDeque::new();
        queue.push_back((
            self.options.init_peer.clone(),
            Data::default().to_bytes().into(),
        ));
        let mut deliveries = 0;
        while deliveries < self.options.max_deliveries {
            let Some((peer, bytes)) = queue.pop_front() else {
                break;
            };
            deliveries += 1;
            let incoming = match Data::from_bytes(&bytes, &self.options.limits) {
                Ok(incoming) => incoming,
                // The peer refuses this particle and keeps its data, as a node would.
                Err(Error::Rejected { code, message }) => {
                    let state = self.peer_state(&peer);
                    state.ret_code = code;
                    state.error = Some(message);
                    continue;
                }
                Err(Error::Decode(message)) => {
                    return Err(Error::Decode(format!(
                        "the data delivered to peer {peer} is refused: {message}"
                    )));
                }
                Err(other) => return Err(other),
            };
            let next_peers = self.deliver(&peer, incoming)?;
            if !next_peers.is_empty() {
                let state = self.peers.get(&peer);
                let bytes: Rc<[u8]> = state.map(|s| s.data.to_bytes()).unwrap_or_default().into();
                queue.extend(next_peers.into_iter().map(|next| (next, Rc::clone(&bytes))));
            }
        }
        let peers = self
            .peers
            .into_iter()
            .map(|(name, state)| {
                let status = PeerStatus {
                    ret_code: state.ret_code,
                    error: state.error,
                };
                (name, status)
            })
            .collect::<BTreeMap<_, _>>();
        Ok(SimReport {
            calls: self.calls,
            peers,
            step_limit: !queue.is_empty(),
        })
    }

    /// The state of `peer`, created (and its key made known) on first use.
    fn peer_state(&mut self, peer: &str) -> &mut PeerState {
        let keys = &self.keys;
        self.peers.entry(peer.to_owned()).or_insert_with(|| {
            let state = PeerState::new(peer);
            keys.remember(peer, state.keypair.public_key());
            state
        })
    }

    /// Runs `peer` on one delivery until no call is pending; returns the peers its
    /// runs named next.
    fn deliver(&mut self, peer: &str, incoming: Data) -> Result<BTreeSet<String>, Error> {
        let options = self.options;
        let state = self.peer_state(peer);
        let keypair = state.keypair.clone();
        let prev = std::mem::take(&mut state.data);
        let params = RunParams {
            current_peer: peer,
            keypair: &keypair,
            init_peer: &options.init_peer,
            particle_id: PARTICLE_ID,
            timestamp: TIMESTAMP_MS,
            ttl: TTL_MS,
            limits: &options.limits,
        };
        let mut outcome = run(
            self.script,
            prev,
            incoming,
            BTreeMap::new(),
            &self.keys,
            &params,
        );
        let mut next_peers = BTreeSet::new();
        let mut answered = HashSet::new();
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
                if let Some(state) = self.peers.get_mut(peer) {
                    state.data = data;
                    state.ret_code = ret_code;
                    state.error = error;
                }
                return Ok(next_peers);
            }
            let mut results = BTreeMap::new();
            for request in call_requests {
                if !answered.insert(request.id) {
                    return Err(Error::Decode(format!(
                        "simulator: the interpreter on peer {peer} asked again for call {:?}, \
                         which it was already given the result of (an interpreter bug)",
                        request.id
                    )));
                }
                let id = request.id;
                let result = self.sites.answer(request.node, &request.args);
                self.calls.push(SimCall::new(peer, request, &result));
                results.insert(id, result);
            }
            outcome = run(
                self.script,
                data,
                Data::default(),
                results,
                &self.keys,
                &params,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const HOP: &str = "(seq\n  (call \"a\" (\"s\" \"f\") [%init_peer_id%] x) ; behaviour = arg.0\n  \
                       (call %init_peer_id% (\"s\" \"g\") [x])\n)\n";

    #[test]
    fn the_init_peer_is_named_by_the_options() {
        let options = SimOptions {
            init_peer: "alice".to_owned(),
            ..SimOptions::default()
        };
        let report = simulate(HOP, &options).unwrap();
        let peers: Vec<_> = report.calls.iter().map(|c| c.peer.as_str()).collect();
        assert_eq!(peers, ["a", "alice"]);
        assert_eq!(report.calls[1].args, [json!("alice")]);
        assert_eq!(report.peers.keys().collect::<Vec<_>>(), ["a", "alice"]);
        assert!(!report.step_limit);
    }

    #[test]
    fn the_delivery_limit_stops_the_flow() {
        for (max, calls, limited) in [(1, 0, true), (2, 1, true), (3, 2, false)] {
            let options = SimOptions {
                max_deliveries: max,
                ..SimOptions::default()
            };
            let report = simulate(HOP, &options).unwrap();
            assert_eq!(report.calls.len(), calls, "max {max}");
            assert_eq!(report.step_limit, limited, "max {max}");
        }
    }

    #[test]
    fn script_and_annotation_errors_are_errors() {
        assert!(matches!(
            simulate("(seq (null)", &SimOptions::default()),
            Err(Error::Parse(_))
        ));
        let unbound = simulate("(null) ; ok = 1\n", &SimOptions::default());
        match unbound {
            Err(Error::Mock { line: 1, message }) => {
                assert!(message.contains("no call"), "{message}");
            }
            other => panic!("expected a mock error on line 1, got {other:?}"),
        }
        let malformed = simulate(
            "(seq\n (call \"a\" (\"s\" \"f\") []) ; ok = [\n (null))\n",
            &SimOptions::default(),
        );
        assert!(
            matches!(malformed, Err(Error::Mock { line: 2, .. })),
            "{malformed:?}"
        );
    }

    #[test]
    fn a_failed_call_is_reported_with_its_error() {
        let source =
            "(call \"a\" (\"s\" \"f\") []) ; err = {\"ret_code\": 5, \"message\": \"no\"}\n";
        let report = simulate(source, &SimOptions::default()).unwrap();
        assert_eq!(report.calls[0].error, Some((5, "no".to_owned())));
        assert_eq!(report.calls[0].result, None);
        assert_eq!(report.peers["a"].ret_code, 10000);
        assert_eq!(
            report.peers["init"],
            PeerStatus {
                ret_code: 0,
                error: None
            }
        );
    }
}
