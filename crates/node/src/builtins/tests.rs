//! The pure builtins from data: every function's cases are rows of [`cases`], run through
//! one [`check`]; limits, which need large inputs, are built in code below.

mod cases;

use serde_json::{Value, json};

use super::op::{MAX_BASE58_BYTES, MAX_BASE58_TEXT};
use super::{MAX_RESULT_BYTES, MAX_RESULT_ITEMS, call_pure, pure_functions};

/// One row: service, function, the arguments as a JSON array, and the expected result as
/// JSON text or the expected error message.
type Case = (
    &'static str,
    &'static str,
    &'static str,
    Result<&'static str, &'static str>,
);

fn check(service: &str, function: &str, args_json: &str, expected: Result<&str, &str>) {
    let args: Vec<Value> = serde_json::from_str(args_json).expect("arguments are a JSON array");
    let got = call_pure(service, function, &args)
        .unwrap_or_else(|| panic!("{service}.{function} is not a pure builtin"));
    let expected = expected
        .map(|json| serde_json::from_str::<Value>(json).expect("expected result is JSON"))
        .map_err(str::to_owned);
    assert_eq!(got, expected, "{service}.{function}({args_json})");
}

fn check_all(cases: &[Case]) {
    for (service, function, args, expected) in cases {
        check(service, function, args, *expected);
    }
}

#[test]
fn op() {
    check_all(cases::OP);
}

#[test]
fn math() {
    check_all(cases::MATH);
}

#[test]
fn cmp() {
    check_all(cases::CMP);
}

#[test]
fn array() {
    check_all(cases::ARRAY);
}

#[test]
fn json() {
    check_all(cases::JSON);
}

#[test]
fn debug() {
    check_all(cases::DEBUG);
}

/// A function without a row would be untested: every builtin has a successful case, and
/// every one that takes arguments a failing one.
#[test]
fn every_function_has_cases() {
    let all: Vec<&Case> = cases::ALL.iter().flat_map(|table| table.iter()).collect();
    for (service, function) in pure_functions() {
        let results: Vec<bool> = all
            .iter()
            .filter(|(s, f, _, _)| (*s, *f) == (service, function))
            .map(|(_, _, _, expected)| expected.is_ok())
            .collect();
        assert!(
            results.contains(&true),
            "{service}.{function} has no successful case"
        );
        let takes_anything = matches!((service, function), ("op", "noop") | ("op", "array"))
            || (service, function) == ("debug", "stringify");
        assert!(
            takes_anything || results.contains(&false),
            "{service}.{function} has no failing case"
        );
    }
}

#[test]
fn other_services_are_not_pure_builtins() {
    for (service, function) in [
        ("peer", "identify"),
        ("peer", "timestamp_ms"),
        ("srv", "list"),
        ("op", "no_such_function"),
        ("math", "sqrt"),
        ("", ""),
        ("OP", "noop"),
    ] {
        assert_eq!(
            call_pure(service, function, &[]),
            None,
            "{service}.{function}"
        );
    }
}

fn error_of(service: &str, function: &str, args: &[Value]) -> String {
    match call_pure(service, function, args) {
        Some(Err(message)) => message,
        other => panic!("{service}.{function} should fail, got {other:?}"),
    }
}

#[test]
fn array_results_are_bounded() {
    let half = Value::Array(vec![Value::Null; MAX_RESULT_ITEMS / 2 + 1]);
    assert_eq!(
        error_of("op", "concat", &[half.clone(), half.clone()]),
        format!(
            "op.concat: the result would have {} elements, more than the limit of {MAX_RESULT_ITEMS}",
            (MAX_RESULT_ITEMS / 2 + 1) * 2
        )
    );
    let args = vec![Value::Null; MAX_RESULT_ITEMS + 1];
    assert!(error_of("op", "array", &args).starts_with("op.array: the result would have"));
    let full = Value::Array(vec![json!(1); MAX_RESULT_ITEMS]);
    let concat = call_pure("op", "concat", &[full.clone(), json!([])]);
    assert_eq!(concat, Some(Ok(full)), "exactly the limit is allowed");
}

#[test]
fn strings_are_bounded() {
    let half = Value::String("x".repeat(MAX_RESULT_BYTES / 2 + 1));
    assert!(
        error_of("op", "concat_strings", &[half.clone(), half.clone()])
            .starts_with("op.concat_strings: the result would be")
    );
    let over = Value::String("x".repeat(MAX_RESULT_BYTES));
    let too_long = format!("the JSON text would exceed {MAX_RESULT_BYTES} bytes");
    assert_eq!(
        error_of("json", "stringify", std::slice::from_ref(&over)),
        format!("json.stringify: {too_long}")
    );
    assert_eq!(
        error_of("debug", "stringify", &[json!(1), over]),
        format!("debug.stringify: {too_long}")
    );
}

#[test]
fn base58_input_is_bounded() {
    let bytes_over = "x".repeat(MAX_BASE58_BYTES + 1);
    assert_eq!(
        error_of("op", "string_to_b58", &[json!(bytes_over)]),
        format!(
            "op.string_to_b58: argument 1 is {} bytes, more than the base58 limit of {MAX_BASE58_BYTES}",
            MAX_BASE58_BYTES + 1
        )
    );
    let array_over = Value::Array(vec![json!(0); MAX_BASE58_BYTES + 1]);
    assert!(
        error_of("op", "bytes_to_b58", &[array_over]).starts_with("op.bytes_to_b58: argument 1 is")
    );
    let text_over = "1".repeat(MAX_BASE58_TEXT + 1);
    for function in ["string_from_b58", "bytes_from_b58"] {
        assert_eq!(
            error_of("op", function, &[json!(text_over)]),
            format!(
                "op.{function}: argument 1 is {} characters, more than the base58 limit of {MAX_BASE58_TEXT}",
                MAX_BASE58_TEXT + 1
            )
        );
    }
}

/// The largest input encodes, and its encoding (the longest there is) decodes.
#[test]
fn base58_round_trips_at_the_limit() {
    let bytes = vec![255u8; MAX_BASE58_BYTES];
    let Some(Ok(encoded)) = call_pure("op", "bytes_to_b58", &[json!(bytes)]) else {
        panic!("encoding {MAX_BASE58_BYTES} bytes failed")
    };
    assert!(
        encoded
            .as_str()
            .is_some_and(|text| text.len() <= MAX_BASE58_TEXT)
    );
    assert_eq!(
        call_pure("op", "bytes_from_b58", &[encoded]),
        Some(Ok(json!(bytes)))
    );
}

#[test]
fn sha256_of_a_large_string() {
    let big = json!("a".repeat(8 << 20));
    let Some(Ok(Value::String(hash))) = call_pure("op", "sha256_string", &[big]) else {
        panic!("sha256_string failed")
    };
    // A base58 SHA-256 multihash: always 46 characters starting with "Qm".
    assert!(hash.starts_with("Qm") && hash.len() == 46, "{hash}");
}

#[test]
fn errors_quote_long_strings_briefly() {
    let long = json!("y".repeat(100_000));
    let message = error_of("op", "array_length", &[long]);
    assert!(message.len() < 150, "{message}");
    assert!(message.ends_with("... (100000 bytes)"), "{message}");
}

#[test]
fn json_parse_refuses_deep_nesting() {
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let message = error_of("json", "parse", &[json!(deep)]);
    assert!(
        message.starts_with("json.parse: argument 1 is not valid JSON: recursion limit exceeded"),
        "{message}"
    );
}
