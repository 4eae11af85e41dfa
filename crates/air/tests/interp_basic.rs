//! Interpreter semantics on one peer: sequencing, errors, values.

#[path = "interp_support.rs"]
mod support;

use serde_json::json;
use support::{local, outs};
use weft_air::Provenance;

#[test]
fn seq_runs_calls_in_order_and_binds_results() {
    let v = local(
        r#"(seq
             (call %init_peer_id% ("op" "identity") ["hi"] x)
             (call %init_peer_id% ("out" "a") [x 1 true]))"#,
    );
    assert_eq!(v.outcome.ret_code, 0, "{:?}", v.outcome.error);
    assert_eq!(outs(&v, "a"), vec![json!(["hi", 1, true])]);
}

#[test]
fn particle_parameters() {
    let v = local(r#"(call %init_peer_id% ("out" "p") [%timestamp% %ttl% %init_peer_id% []])"#);
    assert_eq!(
        outs(&v, "p"),
        vec![json!([1_700_000_000_000u64, 60_000, "init", []])]
    );
}

#[test]
fn failed_call_is_caught_with_error_object() {
    let v = local(
        r#"(xor
             (call %init_peer_id% ("op" "fail") ["boom"])
             (call %init_peer_id% ("out" "e") [:error: %last_error%.$.error_code]))"#,
    );
    assert_eq!(v.outcome.ret_code, 0);
    assert_eq!(
        outs(&v, "e"),
        vec![json!([{
            "error_code": 10000,
            "message": "Local service error, ret_code is 7, error message is '\"boom\"'",
            "instruction": "call %init_peer_id% (\"op\" \"fail\") [\"boom\"] ",
            "peer_id": "init"
        }, 10000])]
    );
}

#[test]
fn uncaught_error_ends_run_with_its_code_and_keeps_data() {
    let v = local(
        r#"(seq
             (call %init_peer_id% ("op" "identity") [1] x)
             (call %init_peer_id% ("op" "fail") ["no"]))"#,
    );
    assert_eq!(v.outcome.ret_code, 10000);
    assert_eq!(
        v.outcome.error.as_deref(),
        Some("Local service error, ret_code is 7, error message is '\"no\"'")
    );
    assert_eq!(
        v.outcome.data.entry_count(),
        2,
        "both call results are kept"
    );
}

#[test]
fn error_scope_ends_with_the_xor_and_last_error_stays() {
    let v = local(
        r#"(seq
             (xor (fail 1 "x") (null))
             (call %init_peer_id% ("out" "e") [:error: %last_error%]))"#,
    );
    assert_eq!(
        outs(&v, "e"),
        vec![json!([
            {"error_code": 0, "message": ""},
            {"error_code": 1, "message": "x", "instruction": "fail 1 \"x\"", "peer_id": "init"}
        ])]
    );
}

#[test]
fn fail_literal_uncaught_reports_10006_with_user_object() {
    let v = local(r#"(fail 1 "x")"#);
    assert_eq!(v.outcome.ret_code, 10006);
    assert_eq!(
        v.outcome.error.as_deref(),
        Some(
            r#"fail with '{"error_code":1,"instruction":"fail 1 \"x\"","message":"x","peer_id":"init"}' is used without corresponding xor"#
        )
    );
}

#[test]
fn fail_error_reraises_unchanged() {
    let v = local(
        r#"(xor
             (xor (call %init_peer_id% ("op" "fail") ["b"]) (fail :error:))
             (call %init_peer_id% ("out" "e") [:error:.$.error_code :error:.$.instruction]))"#,
    );
    assert_eq!(
        outs(&v, "e"),
        vec![json!([
            10000,
            "call %init_peer_id% (\"op\" \"fail\") [\"b\"] "
        ])]
    );
}

#[test]
fn fail_scalar_checks_error_object() {
    let v = local(
        r#"(seq (ap "text" x)
             (xor (fail x) (call %init_peer_id% ("out" "e") [:error:.$.error_code :error:.$.message])))"#,
    );
    assert_eq!(
        outs(&v, "e"),
        vec![json!([
            10008,
            "scalar should have an object type to be converted into error object, but '\"text\"' doesn't have"
        ])]
    );
    // A valid object from a call: :error: wraps it, %last_error% is it.
    let v = local(
        r#"(seq (xor (call %init_peer_id% ("op" "fail") ["m"]) (ap :error: err))
           (xor (fail err) (call %init_peer_id% ("out" "e") [:error:.$.error_code %last_error%.$.error_code])))"#,
    );
    assert_eq!(outs(&v, "e"), vec![json!([10006, 10000])]);
}

#[test]
fn match_and_mismatch() {
    let v = local(
        r#"(seq
             (seq
               (xor (match 3 3.0 (call %init_peer_id% ("out" "never") []))
                    (call %init_peer_id% ("out" "m") [:error:.$.error_code :error:.$.message]))
               (xor (mismatch "a" "a" (null))
                    (call %init_peer_id% ("out" "mm") [:error:.$.error_code :error:.$.message])))
             (seq
               (match 3 3 (mismatch 3 3.0 (call %init_peer_id% ("out" "ok") [])))
               (call %init_peer_id% ("out" "last") [%last_error%])))"#,
    );
    assert!(outs(&v, "never").is_empty());
    assert_eq!(
        outs(&v, "m"),
        vec![json!([10001, "compared values do not match"])]
    );
    assert_eq!(
        outs(&v, "mm"),
        vec![json!([10002, "compared values do not mismatch"])]
    );
    assert_eq!(outs(&v, "ok").len(), 1);
    // match failures leave %last_error% alone.
    assert_eq!(
        outs(&v, "last"),
        vec![json!([{"error_code": 0, "message": ""}])]
    );
}

#[test]
fn par_fails_only_when_both_branches_fail() {
    let v = local(
        r#"(xor (par (fail 1 "a") (call %init_peer_id% ("out" "r") []))
                (call %init_peer_id% ("out" "caught") []))"#,
    );
    assert_eq!(outs(&v, "r").len(), 1);
    assert!(outs(&v, "caught").is_empty());

    let v = local(
        r#"(xor (par (fail 1 "a") (fail 2 "b"))
                (call %init_peer_id% ("out" "caught") [:error:.$.message]))"#,
    );
    assert_eq!(outs(&v, "caught").len(), 1);

    // One failed branch next to a waiting one: the par waits, xor does not fire.
    let v = local(
        r#"(xor (par (fail 1 "a") (call "B" ("x" "y") []))
                (call %init_peer_id% ("out" "caught") []))"#,
    );
    assert!(outs(&v, "caught").is_empty());
    assert_eq!(v.outcome.ret_code, 0);
    assert_eq!(v.outcome.next_peers, vec!["B".to_owned()]);
}

#[test]
fn incomplete_branches_wait() {
    let v = local(
        r#"(seq
             (xor (call "B" ("x" "y") [] r) (call %init_peer_id% ("out" "caught") []))
             (call %init_peer_id% ("out" "after") []))"#,
    );
    assert!(outs(&v, "caught").is_empty());
    assert!(outs(&v, "after").is_empty());
    assert_eq!(v.outcome.ret_code, 0);
    let v = local(r#"(seq (never) (call %init_peer_id% ("out" "after") []))"#);
    assert!(outs(&v, "after").is_empty());
}

#[test]
fn lenses_and_their_errors() {
    let v = local(
        r#"(seq (seq (call %init_peer_id% ("obj" "make") [] x) (ap 1 i))
           (seq (call %init_peer_id% ("out" "ok") [x.$.a.b.[1] x.$.a.b.[i] x.$.s])
           (seq (xor (call %init_peer_id% ("out" "no") [x.$.missing])
                     (call %init_peer_id% ("out" "e1") [:error:.$.error_code :error:.$.message]))
           (seq (xor (call %init_peer_id% ("out" "no") [x.$.s.[0]])
                     (call %init_peer_id% ("out" "e2") [:error:.$.message]))
                (xor (call %init_peer_id% ("out" "no") [x.length])
                     (call %init_peer_id% ("out" "e3") [:error:.$.error_code]))))))"#,
    );
    assert_eq!(v.outcome.ret_code, 0, "{:?}", v.outcome.error);
    assert_eq!(outs(&v, "ok"), vec![json!([20, 20, "text"])]);
    assert!(outs(&v, "no").is_empty());
    let e1 = outs(&v, "e1");
    assert_eq!(e1[0][0], json!(10007));
    assert!(
        e1[0][1]
            .as_str()
            .unwrap()
            .contains("field name = 'missing'"),
        "{e1:?}"
    );
    assert_eq!(
        outs(&v, "e2"),
        vec![json!([
            "value '\"text\"' is not an array-type to match array accessor with idx = '0'"
        ])]
    );
    assert_eq!(outs(&v, "e3"), vec![json!([10010])]);
}

#[test]
fn non_string_triplet_and_bad_map_key() {
    let v = local(
        r#"(seq (seq (ap 5 p) (ap true k))
           (seq (xor (call p ("s" "f") [])
                     (call %init_peer_id% ("out" "t") [:error:.$.error_code :error:.$.message]))
                (xor (ap (k "v") %m)
                     (call %init_peer_id% ("out" "m") [:error:.$.error_code]))))"#,
    );
    assert_eq!(
        outs(&v, "t"),
        vec![json!([
            10011,
            "call cannot resolve non-String triplet variable part `p` with value '5'"
        ])]
    );
    assert_eq!(outs(&v, "m"), vec![json!([10012])]);
}

#[test]
fn fold_over_non_array() {
    let v = local(
        r#"(seq (ap "s" xs)
             (xor (fold xs i (null))
                  (call %init_peer_id% ("out" "e") [:error:.$.error_code :error:.$.message])))"#,
    );
    assert_eq!(
        outs(&v, "e"),
        vec![json!([
            10005,
            "expression 'xs' returned non-array value '\"s\"' for fold iterable"
        ])]
    );
}

#[test]
fn new_scopes_restore_outer_bindings() {
    let v = local(
        r#"(seq (seq (ap 1 x) (ap 1 $s))
           (seq (new x (seq (ap 2 x) (call %init_peer_id% ("out" "in") [x])))
           (seq (call %init_peer_id% ("out" "after") [x])
           (seq (new $s (seq (ap 2 $s) (seq (canon %init_peer_id% $s #c)
                   (call %init_peer_id% ("out" "sin") [#c]))))
                (seq (canon %init_peer_id% $s #d) (call %init_peer_id% ("out" "sout") [#d]))))))"#,
    );
    assert_eq!(outs(&v, "in"), vec![json!([2])]);
    assert_eq!(outs(&v, "after"), vec![json!([1])]);
    assert_eq!(outs(&v, "sin"), vec![json!([[2]])]);
    assert_eq!(outs(&v, "sout"), vec![json!([[1]])]);
}

#[test]
fn scalar_cleared_by_new_is_10009() {
    let v = local(
        r#"(new x
             (seq (xor (call %init_peer_id% ("out" "no") [x])
                       (call %init_peer_id% ("out" "e") [:error:.$.error_code :error:.$.message]))
                  (ap 1 x)))"#,
    );
    assert_eq!(
        outs(&v, "e"),
        vec![json!([
            10009,
            "variable with name 'x' was cleared by new and then wasn't set"
        ])]
    );
}

#[test]
fn stream_maps_and_canon_maps() {
    let v = local(
        r#"(seq (seq (ap ("a" 1) %m) (seq (ap ("b" 2) %m) (ap ("a" 3) %m)))
           (seq (seq (canon %init_peer_id% %m #%c) (canon %init_peer_id% %m obj))
           (seq (fold #%c p (seq (call %init_peer_id% ("out" "p") [p]) (next p)))
           (par (fold %m e (seq (call %init_peer_id% ("out" "e") [e.$.key]) (next e)))
                (call %init_peer_id% ("out" "o") [obj #%c.$.a])))))"#,
    );
    assert_eq!(
        outs(&v, "p"),
        vec![
            json!([{"key": "a", "value": 1}]),
            json!([{"key": "b", "value": 2}]),
            json!([{"key": "a", "value": 3}])
        ]
    );
    assert_eq!(
        outs(&v, "e"),
        vec![json!(["a"]), json!(["b"]), json!(["a"])]
    );
    assert_eq!(outs(&v, "o"), vec![json!([{"a": 1, "b": 2}, [1, 3]])]);
    // The fold over the stream map keeps waiting for more pairs.
    assert_eq!(v.outcome.ret_code, 0);
}

#[test]
fn provenance_follows_values_through_lenses_and_ap() {
    let v = local(
        r#"(seq (call %init_peer_id% ("obj" "make") [] x)
           (seq (ap x.$.a y)
                (call %init_peer_id% ("out" "p") [x.$.a.b.[1] 5 x y.$.b])))"#,
    );
    let call = v.calls.iter().find(|c| c.service == "out").unwrap();
    let from = |lens: &str| Provenance::Call {
        peer: "init".into(),
        service: "obj".into(),
        function: "make".into(),
        lens: lens.into(),
    };
    assert_eq!(
        call.provenance,
        vec![
            from(".$.a.b.[1]"),
            Provenance::Literal,
            from(""),
            from(".$.a.b")
        ]
    );
}

#[test]
fn call_ids_are_stable_and_requests_repeat_until_answered() {
    let script = support::script(r#"(call %init_peer_id% ("s" "f") [1])"#);
    let limits = weft_air::Limits::default();
    let run = |prev| {
        support::run_once(
            &script,
            "init",
            prev,
            Default::default(),
            Default::default(),
            &limits,
        )
    };
    let first = run(Default::default());
    let second = run(first.data);
    assert_eq!(first.call_requests.len(), 1);
    assert_eq!(first.call_requests, second.call_requests);
    assert!(
        second.data.is_empty(),
        "a pending local call records nothing"
    );
}

#[test]
fn fold_over_one_key_of_a_canon_map() {
    let v = local(
        r#"(seq (seq (ap ("a" 1) %m) (seq (ap ("b" 2) %m) (ap ("a" 3) %m)))
           (seq (canon %init_peer_id% %m #%c)
                (fold #%c.$.a v (seq (call %init_peer_id% ("out" "v") [v]) (next v)))))"#,
    );
    assert_eq!(v.outcome.ret_code, 0, "{:?}", v.outcome.error);
    assert_eq!(outs(&v, "v"), vec![json!([1]), json!([3])]);
}

#[test]
fn new_scopes_stream_maps_and_canons() {
    let v = local(
        r#"(seq (seq (ap ("k" "outer") %m) (canon %init_peer_id% %m #%c))
           (seq (new %m (seq (ap ("k" "inner") %m)
                   (new #%c (seq (canon %init_peer_id% %m #%c)
                                 (call %init_peer_id% ("out" "in") [#%c])))))
                (call %init_peer_id% ("out" "out") [#%c])))"#,
    );
    assert_eq!(outs(&v, "in"), vec![json!([{"k": ["inner"]}])]);
    assert_eq!(outs(&v, "out"), vec![json!([{"k": ["outer"]}])]);
}

#[test]
fn scalar_set_twice_outside_a_fold_is_a_hard_error() {
    let v = local(r#"(seq (ap 1 x) (seq (ap 2 x) (call %init_peer_id% ("out" "x") [x])))"#);
    assert_eq!(v.outcome.ret_code, 20007);
    assert_eq!(
        v.outcome.error.as_deref(),
        Some("trying to shadow variable 'x', but shadowing is allowed only inside fold blocks")
    );
    assert!(v.outcome.data.is_empty());
}

#[test]
fn caught_error_becomes_last_error_and_missing_map_keys_are_empty() {
    let v = local(
        r#"(seq (seq (ap ("k" 1) %m) (canon %init_peer_id% %m #%c))
           (seq (xor (par (fail 1 "first") (fail 2 "second"))
                     (call %init_peer_id% ("out" "e") [:error:.$.error_code %last_error%.$.error_code]))
                (call %init_peer_id% ("out" "m") [#%c.$.absent #%c.$.k])))"#,
    );
    assert_eq!(outs(&v, "e"), vec![json!([10006, 2])]);
    assert_eq!(outs(&v, "m"), vec![json!([[], [1]])]);
}
