//! What the parser accepts and what it builds: every instruction, every value
//! form, node ids, spans, the printer, validation and limits.

use weft_air::*;

fn syntax(src: &str) -> Script {
    parse_syntax(src).unwrap_or_else(|e| panic!("{src}\n{e}"))
}

fn valid(src: &str) -> Script {
    parse(src).unwrap_or_else(|e| panic!("{src}\n{e}"))
}

fn name(text: &str) -> Name {
    Name::from(text)
}

fn lens(steps: Vec<LensStep>, bang: bool) -> Option<Lens> {
    Some(Lens { steps, bang })
}

fn number(text: &str) -> Value {
    Value::Literal(Literal::Number(text.parse().expect("number")))
}

/// The value `text` parses to, read as the source of an `ap`.
fn value(text: &str) -> Value {
    let script = syntax(&format!("(ap {text} out)"));
    match script.root.kind {
        InstrKind::Ap(ap) => match *ap {
            Ap::Value { source, .. } => source,
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_value_form() {
    let scalar = |n: &str, l| Value::Scalar {
        name: name(n),
        lens: l,
    };
    let cases = vec![
        (r#""text""#, Value::Literal(Literal::String("text".into()))),
        (r#""""#, Value::Literal(Literal::String(String::new()))),
        (
            r#""a ; (b) [c]""#,
            Value::Literal(Literal::String("a ; (b) [c]".into())),
        ),
        ("42", number("42")),
        ("-1", number("-1")),
        ("1.5", number("1.5")),
        ("-2.5e3", number("-2500.0")),
        ("18446744073709551615", number("18446744073709551615")),
        ("true", Value::Literal(Literal::Bool(true))),
        ("false", Value::Literal(Literal::Bool(false))),
        ("[]", Value::Literal(Literal::EmptyArray)),
        ("[ ]", Value::Literal(Literal::EmptyArray)),
        ("x", scalar("x", None)),
        ("-if-error-", scalar("-if-error-", None)),
        ("array-inline-0", scalar("array-inline-0", None)),
        ("resp_1", scalar("resp_1", None)),
        ("1a", scalar("1a", None)),
        ("-1x", scalar("-1x", None)),
        (
            "x.$.a.b",
            scalar(
                "x",
                lens(
                    vec![LensStep::Field("a".into()), LensStep::Field("b".into())],
                    false,
                ),
            ),
        ),
        (
            "x.$.[0]",
            scalar("x", lens(vec![LensStep::Index(0)], false)),
        ),
        (
            "x.$.[i]",
            scalar("x", lens(vec![LensStep::Var(name("i"))], false)),
        ),
        (
            "x.$.a.[2].b!",
            scalar(
                "x",
                lens(
                    vec![
                        LensStep::Field("a".into()),
                        LensStep::Index(2),
                        LensStep::Field("b".into()),
                    ],
                    true,
                ),
            ),
        ),
        (
            "x.$.[0]!",
            scalar("x", lens(vec![LensStep::Index(0)], true)),
        ),
        ("x.$", scalar("x", lens(vec![], false))),
        (
            "x.$[1].cde[i]",
            scalar(
                "x",
                lens(
                    vec![
                        LensStep::Index(1),
                        LensStep::Field("cde".into()),
                        LensStep::Var(name("i")),
                    ],
                    false,
                ),
            ),
        ),
        (
            "x.$.a!.b",
            scalar(
                "x",
                lens(
                    vec![LensStep::Field("a".into()), LensStep::Field("b".into())],
                    true,
                ),
            ),
        ),
        ("x.length", Value::ScalarLength(name("x"))),
        ("$s", Value::Stream(name("s"))),
        (
            "#c",
            Value::Canon {
                name: name("c"),
                lens: None,
            },
        ),
        (
            "#$c",
            Value::Canon {
                name: name("$c"),
                lens: None,
            },
        ),
        (
            "#c.$.[1]",
            Value::Canon {
                name: name("c"),
                lens: lens(vec![LensStep::Index(1)], false),
            },
        ),
        ("#c.length", Value::CanonLength(name("c"))),
        (
            "#%m",
            Value::CanonMap {
                name: name("m"),
                lens: None,
            },
        ),
        (
            "#%m.$.key",
            Value::CanonMap {
                name: name("m"),
                lens: lens(vec![LensStep::Field("key".into())], false),
            },
        ),
        ("%init_peer_id%", Value::InitPeerId),
        ("%timestamp%", Value::Timestamp),
        ("%ttl%", Value::Ttl),
        (":error:", Value::Error(None)),
        (
            ":error:.$.message",
            Value::Error(lens(vec![LensStep::Field("message".into())], false)),
        ),
        ("%last_error%", Value::LastError(None)),
        (
            "%last_error%.$.error_code",
            Value::LastError(lens(vec![LensStep::Field("error_code".into())], false)),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(value(text), expected, "{text}");
        let printed = match text {
            "[ ]" => "[]",
            "-2.5e3" => "-2500.0",
            // AquaVM's optional dots and inner `!` print in one canonical form.
            "x.$[1].cde[i]" => "x.$.[1].cde.[i]",
            "x.$.a!.b" => "x.$.a.b!",
            _ => text,
        };
        assert_eq!(value_to_string(&expected), printed, "{text}");
    }
}

#[test]
fn integer_and_float_stay_different() {
    assert_ne!(value("3"), value("3.0"));
    assert_eq!(value_to_string(&value("3.0")), "3.0");
    assert_eq!(value_to_string(&value("3")), "3");
    // Error objects show instructions as AquaVM prints them: floats through
    // Rust's f64 formatting. The formatter keeps the source form.
    let script = syntax("(match 3.0 1.5 (null))");
    assert_eq!(instr_head(&script.root), "match 3 1.5");
    assert!(print(&script).starts_with("(match 3.0 1.5\n"));
}

#[test]
fn every_instruction_and_its_head() {
    let cases = [
        (
            r#"(call %init_peer_id% ("srv" "fn") [a "b" 1] out)"#,
            r#"call %init_peer_id% ("srv" "fn") [a "b" 1] out"#,
        ),
        (
            r#"(call p ("srv" "fn") [] $out)"#,
            r#"call p ("srv" "fn") [] $out"#,
        ),
        // AquaVM prints a call without output with a trailing space; so do we.
        (
            r#"(call peer.$.id (srv fn.$.name) [])"#,
            r#"call peer.$.id (srv fn.$.name) [] "#,
        ),
        ("(seq (null) (never))", "seq"),
        ("(par (null) (never))", "par"),
        ("(xor (null) (never))", "xor"),
        ("(match x 1 (null))", "match x 1"),
        (
            r#"(mismatch "a" #c.length (null))"#,
            r#"mismatch "a" #c.length"#,
        ),
        ("(fold xs i (next i))", "fold xs i"),
        ("(fold [] i (null) (never))", "fold [] i"),
        ("(next i)", "next i"),
        ("(new $s (null))", "new $s"),
        ("(ap x.$.a y)", "ap x.$.a y"),
        ("(ap 1 $s)", "ap 1 $s"),
        (r#"(ap ("k" v) %m)"#, r#"ap ("k" v) %m"#),
        ("(canon peer $s #c)", "canon peer $s #c"),
        ("(canon peer %m #%c)", "canon peer %m #%c"),
        ("(canon peer %m obj)", "canon peer %m obj"),
        (r#"(fail 1 "msg")"#, r#"fail 1 "msg""#),
        ("(fail -7 \"\")", "fail -7 \"\""),
        ("(fail err.$.e)", "fail err.$.e"),
        ("(fail :error:)", "fail :error:"),
        ("(fail %last_error%)", "fail %last_error%"),
        ("(null)", "null"),
        ("(never)", "never"),
    ];
    for (src, head) in cases {
        assert_eq!(instr_head(&syntax(src).root), head, "{src}");
    }
}

#[test]
fn instructions_build_the_expected_tree() {
    let script = syntax("(fold #%m.$.k kv (seq (ap kv $s) (next kv)) (canon p $s #c))");
    let InstrKind::Fold(fold) = &script.root.kind else {
        panic!("{script:?}")
    };
    assert_eq!(
        fold.iterable,
        Iterable::CanonMapKey {
            name: name("m"),
            key: Box::new(Value::Literal(Literal::String("k".into())))
        }
    );
    assert_eq!(fold.iterator, name("kv"));
    assert!(matches!(fold.body.kind, InstrKind::Seq(..)));
    assert!(matches!(
        fold.last.as_ref().map(|l| &l.kind),
        Some(InstrKind::Canon(_))
    ));

    let call = syntax(r#"(call "peer" ("s" "f") [$s #c] x)"#);
    let InstrKind::Call(call) = call.root.kind else {
        panic!()
    };
    assert_eq!(call.peer, Value::Literal(Literal::String("peer".into())));
    assert_eq!(
        call.args,
        vec![
            Value::Stream(name("s")),
            Value::Canon {
                name: name("c"),
                lens: None
            }
        ]
    );
    assert_eq!(call.output, CallOutput::Scalar(name("x")));

    let ap = syntax(r#"(ap ("k" 1) %m)"#);
    let InstrKind::Ap(ap) = ap.root.kind else {
        panic!()
    };
    assert_eq!(
        *ap,
        Ap::MapInsert {
            key: value(r#""k""#),
            value: number("1"),
            map: name("m")
        }
    );

    let fail = syntax(r#"(fail 10 "boom")"#);
    let InstrKind::Fail(fail) = fail.root.kind else {
        panic!()
    };
    assert_eq!(
        *fail,
        Fail::Literal {
            code: 10,
            message: "boom".into()
        }
    );

    let mismatch = syntax("(mismatch 1 2 (null))");
    let InstrKind::Match(m) = mismatch.root.kind else {
        panic!()
    };
    assert!(m.negated);
}

#[test]
fn every_fold_iterable_and_new_variable() {
    let iterable = |text: &str| {
        let script = syntax(&format!("(fold {text} i (null))"));
        let InstrKind::Fold(fold) = script.root.kind else {
            panic!()
        };
        fold.iterable
    };
    assert_eq!(iterable("[]"), Iterable::EmptyArray);
    assert_eq!(
        iterable("xs"),
        Iterable::Scalar {
            name: name("xs"),
            lens: None
        }
    );
    assert_eq!(
        iterable("x.$.items"),
        Iterable::Scalar {
            name: name("x"),
            lens: lens(vec![LensStep::Field("items".into())], false)
        }
    );
    assert_eq!(
        iterable("#c"),
        Iterable::Canon {
            name: name("c"),
            lens: None
        }
    );
    assert_eq!(
        iterable("#c.$.[0]"),
        Iterable::Canon {
            name: name("c"),
            lens: lens(vec![LensStep::Index(0)], false)
        }
    );
    assert_eq!(iterable("#%m"), Iterable::CanonMap(name("m")));
    assert_eq!(
        iterable("#%m.$.[k]"),
        Iterable::CanonMapKey {
            name: name("m"),
            key: Box::new(value("k"))
        }
    );
    assert_eq!(
        iterable("#%m.$.[3]"),
        Iterable::CanonMapKey {
            name: name("m"),
            key: Box::new(number("3"))
        }
    );
    assert_eq!(iterable("$s"), Iterable::Stream(name("s")));
    assert_eq!(iterable("%m"), Iterable::StreamMap(name("m")));

    let variable = |text: &str| {
        let script = syntax(&format!("(new {text} (null))"));
        let InstrKind::New(new) = script.root.kind else {
            panic!()
        };
        new.var
    };
    assert_eq!(variable("x"), Variable::Scalar(name("x")));
    assert_eq!(variable("$s"), Variable::Stream(name("s")));
    assert_eq!(variable("%m"), Variable::StreamMap(name("m")));
    assert_eq!(variable("#c"), Variable::Canon(name("c")));
    assert_eq!(variable("#%c"), Variable::CanonMap(name("c")));
}

#[test]
fn node_ids_are_preorder_and_spans_are_byte_ranges() {
    let src = "; lead comment\n(seq ; why\n (par (null) (never))\n (fold [] i (next i) (null)))";
    let script = valid(src);
    assert_eq!(script.node_count, 7);
    let mut seen = Vec::new();
    let mut stack = vec![&script.root];
    while let Some(instr) = stack.pop() {
        seen.push((
            instr.id.0,
            &src[instr.span.start as usize..instr.span.end as usize],
        ));
        let children: Vec<_> = instr.children().collect();
        stack.extend(children.into_iter().rev());
    }
    let ids: Vec<u32> = seen.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, (0..7).collect::<Vec<_>>());
    assert_eq!(seen[1].1, "(par (null) (never))");
    assert_eq!(seen[4].1, "(fold [] i (next i) (null))");
    assert_eq!(seen[5].1, "(next i)");
    assert!(seen[0].1.starts_with("(seq ; why\n") && seen[0].1.ends_with("(null)))"));
}

#[test]
fn whitespace_and_comments_go_anywhere_between_tokens() {
    let src = "\t( seq;c\r\n(null);c\n( call\tp\n(s f)[\n a ;c\n]) ) ; end";
    let script = syntax(src);
    assert_eq!(script.node_count, 3);
    assert!(!syntax("(seq (null)(null))").same_shape(&script));
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let script = syntax("\u{feff}(null)");
    assert_eq!(script.root.span, Span { start: 3, end: 9 });
}

#[test]
fn printing_is_nested_and_parses_back() {
    let src = r#"(xor (seq (call %init_peer_id% ("getDataSrv" "-relay-") [] -relay-) (fold [] i (seq (null) (next i)) (never))) (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0]))"#;
    let script = valid(src);
    let printed = print(&script);
    let expected = r#"(xor
  (seq
    (call %init_peer_id% ("getDataSrv" "-relay-") [] -relay-)
    (fold [] i
      (seq
        (null)
        (next i)
      )
      (never)
    )
  )
  (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0])
)
"#;
    assert_eq!(printed, expected);
    assert!(valid(&printed).same_shape(&script));
}

#[test]
fn validation_accepts_joins_streams_and_scopes() {
    // A value defined later in the text (on another branch) is a join, not an error.
    valid(r#"(par (call %init_peer_id% ("s" "f") [x]) (call %init_peer_id% ("s" "g") [] x))"#);
    // Streams and stream maps are implicitly empty: nothing needs to write them.
    valid("(seq (canon %init_peer_id% $s #c) (call %init_peer_id% (\"s\" \"f\") [#c $s]))");
    valid("(seq (canon %init_peer_id% %m #%c) (fold %m kv (null)))");
    valid("(fold $s i (seq (null) (next i)))");
    // Nested folds: `next` may continue any enclosing fold.
    valid("(fold [] i (fold [] j (seq (next j) (next i))))");
    // `new` defines its variable.
    valid("(new x (seq (ap 1 x) (ap x y)))");
    valid("(new #c (call %init_peer_id% (\"s\" \"f\") [#c.length]))");
    // A lens index read from a fold iterator.
    valid(
        "(seq (call %init_peer_id% (\"s\" \"f\") [] xs) (fold xs i (seq (ap xs.$.[i] y) (next i))))",
    );
    // Without validation the syntax layer accepts undefined names.
    assert!(parse("(call p (\"s\" \"f\") [])").is_err());
    syntax("(call p (\"s\" \"f\") [])");
}

#[test]
fn errors_carry_line_column_and_convert_into_the_crate_error() {
    let error = parse("(seq\n  (null)\n  (bogus))").expect_err("bad keyword");
    assert_eq!((error.line, error.column), (3, 4));
    assert_eq!(error.span, Span { start: 17, end: 22 });
    assert!(error.message.contains("found `bogus`"), "{}", error.message);
    assert!(
        error
            .expected
            .as_deref()
            .is_some_and(|e| e.starts_with("an instruction keyword (call, seq")),
        "{error:?}"
    );
    let unclosed = parse(
        "(seq
  (null)
  (null)",
    )
    .expect_err("unclosed");
    assert_eq!(
        unclosed.expected.as_deref(),
        Some("`)` to close `(seq` opened at line 1, column 1")
    );
    let crate_error: Error = error.clone().into();
    assert_eq!(crate_error.to_string(), error.to_string());
}

#[test]
fn script_size_limit() {
    let limits = Limits {
        max_script_bytes: 10,
        ..Limits::default()
    };
    let error = parse_with_limits("(seq (null) (null))", &limits).expect_err("too big");
    assert!(
        error
            .message
            .contains("the script is 19 bytes, over the limit of 10 bytes"),
        "{error}"
    );
    parse_with_limits("(null)", &limits).expect("small enough");
    // A limit inside a multi-byte char still renders.
    let error = parse_with_limits("(ap \"ééééé\" x)", &limits).expect_err("too big");
    assert!(error.to_string().contains("over the limit"));
}

fn nested(depth: usize) -> String {
    let mut src = "(seq (null) ".repeat(depth - 1);
    src.push_str("(null)");
    src.push_str(&")".repeat(depth - 1));
    src
}

#[test]
fn depth_limit_is_inclusive() {
    let limits = Limits {
        max_depth: 10,
        ..Limits::default()
    };
    parse_with_limits(&nested(10), &limits).expect("ten levels fit");
    let error = parse_with_limits(&nested(11), &limits).expect_err("eleven do not");
    assert!(
        error.message.contains("deeper than the limit of 10"),
        "{error}"
    );
}

#[test]
fn very_deep_nesting_is_an_error_not_a_crash() {
    let src = "(seq ".repeat(100_000);
    let error = parse(&src).expect_err("too deep");
    assert!(error.message.contains("deeper than the limit"), "{error}");
    let src = format!(
        "{}(null){}",
        "(new $s ".repeat(100_000),
        ")".repeat(100_000)
    );
    assert!(parse(&src).is_err());
}

#[test]
fn aqua_shaped_script_round_trips() {
    let src = r#"
; what the Aqua compiler emits, roughly
(xor
 (seq
  (seq
   (seq
    (call %init_peer_id% ("getDataSrv" "-relay-") [] -relay-)
    (call %init_peer_id% ("getDataSrv" "xs") [] xs)
   )
   (new $s
    (seq
     (fold xs.$.items! i
      (seq
       (ap i.$.[0] $s)
       (next i)
      )
      (null)
     )
     (canon -relay- $s #c)
    )
   )
  )
  (par
   (call -relay- ("op" "noop") [#c.length -1 1.5 true [] "x" :error:.$.message %last_error% %ttl% %timestamp% #c.$.[0]])
   (never)
  )
 )
 (seq
  (ap ("k" 1) %m)
  (seq
   (canon %init_peer_id% %m #%cm)
   (fold #%cm.$.k kv
    (mismatch kv 3.0
     (fail 1 "bad")
    )
   )
  )
 )
)
"#;
    let script = valid(src);
    assert_eq!(script.node_count, 24);
    let printed = print(&script);
    assert!(valid(&printed).same_shape(&script), "{printed}");
    assert_eq!(
        print(&valid(&printed)),
        printed,
        "printing is a fixed point"
    );
}
