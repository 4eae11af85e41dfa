//! `weft flow ...` run as a process: exit codes, stdout and stderr.

use std::path::PathBuf;
use std::process::{Command, Output};

fn weft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .output()
        .expect("the weft binary runs")
}

/// Writes `source` to a file of its own (tests run in parallel) and returns its path.
fn script(name: &str, source: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("flow-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, source).expect("script written");
    path.to_string_lossy().into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const HOP: &str = r#"(seq
  (call "a" ("greeter" "hello") ["hi"] r) ; ok = "hello back"
  (call %init_peer_id% ("callbackSrv" "response") [r])
)
"#;

#[test]
fn simulate_prints_one_json_line() {
    let output = weft(&["flow", "simulate", &script("hop.air", HOP)]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.ends_with('\n') && text.trim_end().lines().count() == 1,
        "{text:?}"
    );
    let report: serde_json::Value = serde_json::from_str(&text).expect("stdout is JSON");
    let expected = serde_json::json!({
        "calls": [
            {"peer": "a", "service": "greeter", "function": "hello", "args": ["hi"],
             "result": "hello back", "error": null},
            {"peer": "init", "service": "callbackSrv", "function": "response",
             "args": ["hello back"], "result": null, "error": null},
        ],
        "peers": {
            "a": {"ret_code": 0, "error": null},
            "init": {"ret_code": 0, "error": null},
        },
        "step_limit": false,
    });
    assert_eq!(report, expected);
    // Stable key order: the same text every time, keys sorted.
    assert!(text.starts_with(r#"{"calls":[{"args":["hi"],"error":null,"function":"hello""#));
}

#[test]
fn simulate_names_the_init_peer() {
    let path = script("init.air", HOP);
    let output = weft(&["flow", "simulate", &path, "--init-peer", "alice"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(report["calls"][1]["peer"], "alice");
    assert!(report["peers"].get("alice").is_some());
    assert!(report["peers"].get("init").is_none());
}

#[test]
fn simulate_reports_uncaught_errors_in_peers_not_exit_code() {
    let path = script(
        "fails.air",
        "(call %init_peer_id% (\"s\" \"f\") []) ; err = {\"ret_code\": 3, \"message\": \"no\"}\n",
    );
    let output = weft(&["flow", "simulate", &path]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(
        report["calls"][0]["error"],
        serde_json::json!({"ret_code": 3, "message": "no"})
    );
    assert_eq!(report["peers"]["init"]["ret_code"], 10000);
}

#[test]
fn simulate_rejects_a_bad_script_with_a_located_error() {
    let path = script(
        "bad.air",
        "(seq\n  (call \"a\" (\"s\" \"f\") [])\n  (bogus))\n",
    );
    let output = weft(&["flow", "simulate", &path]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    let err = stderr(&output);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("line 3, column"), "{err}");
    assert!(err.contains("bogus") && err.contains('^'), "{err}");
    assert!(err.contains("bad.air"), "{err}");
}

#[test]
fn simulate_rejects_a_malformed_annotation() {
    let path = script(
        "annotation.air",
        "(call \"a\" (\"s\" \"f\") []) ; ok = {nope\n",
    );
    let output = weft(&["flow", "simulate", &path]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("line 1") && err.contains("ok expects one JSON value"),
        "{err}"
    );
}

#[test]
fn unreadable_file_is_a_clear_error() {
    for command in ["simulate", "fmt", "check"] {
        let output = weft(&["flow", command, "/nonexistent/flow.air"]);
        assert_eq!(output.status.code(), Some(1), "{command}");
        let err = stderr(&output);
        assert!(
            err.starts_with("error: cannot read the script /nonexistent/flow.air"),
            "{command}: {err}"
        );
    }
}

#[test]
fn check_accepts_a_valid_script() {
    let output = weft(&["flow", "check", &script("check_ok.air", HOP)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "ok\n");
}

#[test]
fn check_rejects_an_undefined_variable() {
    let path = script("check_bad.air", "(call \"a\" (\"s\" \"f\") [nowhere])\n");
    let output = weft(&["flow", "check", &path]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    let err = stderr(&output);
    assert!(
        err.contains("nowhere") && err.contains("line 1, column"),
        "{err}"
    );
}

#[test]
fn fmt_pretty_prints_without_validating() {
    // `nowhere` is undefined: fmt must still print it (only check and simulate validate).
    let path = script(
        "fmt.air",
        "(seq (call \"a\" (\"s\" \"f\") [nowhere] x) (null))",
    );
    let output = weft(&["flow", "fmt", &path]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "(seq\n  (call \"a\" (\"s\" \"f\") [nowhere] x)\n  (null)\n)\n"
    );
}

#[test]
fn fmt_rejects_a_syntax_error() {
    let output = weft(&["flow", "fmt", &script("fmt_bad.air", "(seq (null)")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("line 1, column"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn help_is_available_everywhere() {
    for args in [
        &["--help"][..],
        &["flow", "--help"],
        &["flow", "simulate", "--help"],
        &["flow", "fmt", "--help"],
        &["flow", "check", "--help"],
    ] {
        let output = weft(args);
        assert!(output.status.success(), "{args:?}");
        assert!(stdout(&output).contains("Usage: weft"), "{args:?}");
    }
    let output = weft(&["flow", "simulate", "--help"]);
    assert!(stdout(&output).contains("--init-peer"));
}

#[test]
fn missing_arguments_are_usage_errors() {
    let output = weft(&["flow", "simulate"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("FILE"), "{}", stderr(&output));
}
