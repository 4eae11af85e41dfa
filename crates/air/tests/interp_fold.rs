//! `fold`/`next` placement, LAST, and folds over streams.

#[path = "interp_support.rs"]
mod support;

use serde_json::json;
use support::{local, outs};

const ONE_TWO_THREE: &str = r#"(seq (ap 1 $s) (seq (ap 2 $s) (ap 3 $s)))"#;

fn with_items(body: &str) -> String {
    format!("(seq {ONE_TWO_THREE} (seq (canon %init_peer_id% $s #c) (seq (ap #c xs) {body})))")
}

#[test]
fn next_placement_decides_order() {
    let v = local(&with_items(
        r#"(fold xs i (seq (call %init_peer_id% ("out" "r") [i]) (next i)))"#,
    ));
    assert_eq!(outs(&v, "r"), vec![json!([1]), json!([2]), json!([3])]);

    // What follows `next` runs after the later iterations: fold right.
    let v = local(&with_items(
        r#"(fold xs i (seq (next i) (call %init_peer_id% ("out" "r") [i])))"#,
    ));
    assert_eq!(outs(&v, "r"), vec![json!([3]), json!([2]), json!([1])]);

    // Without next, the body runs once.
    let v = local(&with_items(
        r#"(fold #c i (call %init_peer_id% ("out" "r") [i]))"#,
    ));
    assert_eq!(outs(&v, "r"), vec![json!([1])]);
}

#[test]
fn last_runs_after_the_last_element() {
    let v = local(&with_items(
        r#"(seq (fold xs i (seq (call %init_peer_id% ("out" "r") [i]) (next i))
                  (call %init_peer_id% ("out" "r") ["last"]))
                (call %init_peer_id% ("out" "r") ["after"]))"#,
    ));
    assert_eq!(
        outs(&v, "r"),
        vec![
            json!([1]),
            json!([2]),
            json!([3]),
            json!(["last"]),
            json!(["after"])
        ]
    );
    let v = local(
        r#"(seq (fold [] i (null) (call %init_peer_id% ("out" "r") ["last"]))
                (call %init_peer_id% ("out" "r") ["after"]))"#,
    );
    // As AquaVM: a fold over nothing runs nothing, not even LAST.
    assert_eq!(outs(&v, "r"), vec![json!(["after"])]);
}

#[test]
fn iterator_and_body_scalars_are_scoped_per_iteration() {
    let v = local(&with_items(
        r#"(seq (ap "outer" i)
             (seq (fold xs i (seq (seq (ap i y) (next i)) (call %init_peer_id% ("out" "r") [i y])))
                  (call %init_peer_id% ("out" "after") [i])))"#,
    ));
    assert_eq!(
        outs(&v, "r"),
        vec![json!([3, 3]), json!([2, 2]), json!([1, 1])]
    );
    assert_eq!(outs(&v, "after"), vec![json!(["outer"])]);
}

#[test]
fn nested_folds_and_lens_iterables() {
    let v = local(
        r#"(seq (call %init_peer_id% ("obj" "make") [] x)
             (fold x.$.a.b i (seq (fold x.$.a.b j (seq (call %init_peer_id% ("out" "r") [i j]) (next j))) (next i))))"#,
    );
    assert_eq!(
        outs(&v, "r"),
        vec![
            json!([10, 10]),
            json!([10, 20]),
            json!([20, 10]),
            json!([20, 20])
        ]
    );
}

#[test]
fn stream_fold_sees_later_values_and_waits_when_empty() {
    // Values appended by a later par branch in the same run are iterated too.
    let v = local(
        r#"(par (fold $s i (seq (call %init_peer_id% ("out" "r") [i]) (next i)))
                (seq (ap 1 $s) (ap 2 $s)))"#,
    );
    assert_eq!(outs(&v, "r"), vec![json!([1]), json!([2])]);
    assert_eq!(v.outcome.ret_code, 0);
    // As AquaVM: without LAST, the end of a stream acts as `(never)`: more
    // values may come, so what follows the fold does not run...
    let v = local(
        r#"(seq (seq (ap 1 $s) (fold $s i (seq (call %init_peer_id% ("out" "r") [i]) (next i))))
                (call %init_peer_id% ("out" "after") []))"#,
    );
    assert_eq!(outs(&v, "r"), vec![json!([1])]);
    assert!(outs(&v, "after").is_empty());
    // ... unless the body stops calling next (a join on the stream).
    let v = local(
        r#"(seq (seq (seq (ap 1 $s) (ap 2 $s))
                     (fold $s i (xor (match i 2 (null)) (next i)) (never)))
                (call %init_peer_id% ("out" "after") []))"#,
    );
    assert_eq!(outs(&v, "after").len(), 1);
    // A fold over an empty stream waits for values.
    let v = local(
        r#"(seq (seq (xor (null) (ap 1 $s)) (fold $s i (next i)))
                (call %init_peer_id% ("out" "after") []))"#,
    );
    assert!(outs(&v, "after").is_empty());
}

#[test]
fn call_requests_come_in_execution_order() {
    let v = local(&with_items(
        r#"(fold xs x (par (call %init_peer_id% ("out" "each") [x]) (next x))
             (call %init_peer_id% ("out" "last") []))"#,
    ));
    let order: Vec<_> = v
        .calls
        .iter()
        .map(|c| (c.function.clone(), c.args.clone()))
        .collect();
    assert_eq!(
        order,
        vec![
            ("each".to_owned(), vec![json!(1)]),
            ("each".to_owned(), vec![json!(2)]),
            ("each".to_owned(), vec![json!(3)]),
            ("last".to_owned(), vec![]),
        ]
    );
}

#[test]
fn stream_fold_iterates_values_its_body_appends() {
    let v = local(
        r#"(seq (ap 0 $s)
             (fold $s i
               (seq (seq (call %init_peer_id% ("op" "identity") [i] r)
                         (xor (match r 0 (ap 1 $s)) (null)))
                    (next i))))"#,
    );
    let seen: Vec<_> = v.calls.iter().map(|c| c.args.clone()).collect();
    assert_eq!(seen, vec![vec![json!(0)], vec![json!(1)]]);
}

#[test]
fn fold_over_canon_with_lens_and_length() {
    let v = local(&with_items(
        r#"(seq (call %init_peer_id% ("out" "r") [#c.length #c.$.[2] #c])
                (xor (fold #c.$.[0] i (null))
                     (call %init_peer_id% ("out" "e") [:error:.$.error_code])))"#,
    ));
    assert_eq!(outs(&v, "r"), vec![json!([3, 3, [1, 2, 3]])]);
    assert_eq!(outs(&v, "e"), vec![json!([10005])]);
}

#[test]
fn long_folds_do_not_grow_the_native_stack() {
    // 20,000 nested fold-right iterations: runs on a frame stack, not recursion.
    let script = support::script(
        r#"(seq (call %init_peer_id% ("big" "array") [] xs)
             (seq (fold xs i (seq (next i) (ap i last)))
                  (call %init_peer_id% ("out" "done") [])))"#,
    );
    let big = |request: &weft_air::CallRequest| match request.service.as_str() {
        "big" => weft_air::CallResult::Ok(json!((0..20_000).collect::<Vec<_>>())),
        _ => support::service(request),
    };
    let visit = support::visit_with(
        &script,
        support::INIT,
        Default::default(),
        Default::default(),
        &weft_air::Limits::default(),
        &big,
    );
    assert_eq!(visit.outcome.ret_code, 0, "{:?}", visit.outcome.error);
    assert!(visit.calls.iter().any(|c| c.service == "out"));
}
