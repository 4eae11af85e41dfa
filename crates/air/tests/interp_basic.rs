//! Interpreter semantics on one peer: sequencing, errors, values.

#[path = "interp_support.rs"]
mod support;

use serde_json::json;
use support::{local, outs};

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
