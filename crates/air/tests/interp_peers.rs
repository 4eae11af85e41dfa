//! Several peers by hand: forwarding, joins, streams across peers, and hard
//! errors that must leave the previous data untouched.

#[path = "interp_support.rs"]
mod support;

use std::collections::BTreeMap;

use serde_json::json;
use support::{INIT, Net, run_once, script, visit};
use weft_air::{CallResult, Data, Limits};

#[test]
fn remote_call_forwards_once_and_returns() {
    let mut net = Net::new(
        r#"(seq (call "A" ("op" "identity") ["from A"] x)
                (call %init_peer_id% ("out" "got") [x]))"#,
    );
    net.flow(INIT);
    assert_eq!(net.args_of("out", "got"), vec![vec![json!("from A")]]);
    let peers: Vec<_> = net.outcomes.iter().map(|(p, ..)| p.as_str()).collect();
    assert_eq!(peers, ["init", "A", "init"]);
}

#[test]
fn sent_marker_prevents_forwarding_twice() {
    let s = script(r#"(par (call "B" ("x" "y") []) (call %init_peer_id% ("s" "f") []))"#);
    let first = visit(&s, INIT, Data::default(), Data::default());
    assert_eq!(first.outcome.next_peers, vec!["B".to_owned()]);
    // Running again (say, a new particle copy arrives) does not forward again.
    let again = visit(&s, INIT, first.outcome.data, Data::default());
    assert!(again.outcome.next_peers.is_empty());
}

#[test]
fn join_waits_for_a_value_from_another_peer() {
    let mut net = Net::new(
        r#"(par (call "B" ("k" "v") [1] x)
                (call %init_peer_id% ("out" "j") [x]))"#,
    );
    net.flow(INIT);
    assert_eq!(net.args_of("out", "j"), vec![vec![json!(1)]]);
    assert!(net.outcomes.iter().all(|(_, code, _)| *code == 0));
}

#[test]
fn par_completes_with_one_branch_and_joins_wait_on_values() {
    // As AquaVM: A's branch completes the par on A, so A goes on to the call on
    // init, which waits (join) until both values are there.
    let mut net = Net::new(
        r#"(seq (par (call "A" ("op" "identity") ["a"] x)
                     (call "B" ("op" "identity") ["b"] y))
                (call %init_peer_id% ("out" "both") [x y]))"#,
    );
    net.flow(INIT);
    assert_eq!(
        net.args_of("out", "both"),
        vec![vec![json!("a"), json!("b")]]
    );
}

#[test]
fn streams_across_peers_canonicalized_in_one_order() {
    let text = r#"(seq
        (par (seq (call "A" ("op" "identity") ["a"] x) (ap x $s))
             (seq (call "B" ("op" "identity") ["b"] y) (ap y $s)))
        (seq (call %init_peer_id% ("op" "noop") [x y])
             (seq (canon %init_peer_id% $s #c)
                  (call %init_peer_id% ("out" "c") [#c]))))"#;
    let mut net = Net::new(text);
    net.flow(INIT);
    assert_eq!(net.args_of("out", "c"), vec![vec![json!(["a", "b"])]]);

    // By hand, B's data first then A's: the stream keeps the order the init peer
    // learned the values in (AIR.md: values known before a run come first), and
    // the canon freezes that order.
    let s = script(text);
    let start = visit(&s, INIT, Data::default(), Data::default()).outcome;
    let a = visit(&s, "A", Data::default(), start.data.clone()).outcome;
    let b = visit(&s, "B", Data::default(), start.data.clone()).outcome;
    let after_b = visit(&s, INIT, start.data, b.data).outcome;
    let after_a = visit(&s, INIT, after_b.data, a.data);
    let c = after_a.calls.iter().find(|c| c.service == "out").unwrap();
    assert_eq!(c.args, vec![json!(["b", "a"])]);
}

#[test]
fn canon_on_another_peer_is_frozen_there() {
    let mut net = Net::new(
        r#"(seq (seq (ap 1 $s) (ap 2 $s))
           (seq (canon "A" $s #c)
                (seq (ap 3 $s) (call %init_peer_id% ("out" "c") [#c]))))"#,
    );
    net.flow(INIT);
    assert_eq!(net.args_of("out", "c"), vec![vec![json!([1, 2])]]);
}

#[test]
fn fold_with_remote_calls_per_element() {
    let mut net = Net::new(
        r#"(seq (seq (ap "A" $p) (seq (ap "B" $p) (canon %init_peer_id% $p #peers)))
                (fold #peers p
                  (par (seq (call p ("op" "identity") [p] v)
                            (call %init_peer_id% ("out" "got") [v]))
                       (next p))))"#,
    );
    net.flow(INIT);
    let mut got = net.args_of("out", "got");
    got.sort_by_key(|args| args[0].to_string());
    assert_eq!(got, vec![vec![json!("A")], vec![json!("B")]]);
    let callers: Vec<_> = net
        .calls
        .iter()
        .filter(|(_, c)| c.service == "op")
        .map(|(peer, c)| (peer.clone(), c.args[0].clone()))
        .collect();
    assert!(callers.contains(&("A".to_owned(), json!("A"))));
    assert!(callers.contains(&("B".to_owned(), json!("B"))));
}

fn limits() -> Limits {
    Limits::default()
}

#[test]
fn tampered_value_is_rejected_and_previous_data_kept() {
    let s = script(r#"(call "A" ("op" "identity") ["hello"] x)"#);
    let a = visit(&s, "A", Data::default(), Data::default()).outcome;
    let mut bytes = a.data.to_bytes();
    let at = bytes.windows(5).position(|w| w == b"hello").unwrap();
    bytes[at + 4] = b'p';
    let forged = Data::from_bytes(&bytes, &limits()).unwrap();
    let prev = visit(&s, INIT, Data::default(), Data::default())
        .outcome
        .data;
    let out = run_once(&s, INIT, prev.clone(), forged, BTreeMap::new(), &limits());
    assert_eq!(out.ret_code, 20101, "{:?}", out.error);
    assert_eq!(out.data, prev);
    assert!(out.next_peers.is_empty() && out.call_requests.is_empty());
}

#[test]
fn unknown_producer_is_rejected() {
    let s = script(r#"(call "unknown" ("op" "identity") [1] x)"#);
    let forged = visit(&s, "unknown", Data::default(), Data::default())
        .outcome
        .data;
    let out = run_once(
        &s,
        INIT,
        Data::default(),
        forged,
        BTreeMap::new(),
        &limits(),
    );
    assert_eq!(out.ret_code, 20100);
    assert!(out.data.is_empty());
}

#[test]
fn result_signed_by_the_wrong_peer_is_rejected() {
    // Same node ids, but the call is on B: B legitimately signs a result that
    // the real script expects from A.
    let real = script(r#"(call "A" ("op" "identity") [1] x)"#);
    let other = script(r#"(call "B" ("op" "identity") [1] x)"#);
    let by_b = visit(&other, "B", Data::default(), Data::default())
        .outcome
        .data;
    let out = run_once(
        &real,
        "C",
        Data::default(),
        by_b,
        BTreeMap::new(),
        &limits(),
    );
    assert_eq!(out.ret_code, 20103, "{:?}", out.error);
    assert!(out.data.is_empty());
}

#[test]
fn conflicting_results_are_rejected() {
    let s = script(r#"(call "A" ("s" "f") [] x)"#);
    let answer = |value: i64| {
        let pending = run_once(
            &s,
            "A",
            Data::default(),
            Data::default(),
            BTreeMap::new(),
            &limits(),
        );
        let id = pending.call_requests[0].id;
        let results = BTreeMap::from([(id, CallResult::Ok(json!(value)))]);
        run_once(
            &s,
            "A",
            Data::default(),
            Data::default(),
            results,
            &limits(),
        )
        .data
    };
    let (one, two) = (answer(1), answer(2));
    let held = run_once(&s, "C", Data::default(), one, BTreeMap::new(), &limits()).data;
    let out = run_once(&s, "C", held.clone(), two, BTreeMap::new(), &limits());
    assert_eq!(out.ret_code, 20102, "{:?}", out.error);
    assert_eq!(out.data, held);
}

#[test]
fn limits_are_hard_errors() {
    let tight = Limits {
        max_stream_len: 2,
        ..Limits::default()
    };
    let s = script(r#"(seq (ap 1 $s) (seq (ap 2 $s) (ap 3 $s)))"#);
    let out = run_once(
        &s,
        INIT,
        Data::default(),
        Data::default(),
        BTreeMap::new(),
        &tight,
    );
    assert_eq!(out.ret_code, 20013, "{:?}", out.error);

    let tight = Limits {
        max_steps: 10,
        ..Limits::default()
    };
    let s = script(r#"(fold [] i (null))"#);
    let ok = run_once(
        &s,
        INIT,
        Data::default(),
        Data::default(),
        BTreeMap::new(),
        &tight,
    );
    assert_eq!(ok.ret_code, 0);
    let s = script(
        r#"(seq (seq (seq (null) (null)) (seq (null) (null))) (seq (seq (null) (null)) (seq (null) (null))))"#,
    );
    let out = run_once(
        &s,
        INIT,
        Data::default(),
        Data::default(),
        BTreeMap::new(),
        &tight,
    );
    assert_eq!(out.ret_code, 20105);

    let tight = Limits {
        max_call_result_bytes: 16,
        ..Limits::default()
    };
    let s = script(
        r#"(seq (call %init_peer_id% ("s" "f") [] x) (call %init_peer_id% ("s" "g") [] y))"#,
    );
    let first = run_once(
        &s,
        INIT,
        Data::default(),
        Data::default(),
        BTreeMap::new(),
        &tight,
    );
    let id = first.call_requests[0].id;
    let ok = run_once(
        &s,
        INIT,
        Data::default(),
        Data::default(),
        BTreeMap::from([(id, CallResult::Ok(json!("short")))]),
        &tight,
    );
    assert_eq!(ok.ret_code, 0);
    let id2 = ok.call_requests[0].id;
    let big = CallResult::Ok(json!("a string longer than sixteen bytes"));
    let out = run_once(
        &s,
        INIT,
        ok.data.clone(),
        Data::default(),
        BTreeMap::from([(id2, big)]),
        &tight,
    );
    assert_eq!(out.ret_code, 20106, "{:?}", out.error);
    assert_eq!(out.data, ok.data);
}

#[test]
fn data_roundtrips_through_bytes() {
    let mut net = Net::new(
        r#"(seq (call "A" ("obj" "make") [] x)
           (seq (seq (ap x.$.a $s) (canon "A" $s #c))
                (call %init_peer_id% ("out" "c") [#c x.$.n])))"#,
    );
    net.flow(INIT);
    assert_eq!(
        net.args_of("out", "c"),
        vec![vec![json!([{"b": [10, 20]}]), json!(1)]]
    );
    let data = &net.data[INIT];
    let bytes = data.to_bytes();
    let back = Data::from_bytes(&bytes, &limits()).unwrap();
    assert_eq!(&back, data);
    assert_eq!(back.to_bytes(), bytes);
}

#[test]
fn remote_failure_names_the_remote_peer() {
    let mut net = Net::new(
        r#"(xor (call "A" ("op" "fail") ["bad"])
                (call %init_peer_id% ("out" "e") [:error:.$.peer_id :error:.$.error_code %last_error%.$.peer_id]))"#,
    );
    net.flow(INIT);
    assert_eq!(
        net.args_of("out", "e"),
        vec![vec![json!("A"), json!(10000), json!("A")]]
    );
}

#[test]
fn remote_results_carry_the_remote_provenance() {
    let mut net = Net::new(
        r#"(seq (call "A" ("obj" "make") [] x)
                (call %init_peer_id% ("out" "p") [x.$.n]))"#,
    );
    net.flow(INIT);
    let (_, call) = net.calls.iter().find(|(_, c)| c.service == "out").unwrap();
    assert_eq!(
        call.provenance,
        vec![weft_air::Provenance::Call {
            peer: "A".into(),
            service: "obj".into(),
            function: "make".into(),
            lens: ".$.n".into()
        }]
    );
}

#[test]
fn canon_signed_by_the_wrong_peer_is_rejected() {
    let real = script(r#"(seq (ap 1 $s) (canon "A" $s #c))"#);
    let other = script(r#"(seq (ap 1 $s) (canon "B" $s #c))"#);
    let by_b = visit(&other, "B", Data::default(), Data::default())
        .outcome
        .data;
    let out = run_once(
        &real,
        "C",
        Data::default(),
        by_b,
        BTreeMap::new(),
        &limits(),
    );
    assert_eq!(out.ret_code, 20103, "{:?}", out.error);
}

#[test]
fn streams_keep_arrival_order_and_the_order_travels() {
    let text = r#"(seq
        (par (seq (call "A" ("op" "identity") [1] $s) (call %init_peer_id% ("op" "noop") []))
             (seq (call "B" ("op" "identity") [2] $s) (call %init_peer_id% ("op" "noop") [])))
        (fold $s x (seq (call "C" ("out" "x") [x]) (next x))))"#;
    let s = script(text);
    let start = visit(&s, INIT, Data::default(), Data::default()).outcome;
    let a = visit(&s, "A", Data::default(), start.data.clone())
        .outcome
        .data;
    let b = visit(&s, "B", Data::default(), start.data.clone())
        .outcome
        .data;
    // The same set of results whatever the merge order (the merge laws)...
    let mut ab = a.clone();
    ab.merge(b.clone(), support::PARTICLE, &support::Keys)
        .unwrap();
    let mut ba = b.clone();
    ba.merge(a.clone(), support::PARTICLE, &support::Keys)
        .unwrap();
    assert_eq!(ab, ba);
    // ...but a stream lists values in the order its peer learned them (AIR.md),
    // and a peer that learns them from another adopts that peer's order: the order
    // travels in the encoding, so C's fold takes the path the init peer's would.
    let order_on_c = |first: &Data, second: &Data| {
        let once = visit(&s, INIT, start.data.clone(), first.clone()).outcome;
        let twice = visit(&s, INIT, once.data, second.clone()).outcome;
        let relayed = Data::from_bytes(&twice.data.to_bytes(), &limits()).unwrap();
        let on_c = visit(&s, "C", Data::default(), relayed);
        on_c.calls
            .iter()
            .map(|c| c.args[0].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(order_on_c(&a, &b), vec![json!(1), json!(2)]);
    assert_eq!(order_on_c(&b, &a), vec![json!(2), json!(1)]);
}
