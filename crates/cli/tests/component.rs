//! `weft component describe|call` on the Rust greeter, run as a real process.

use std::{
    path::PathBuf,
    process::{Command, Output},
};

/// The greeter component, built (or taken from the cache) by scripts/guests.sh.
fn greeter() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = root.join("scripts/guests.sh");
    let status = Command::new("bash")
        .arg(&script)
        .arg("greeter-rust")
        .status()
        .expect("run guests.sh");
    assert!(status.success(), "scripts/guests.sh greeter-rust failed");
    let dir = Command::new("bash")
        .arg(&script)
        .arg("--dir")
        .output()
        .expect("run guests.sh --dir");
    PathBuf::from(String::from_utf8(dir.stdout).expect("utf-8").trim()).join("greeter-rust.wasm")
}

fn weft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .output()
        .expect("run weft")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn call_prints_the_json_result() {
    let file = greeter();
    let file = file.to_str().expect("utf-8 path");
    let output = weft(&["component", "call", file, "make-point", "[3, -4]"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let result: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(result, serde_json::json!({"x": 3, "y": -4}));

    let output = weft(&[
        "component",
        "call",
        file,
        "greet#divide",
        r#"{"a": 1, "b": 0}"#,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let result: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(result, serde_json::json!({"err": "division by zero"}));
}

#[test]
fn describe_lists_every_export() {
    let file = greeter();
    let output = weft(&["component", "describe", file.to_str().expect("utf-8 path")]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    serde_json::from_str::<serde_json::Value>(&text).expect("describe prints JSON");
    for function in [
        "make-point",
        "hello",
        "greet",
        "greet-all",
        "oldest",
        "divide",
    ] {
        assert!(text.contains(function), "{function} missing from {text}");
    }
}

#[test]
fn wrong_input_fails_with_a_message() {
    let file = greeter();
    let file = file.to_str().expect("utf-8 path");
    let cases: [(&[&str], &str); 4] = [
        (&["component", "call", file, "make-point", "[3,"], "JSON"),
        (
            &["component", "call", file, "no-such-function", "[]"],
            "no-such-function",
        ),
        (
            &["component", "call", file, "make-point", r#"["x", 1]"#],
            "make-point",
        ),
        (
            &["component", "describe", "/nonexistent/file.wasm"],
            "file.wasm",
        ),
    ];
    for (args, needle) in cases {
        let output = weft(args);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(output.stdout.is_empty(), "{args:?} printed a result");
        let message = stderr(&output);
        assert!(message.contains(needle), "{args:?}: {message}");
    }
}
