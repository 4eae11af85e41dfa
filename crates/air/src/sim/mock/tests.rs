//! Annotation parsing and mock answers.

use proptest::prelude::*;
use serde_json::json;

use super::*;

fn only(source: &str) -> Mock {
    let mocks = mocks_by_line(source).unwrap();
    assert_eq!(mocks.len(), 1, "{mocks:?}");
    mocks.into_values().next().unwrap()
}

fn ok(value: Value) -> CallResult {
    CallResult::Ok(value)
}

#[test]
fn annotations_bind_to_their_line() {
    let source = "(seq\n (call \"a\" (\"s\" \"f\") []) ; ok = 1\n (null)) ;; ok = [2]\n";
    let mocks = mocks_by_line(source).unwrap();
    assert_eq!(mocks.keys().copied().collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(mocks[&3].answer(&[], 0), ok(json!([2])));
}

#[test]
fn semicolons_inside_strings_are_not_comments() {
    let source = "(call \"a;ok = 1\" (\"s\" \"f\") [\"x\ny\"]) ; ok = 2";
    let mocks = mocks_by_line(source).unwrap();
    assert_eq!(mocks.keys().copied().collect::<Vec<_>>(), vec![2]);
}

#[test]
fn plain_comments_are_ignored() {
    let mocks = mocks_by_line("; okay then\n; mapping = x\n; hello\n(null)").unwrap();
    assert!(mocks.is_empty());
}

#[test]
fn ok_and_err() {
    assert_eq!(
        only("; ok = {\"a\": [1]}").answer(&[], 5),
        ok(json!({"a": [1]}))
    );
    assert_eq!(
        only(r#"; err = {"ret_code": 7, "message": "no"}"#).answer(&[], 0),
        CallResult::Err {
            ret_code: 7,
            message: json!("no")
        }
    );
}

#[test]
fn echo_and_arg() {
    let args = [json!(1), json!("b")];
    assert_eq!(
        only("; behaviour = echo").answer(&args, 0),
        ok(json!([1, "b"]))
    );
    assert_eq!(only("; behaviour = arg.1").answer(&args, 0), ok(json!("b")));
    let CallResult::Err { ret_code, .. } = only("; behaviour = arg.2").answer(&args, 0) else {
        panic!("arg past the end must fail");
    };
    assert_eq!(ret_code, 1);
}

#[test]
fn seq_ok_counts_calls() {
    let mock = only(r#"; seq_ok = {"0": "a", "2": "c", "default": "d"}"#);
    let answers: Vec<_> = (0..4).map(|n| mock.answer(&[], n)).collect();
    assert_eq!(
        answers,
        [
            ok(json!("a")),
            ok(json!("d")),
            ok(json!("c")),
            ok(json!("d"))
        ]
    );
    assert_eq!(
        only(r#"; seq_ok = {"0": 1}"#).answer(&[], 1),
        ok(Value::Null)
    );
}

#[test]
fn map_by_first_argument() {
    let mock = only(r#"; map = {"k": 1}"#);
    assert_eq!(mock.answer(&[json!("k"), json!(0)], 0), ok(json!(1)));
    for args in [vec![json!("other")], vec![json!(3)], vec![]] {
        assert!(
            matches!(mock.answer(&args, 0), CallResult::Err { ret_code: 1, .. }),
            "{args:?}"
        );
    }
}

#[test]
fn malformed_annotations_name_their_line() {
    for bad in [
        "; ok = {",
        "; ok = 1 2",
        r#"; err = {"ret_code": 0, "message": "x"}"#,
        r#"; err = {"ret_code": 1}"#,
        r#"; err = {"ret_code": 1, "message": 2}"#,
        r#"; err = {"ret_code": 1, "message": "x", "extra": 1}"#,
        "; behaviour = unit",
        "; behaviour = arg.x",
        r#"; seq_ok = {"first": 1}"#,
        "; seq_ok = [1]",
        "; map = []",
    ] {
        let source = format!("(null)\n{bad}");
        let error = mocks_by_line(&source).unwrap_err().to_string();
        assert!(error.contains("line 2"), "{bad}: {error}");
    }
}

proptest! {
    #[test]
    fn any_source_never_panics(source in "\\PC{0,200}") {
        let _ = mocks_by_line(&source);
    }

    #[test]
    fn any_annotation_answers_without_panicking(
        key in prop::sample::select(KEYS.to_vec()),
        value in "\\PC{0,40}",
        times in 0usize..4,
    ) {
        if let Ok(mocks) = mocks_by_line(&format!("(null) ; {key} = {value}")) {
            for mock in mocks.values() {
                let _ = mock.answer(&[json!("k"), json!(1)], times);
                let _ = mock.answer(&[], times);
            }
        }
    }
}
