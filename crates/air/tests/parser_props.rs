//! Properties: printing any tree and parsing it back gives the same tree, and
//! no text makes the parser panic.

use proptest::prelude::*;
use serde_json::Number;
use weft_air::*;

/// Names that would read as a number or a boolean cannot be scalars.
fn reads_as_literal(text: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    (digits(mantissa) && exponent_ok) || text == "true" || text == "false"
}

fn name() -> impl Strategy<Value = Name> {
    "[A-Za-z0-9_-]{1,6}"
        .prop_filter("reads as a literal", |s| !reads_as_literal(s))
        .prop_map(|s| Name::from(s.as_str()))
}

fn canon_name() -> impl Strategy<Value = Name> {
    (name(), any::<bool>()).prop_map(|(n, dollar)| {
        if dollar {
            Name::from(format!("${n}").as_str())
        } else {
            n
        }
    })
}

fn lens() -> impl Strategy<Value = Lens> {
    let step = prop_oneof![
        "[A-Za-z0-9_-]{1,5}".prop_map(LensStep::Field),
        any::<u32>().prop_map(LensStep::Index),
        name().prop_map(LensStep::Var),
    ];
    (prop::collection::vec(step, 0..4), any::<bool>())
        .prop_map(|(steps, bang)| Lens { steps, bang })
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        "[^\"]{0,8}".prop_map(Literal::String),
        any::<i64>().prop_map(|n| Literal::Number(n.into())),
        any::<u64>().prop_map(|n| Literal::Number(n.into())),
        any::<f64>().prop_filter_map("not finite", |f| Number::from_f64(f).map(Literal::Number)),
        any::<bool>().prop_map(Literal::Bool),
        Just(Literal::EmptyArray),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let lens = || prop::option::of(lens());
    prop_oneof![
        literal().prop_map(Value::Literal),
        Just(Value::InitPeerId),
        Just(Value::Timestamp),
        Just(Value::Ttl),
        lens().prop_map(Value::Error),
        lens().prop_map(Value::LastError),
        (name(), lens()).prop_map(|(name, lens)| Value::Scalar { name, lens }),
        name().prop_map(Value::ScalarLength),
        (canon_name(), lens()).prop_map(|(name, lens)| Value::Canon { name, lens }),
        canon_name().prop_map(Value::CanonLength),
        (name(), lens()).prop_map(|(name, lens)| Value::CanonMap { name, lens }),
        name().prop_map(Value::Stream),
    ]
}

fn iterable() -> impl Strategy<Value = Iterable> {
    let key = prop_oneof![
        "[A-Za-z0-9_-]{1,5}".prop_map(|k| Value::Literal(Literal::String(k))),
        any::<u32>().prop_map(|n| Value::Literal(Literal::Number(n.into()))),
        name().prop_map(|name| Value::Scalar { name, lens: None }),
    ];
    prop_oneof![
        Just(Iterable::EmptyArray),
        (name(), prop::option::of(lens())).prop_map(|(name, lens)| Iterable::Scalar { name, lens }),
        (canon_name(), prop::option::of(lens()))
            .prop_map(|(name, lens)| Iterable::Canon { name, lens }),
        name().prop_map(Iterable::CanonMap),
        (name(), key).prop_map(|(name, key)| Iterable::CanonMapKey {
            name,
            key: Box::new(key)
        }),
        name().prop_map(Iterable::Stream),
        name().prop_map(Iterable::StreamMap),
    ]
}

fn variable() -> impl Strategy<Value = Variable> {
    prop_oneof![
        name().prop_map(Variable::Scalar),
        name().prop_map(Variable::Stream),
        name().prop_map(Variable::StreamMap),
        canon_name().prop_map(Variable::Canon),
        name().prop_map(Variable::CanonMap),
    ]
}

fn node(kind: InstrKind) -> Instr {
    Instr {
        id: NodeId(0),
        span: Span::default(),
        kind,
    }
}

fn leaf() -> impl Strategy<Value = Instr> {
    let output = prop_oneof![
        Just(CallOutput::None),
        name().prop_map(CallOutput::Scalar),
        name().prop_map(CallOutput::Stream),
    ];
    let call = (
        value(),
        value(),
        value(),
        prop::collection::vec(value(), 0..4),
        output,
    )
        .prop_map(|(peer, service, function, args, output)| {
            InstrKind::Call(Box::new(Call {
                peer,
                service,
                function,
                args,
                output,
            }))
        });
    let ap = prop_oneof![
        (
            value(),
            prop_oneof![
                name().prop_map(ApTarget::Scalar),
                name().prop_map(ApTarget::Stream)
            ]
        )
            .prop_map(|(source, target)| Ap::Value { source, target }),
        (value(), value(), name()).prop_map(|(key, value, map)| Ap::MapInsert { key, value, map }),
    ]
    .prop_map(|ap| InstrKind::Ap(Box::new(ap)));
    let canon_kind = prop_oneof![
        (name(), canon_name()).prop_map(|(stream, canon)| CanonKind::Stream { stream, canon }),
        (name(), name()).prop_map(|(map, canon)| CanonKind::Map { map, canon }),
        (name(), name()).prop_map(|(map, scalar)| CanonKind::MapToScalar { map, scalar }),
    ];
    let canon = (value(), canon_kind)
        .prop_map(|(peer, kind)| InstrKind::Canon(Box::new(Canon { peer, kind })));
    let fail = prop_oneof![
        (any::<i64>(), "[^\"]{0,8}").prop_map(|(code, message)| Fail::Literal { code, message }),
        (name(), prop::option::of(lens())).prop_map(|(name, lens)| Fail::Scalar { name, lens }),
        Just(Fail::Error),
        Just(Fail::LastError),
    ]
    .prop_map(|fail| InstrKind::Fail(Box::new(fail)));
    prop_oneof![
        call,
        name().prop_map(InstrKind::Next),
        ap,
        canon,
        fail,
        Just(InstrKind::Null),
        Just(InstrKind::Never),
    ]
    .prop_map(node)
}

fn instr() -> impl Strategy<Value = Instr> {
    leaf().prop_recursive(6, 48, 2, |inner| {
        let pair = (0..3u8, inner.clone(), inner.clone()).prop_map(|(which, a, b)| {
            let pair = Box::new((a, b));
            match which {
                0 => InstrKind::Seq(pair),
                1 => InstrKind::Par(pair),
                _ => InstrKind::Xor(pair),
            }
        });
        let matching = (value(), value(), any::<bool>(), inner.clone()).prop_map(
            |(left, right, negated, body)| {
                InstrKind::Match(Box::new(Match {
                    left,
                    right,
                    negated,
                    body,
                }))
            },
        );
        let fold = (
            iterable(),
            name(),
            inner.clone(),
            prop::option::of(inner.clone()),
        )
            .prop_map(|(iterable, iterator, body, last)| {
                InstrKind::Fold(Box::new(Fold {
                    iterable,
                    iterator,
                    body,
                    last,
                }))
            });
        let new =
            (variable(), inner).prop_map(|(var, body)| InstrKind::New(Box::new(New { var, body })));
        prop_oneof![pair, matching, fold, new].prop_map(node)
    })
}

/// Gives `instr` and its descendants pre-order ids from `next`.
fn renumber(instr: &mut Instr, next: &mut u32) {
    instr.id = NodeId(*next);
    *next += 1;
    match &mut instr.kind {
        InstrKind::Seq(pair) | InstrKind::Par(pair) | InstrKind::Xor(pair) => {
            renumber(&mut pair.0, next);
            renumber(&mut pair.1, next);
        }
        InstrKind::Match(m) => renumber(&mut m.body, next),
        InstrKind::Fold(fold) => {
            renumber(&mut fold.body, next);
            if let Some(last) = &mut fold.last {
                renumber(last, next);
            }
        }
        InstrKind::New(new) => renumber(&mut new.body, next),
        _ => {}
    }
}

fn script() -> impl Strategy<Value = Script> {
    instr().prop_map(|mut root| {
        let mut node_count = 0;
        renumber(&mut root, &mut node_count);
        Script { root, node_count }
    })
}

const VOCABULARY: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "[]",
    "seq",
    "par",
    "xor",
    "call",
    "fold",
    "next",
    "new",
    "ap",
    "canon",
    "match",
    "mismatch",
    "fail",
    "null",
    "never",
    "x",
    "i",
    "$s",
    "%m",
    "#c",
    "#%c",
    "#$c",
    ".$",
    ".$.a",
    ".[0]",
    ".[i]",
    "!",
    ".length",
    "\"s\"",
    "\"",
    "1",
    "-1",
    "1.5",
    "1e3",
    "true",
    ":error:",
    "%last_error%",
    "%init_peer_id%",
    "%ttl%",
    "%timestamp%",
    ";c\n",
    "\n",
    "é",
    "%",
    "#",
    "$",
    ":",
    ".",
    "-",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn printed_scripts_parse_back_to_the_same_tree(script in script()) {
        let printed = print(&script);
        let parsed = parse_syntax(&printed).map_err(|e| TestCaseError::fail(format!("{printed}\n{e}")))?;
        prop_assert!(parsed.same_shape(&script), "{printed}\n{parsed:?}\n{script:?}");
        prop_assert_eq!(parsed.node_count, script.node_count);
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = parse(&text);
        let _ = parse_syntax(&text);
    }

    #[test]
    fn token_soup_never_panics_and_what_parses_prints_back(
        tokens in prop::collection::vec(prop::sample::select(VOCABULARY), 0..40),
        separators in prop::collection::vec(prop::sample::select(&[" ", "", "\t"][..]), 40),
    ) {
        let text: String = tokens.iter().zip(&separators).flat_map(|(t, s)| [*t, *s]).collect();
        let _ = parse(&text);
        if let Ok(script) = parse_syntax(&text) {
            let printed = print(&script);
            let again = parse_syntax(&printed).map_err(|e| TestCaseError::fail(format!("{printed}\n{e}")))?;
            prop_assert!(again.same_shape(&script), "{text}\n{printed}");
        }
    }
}
