//! Every WIT value type crosses into a real guest and back unchanged.

use serde_json::json;
use weft_host::{Error, Host};

use super::support::{call, config, probe, tempdir::Dir};

#[test]
fn every_type_roundtrips_through_the_probe() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let probe = probe(&host, "values", "127.0.0.1:9");
    let cases = [
        ("echo-bool", json!(true)),
        ("echo-s8", json!(-128)),
        ("echo-u8", json!(255)),
        ("echo-s16", json!(-32768)),
        ("echo-u16", json!(65535)),
        ("echo-s32", json!(-2147483648i64)),
        ("echo-u32", json!(4294967295u64)),
        ("echo-s64", json!(i64::MIN)),
        ("echo-u64", json!(u64::MAX)),
        ("echo-f32", json!(0.1)),
        ("echo-f32", json!("NaN")),
        ("echo-f64", json!(-2.5e-300)),
        ("echo-f64", json!("-Infinity")),
        ("echo-char", json!("🦀")),
        ("echo-string", json!("tab\there, nul\u{0}, ünïcödé")),
        ("echo-bytes", json!([0, 1, 255])),
        ("echo-strings", json!([])),
        (
            "echo-person",
            json!({"name": "Ann", "age": 3, "nickname": null, "tags": ["a", "b"]}),
        ),
        ("echo-tuple", json!([7, "seven", false])),
        ("echo-shape", json!({"circle": 1.5})),
        ("echo-shape", json!({"rect": {"x": 1, "y": -1}})),
        ("echo-shape", json!("empty")),
        ("echo-color", json!("blue")),
        ("echo-perms", json!(["read", "exec"])),
        ("echo-perms", json!([])),
        ("echo-option", json!(null)),
        ("echo-option", json!(0)),
        ("echo-option-option", json!(null)),
        ("echo-option-option", json!({"some": null})),
        ("echo-option-option", json!({"some": 5})),
        ("echo-result", json!({"ok": 1})),
        ("echo-result", json!({"err": "no"})),
        ("echo-unit-result", json!({"ok": null})),
        ("echo-unit-result", json!({"err": null})),
        (
            "echo-shapes",
            json!([{"circle": 0.0}, "empty", {"rect": {"x": 0, "y": 0}}]),
        ),
    ];
    for (function, value) in cases {
        let got =
            call(&probe, function, json!([value])).unwrap_or_else(|e| panic!("{function}: {e}"));
        assert_eq!(got, value, "{function}");
    }
}

#[test]
fn arguments_by_position_or_name() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let probe = probe(&host, "args", "127.0.0.1:9");
    assert_eq!(
        call(&probe, "describe-point", json!([1, 2, "p"])).expect("call"),
        json!("p(1, 2)")
    );
    assert_eq!(
        call(&probe, "describe-point", json!({"y": 2, "x": 1})).expect("call"),
        json!("(1, 2)")
    );
    assert_eq!(
        call(&probe, "ping", json!(null)).expect("call"),
        json!("pong")
    );
    assert_eq!(
        call(&probe, "ping", json!([])).expect("call"),
        json!("pong")
    );
}

#[test]
fn mismatches_name_function_parameter_and_type() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let probe = probe(&host, "mismatch", "127.0.0.1:9");
    let err = call(
        &probe,
        "echo-person",
        json!([{"name": "A", "age": 300, "tags": []}]),
    )
    .expect_err("age out of range");
    assert_eq!(
        err.to_string(),
        "values#echo-person: parameter 'x'.age: expected u8 (0..=255), got number 300"
    );
    let err = call(&probe, "describe-point", json!([1])).expect_err("arity");
    assert!(matches!(err, Error::Arguments { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("takes 3 arguments (x: s32, y: s32, label: option<string>), got 1"),
        "{err}"
    );
    let err = call(&probe, "describe-point", json!({"x": 1, "z": 2})).expect_err("unknown name");
    assert!(err.to_string().contains("has no parameter 'z'"), "{err}");
    let err = call(&probe, "describe-point", json!("1,2")).expect_err("not an array");
    assert!(matches!(err, Error::Arguments { .. }), "{err}");
}

#[test]
fn function_names_resolve_or_explain() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let probe = probe(&host, "names", "127.0.0.1:9");
    let err = call(&probe, "hello", json!([])).expect_err("ambiguous");
    assert!(matches!(err, Error::AmbiguousFunction { .. }), "{err}");
    assert!(
        err.to_string().contains("weft:probe/escape@0.1.0#hello"),
        "{err}"
    );
    assert_eq!(
        call(&probe, "escape#hello", json!([])).expect("short"),
        json!("escape")
    );
    assert_eq!(
        call(&probe, "weft:probe/values#hello", json!([])).expect("unversioned"),
        json!("values")
    );
    assert_eq!(
        call(&probe, "weft:probe/values@0.1.0#hello", json!([])).expect("full"),
        json!("values")
    );
    let err = call(&probe, "nope", json!([])).expect_err("unknown");
    assert!(matches!(err, Error::UnknownFunction { .. }), "{err}");
    // Toolchain-internal exports are not offered.
    let interface = host
        .describe(&host.load(&super::support::guest("probe")).expect("load"))
        .expect("describe");
    assert!(
        interface
            .functions
            .iter()
            .all(|f| !f.name.contains("cabi") && !f.name.starts_with("wasi:"))
    );
    assert_eq!(
        interface
            .functions
            .iter()
            .filter(|f| f.interface.is_none())
            .count(),
        1
    );
}
