//! Flows must settle whatever order the network delivers particles and call results in.
//!
//! The simulator delivers in FIFO order; a real network does not: call results come back
//! one by one, deliveries from different peers interleave with a peer's own runs. This
//! test drives `weft_air::run` with a seeded random scheduler over many seeds and checks
//! that the flow reaches its end on every schedule.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};
use weft_air::{CallId, CallRequest, CallResult, Data, Limits, PeerKeys, RunParams, Script};
use weft_core::{KeyPair, PublicKey};

const INIT: &str = "client";

struct Keys;

fn keypair(name: &str) -> KeyPair {
    KeyPair::from_seed(*blake3::hash(name.as_bytes()).as_bytes())
}

impl PeerKeys for Keys {
    fn public_key(&self, peer: &str) -> Option<PublicKey> {
        Some(keypair(peer).public_key())
    }
}

/// xorshift64*: enough randomness for schedules, reproducible by seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    }
}

enum Event {
    Delivery {
        to: String,
        bytes: Vec<u8>,
    },
    Result {
        on: String,
        id: CallId,
        result: CallResult,
    },
}

/// What the services on `peer` answer.
fn serve(peer: &str, request: &CallRequest, answers: &mut Vec<Value>) -> CallResult {
    match (request.service.as_str(), request.function.as_str()) {
        ("peer", "identify") => CallResult::Ok(json!({ "peer": peer })),
        ("getDataSrv", "peers") => CallResult::Ok(json!(["p1", "p2", "p3"])),
        ("peer", "timeout") => CallResult::Ok(request.args[1].clone()),
        ("greeter", "hello") => CallResult::Ok(json!(format!("Hello from {peer}"))),
        ("getDataSrv", "all_peers") => CallResult::Ok(json!(["relay", "p1", "p2", "p3"])),
        ("callbackSrv", "response") => {
            answers.push(Value::Array(request.args.clone()));
            CallResult::Ok(Value::Null)
        }
        _ => CallResult::Ok(Value::Null),
    }
}

/// Runs `script` from the init peer under the schedule `seed` picks; returns what the init
/// peer's `callbackSrv.response` received.
fn run_schedule(script: &Script, seed: u64) -> Vec<Value> {
    run_schedule_with_dead(script, seed, &[])
}

/// As [`run_schedule`], with particles sent to the `dead` peers lost.
fn run_schedule_with_dead(script: &Script, seed: u64, dead: &[&str]) -> Vec<Value> {
    let limits = Limits::default();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut data: HashMap<String, Data> = HashMap::new();
    let mut pending: HashMap<String, Vec<CallId>> = HashMap::new();
    let mut events = vec![Event::Delivery {
        to: INIT.to_owned(),
        bytes: Vec::new(),
    }];
    let mut answers = Vec::new();
    let mut steps = 0;
    while !events.is_empty() {
        steps += 1;
        assert!(steps < 10_000, "seed {seed}: the flow does not settle");
        let event = events.swap_remove(rng.below(events.len()));
        let (peer, incoming, results) = match event {
            Event::Delivery { to, bytes } => {
                let incoming = if bytes.is_empty() {
                    Data::default()
                } else {
                    Data::from_bytes(&bytes, &limits).expect("valid data")
                };
                (to, incoming, BTreeMap::new())
            }
            Event::Result { on, id, result } => {
                (on, Data::default(), BTreeMap::from([(id, result)]))
            }
        };
        let keypair = keypair(&peer);
        let params = RunParams {
            current_peer: &peer,
            keypair: &keypair,
            init_peer: INIT,
            particle_id: "particle",
            timestamp: 1_700_000_000_000,
            ttl: 60_000,
            limits: &limits,
        };
        let prev = data.remove(&peer).unwrap_or_default();
        let outcome = weft_air::run(script, prev, incoming, results, &Keys, &params);
        assert_eq!(outcome.ret_code, 0, "seed {seed}: {:?}", outcome.error);
        let bytes = outcome.data.to_bytes();
        data.insert(peer.clone(), outcome.data);
        for next in outcome.next_peers {
            if dead.contains(&next.as_str()) {
                continue;
            }
            events.push(Event::Delivery {
                to: next,
                bytes: bytes.clone(),
            });
        }
        let waiting = pending.entry(peer.clone()).or_default();
        for request in outcome.call_requests {
            if waiting.contains(&request.id) {
                continue;
            }
            waiting.push(request.id);
            let result = serve(&peer, &request, &mut answers);
            events.push(Event::Result {
                on: peer.clone(),
                id: request.id,
                result,
            });
        }
    }
    answers
}

/// The fan-out part of a flow: the relay's own answer, then the peers' answers in parallel.
const FAN_OUT: &str = r#"
  (seq
    (seq (call "relay" ("peer" "identify") [] own) (ap own $infos))
    (fold peers p
      (par
        (seq (call p ("peer" "identify") [] info)
          (ap info $infos))
        (next p))))"#;

/// Aqua's join on the relay until `$infos` holds 4 values, then the answer to the init peer.
const JOIN_AND_ANSWER: &str = r#"
  (seq
    (new $infos_test
      (seq
        (fold $infos s
          (seq
            (seq (ap s $infos_test)
              (canon "relay" $infos_test #infos_iter))
            (xor (match #infos_iter.length 4 (null))
              (next s)))
          (never))
        (canon "relay" $infos_test #all)))
    (call %init_peer_id% ("callbackSrv" "response") [#all]))"#;

/// `fan_out`, then the join on the relay.
fn fan_in(fan_out: &str) -> String {
    format!("(seq {fan_out} {JOIN_AND_ANSWER})")
}

#[test]
fn fan_out_and_join_settles_on_every_schedule() {
    let source = format!(
        r#"(seq (call %init_peer_id% ("getDataSrv" "peers") [] peers) {})"#,
        fan_in(FAN_OUT)
    );
    let script = weft_air::parse(&source).expect("the flow parses");
    for seed in 0..300 {
        let answers = run_schedule(&script, seed);
        assert_eq!(answers.len(), 1, "seed {seed}: answers {answers:?}");
        let all = answers[0][0].as_array().expect("an array");
        assert_eq!(all.len(), 4, "seed {seed}: {all:?}");
    }
}

/// The relay is one of the fold's targets too: its own answer joins the others.
const FAN_OUT_WITH_RELAY: &str = r#"
  (seq
    (call %init_peer_id% ("getDataSrv" "all_peers") [] peers)
    (fold peers p
      (par
        (seq (call p ("peer" "identify") [] info)
          (ap info $infos))
        (next p))))"#;

#[test]
fn a_join_on_a_peer_that_is_also_a_target_settles_on_every_schedule() {
    let script = weft_air::parse(&fan_in(FAN_OUT_WITH_RELAY)).expect("the flow parses");
    for seed in 0..300 {
        let answers = run_schedule(&script, seed);
        assert_eq!(answers.len(), 1, "seed {seed}: answers {answers:?}");
        assert_eq!(
            answers[0][0].as_array().map(Vec::len),
            Some(4),
            "seed {seed}"
        );
    }
}

/// The test kit's call with fallback: the primary's answer races the relay's timeout.
const FALLBACK: &str = r#"
(seq (call "relay" ("op" "noop") [])
  (new $status
    (seq
      (par
        (seq (call "primary" ("greeter" "hello") [] r)
          (seq (call "relay" ("op" "noop") [])
            (ap r $status)))
        (seq (call "relay" ("peer" "timeout") [1000 "timeout"] t)
          (ap t $status)))
      (seq
        (seq
          (new $status_test
            (seq
              (fold $status s
                (seq
                  (seq (ap s $status_test)
                    (canon "relay" $status_test #status_iter))
                  (xor (match #status_iter.length 1 (null))
                    (next s)))
                (never))
              (canon "relay" $status_test #first)))
          (xor
            (mismatch #first.$.[0] "timeout"
              (ap #first.$.[0] $result))
            (seq (call "backup" ("greeter" "hello") [] r2)
              (seq (call "relay" ("op" "noop") [])
                (ap r2 $result)))))
        (seq (canon "relay" $result #result)
          (call %init_peer_id% ("callbackSrv" "response") [#result.$.[0]]))))))"#;

#[test]
fn a_call_with_fallback_answers_once_on_every_schedule() {
    let script = weft_air::parse(FALLBACK).expect("the flow parses");
    for seed in 0..300 {
        for dead in [&[][..], &["primary"][..]] {
            let answers = run_schedule_with_dead(&script, seed, dead);
            assert_eq!(answers.len(), 1, "seed {seed}, dead {dead:?}: {answers:?}");
            let answer = answers[0][0].as_str().unwrap_or_default();
            assert!(answer.starts_with("Hello from"), "seed {seed}: {answer}");
            if !dead.is_empty() {
                assert_eq!(answer, "Hello from backup");
            }
        }
    }
}
