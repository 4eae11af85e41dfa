//! JSON ↔ WIT conversion: edge values per type, error messages, and a round-trip property over
//! random types and values.

use proptest::prelude::*;
use serde_json::{Value as Json, json};

use super::{to_json, to_val};
use crate::wit_type::WitType;

fn roundtrip(ty: &WitType, json: &Json) -> Json {
    let val = to_val(ty, json).unwrap_or_else(|e| panic!("{json} as {ty}: {e:?}"));
    let mut budget = usize::MAX;
    to_json(ty, &val, &mut budget).unwrap_or_else(|_| panic!("{json} back from {ty}"))
}

fn rejects(ty: &WitType, json: Json) -> super::from_json::Mismatch {
    match to_val(ty, &json) {
        Ok(v) => panic!("{json} was accepted as {ty}: {v:?}"),
        Err(e) => e,
    }
}

fn boxed(t: WitType) -> Box<WitType> {
    Box::new(t)
}

#[test]
fn integers_roundtrip_at_their_edges_and_reject_beyond() {
    let cases: [(WitType, i128, i128); 8] = [
        (WitType::S8, i8::MIN.into(), i8::MAX.into()),
        (WitType::U8, 0, u8::MAX.into()),
        (WitType::S16, i16::MIN.into(), i16::MAX.into()),
        (WitType::U16, 0, u16::MAX.into()),
        (WitType::S32, i32::MIN.into(), i32::MAX.into()),
        (WitType::U32, 0, u32::MAX.into()),
        (WitType::S64, i64::MIN.into(), i64::MAX.into()),
        (WitType::U64, 0, u64::MAX.into()),
    ];
    for (ty, min, max) in cases {
        for edge in [min, max, 0] {
            let json: Json = serde_json::from_str(&edge.to_string()).expect("number");
            assert_eq!(roundtrip(&ty, &json), json, "{ty} {edge}");
        }
        for beyond in [min - 1, max + 1] {
            let json: Json = serde_json::from_str(&beyond.to_string()).expect("number");
            let e = rejects(&ty, json);
            assert!(e.expected.starts_with(&ty.to_string()), "{e:?}");
        }
    }
    assert_eq!(roundtrip(&WitType::U8, &json!(3.0)), json!(3));
    rejects(&WitType::U8, json!(2.5));
    rejects(&WitType::S32, json!("7"));
    rejects(&WitType::U64, json!(-1));
}

#[test]
fn floats_keep_their_value_and_spell_non_finite_values() {
    assert_eq!(roundtrip(&WitType::F32, &json!(0.1)), json!(0.1));
    assert_eq!(roundtrip(&WitType::F64, &json!(-1.5e300)), json!(-1.5e300));
    assert_eq!(roundtrip(&WitType::F64, &json!(5)), json!(5.0));
    for special in ["NaN", "Infinity", "-Infinity"] {
        assert_eq!(roundtrip(&WitType::F64, &json!(special)), json!(special));
        assert_eq!(roundtrip(&WitType::F32, &json!(special)), json!(special));
    }
    // f32 values come back as their shortest decimal form.
    assert_eq!(
        roundtrip(&WitType::F32, &json!(f64::from(f32::MAX))),
        json!(3.4028235e38)
    );
    rejects(&WitType::F32, json!(1e300));
    rejects(&WitType::F64, json!("1.5"));
}

#[test]
fn chars_and_strings() {
    assert_eq!(roundtrip(&WitType::Char, &json!("é")), json!("é"));
    assert_eq!(roundtrip(&WitType::Char, &json!("🦀")), json!("🦀"));
    rejects(&WitType::Char, json!(""));
    rejects(&WitType::Char, json!("ab"));
    assert_eq!(roundtrip(&WitType::String, &json!("")), json!(""));
    assert_eq!(
        roundtrip(&WitType::String, &json!("a\u{0}b\n")),
        json!("a\u{0}b\n")
    );
    rejects(&WitType::String, json!(null));
}

#[test]
fn compound_types() {
    let point = WitType::Record(vec![("x".into(), WitType::S32), ("y".into(), WitType::S32)]);
    assert_eq!(
        roundtrip(&point, &json!({"y": 2, "x": 1})),
        json!({"x": 1, "y": 2})
    );
    let e = rejects(&point, json!({"x": 1}));
    assert_eq!(e.path, ".y");
    let e = rejects(&point, json!({"x": 1, "y": 2, "z": 3}));
    assert!(e.found.contains("unknown field 'z'"), "{e:?}");

    let with_option = WitType::Record(vec![("n".into(), WitType::Option(boxed(WitType::U8)))]);
    assert_eq!(roundtrip(&with_option, &json!({})), json!({"n": null}));

    let list = WitType::List(boxed(point.clone()));
    assert_eq!(roundtrip(&list, &json!([])), json!([]));
    let e = rejects(&list, json!([{"x": 1, "y": 2}, {"x": 1, "y": "no"}]));
    assert_eq!(e.path, "[1].y");
    assert_eq!(e.expected, "s32 (-2147483648..=2147483647)");
    assert_eq!(e.found, "string \"no\"");

    let tuple = WitType::Tuple(vec![WitType::U8, WitType::String]);
    assert_eq!(roundtrip(&tuple, &json!([1, "a"])), json!([1, "a"]));
    rejects(&tuple, json!([1]));
    rejects(&tuple, json!([1, "a", 2]));

    let color = WitType::Enum(vec!["red".into(), "green".into()]);
    assert_eq!(roundtrip(&color, &json!("green")), json!("green"));
    rejects(&color, json!("blue"));

    let shape = WitType::Variant(vec![
        ("circle".into(), Some(WitType::F64)),
        ("empty".into(), None),
    ]);
    assert_eq!(
        roundtrip(&shape, &json!({"circle": 2.5})),
        json!({"circle": 2.5})
    );
    assert_eq!(roundtrip(&shape, &json!("empty")), json!("empty"));
    assert_eq!(roundtrip(&shape, &json!({"empty": null})), json!("empty"));
    rejects(&shape, json!("circle"));
    rejects(&shape, json!({"square": 1}));
    rejects(&shape, json!({"circle": 1, "empty": null}));

    let perms = WitType::Flags(vec!["read".into(), "write".into(), "exec".into()]);
    assert_eq!(roundtrip(&perms, &json!([])), json!([]));
    assert_eq!(
        roundtrip(&perms, &json!(["read", "exec", "read"])),
        json!(["read", "exec"])
    );
    rejects(&perms, json!(["delete"]));
}

#[test]
fn options_and_results() {
    let opt = WitType::Option(boxed(WitType::U32));
    assert_eq!(roundtrip(&opt, &json!(null)), json!(null));
    assert_eq!(roundtrip(&opt, &json!(7)), json!(7));
    let nested = WitType::Option(boxed(opt.clone()));
    assert_eq!(roundtrip(&nested, &json!(null)), json!(null));
    assert_eq!(
        roundtrip(&nested, &json!({"some": null})),
        json!({"some": null})
    );
    assert_eq!(roundtrip(&nested, &json!({"some": 7})), json!({"some": 7}));
    rejects(&nested, json!(7));

    let result = WitType::Result {
        ok: Some(boxed(WitType::U32)),
        err: Some(boxed(WitType::String)),
    };
    assert_eq!(roundtrip(&result, &json!({"ok": 1})), json!({"ok": 1}));
    assert_eq!(
        roundtrip(&result, &json!({"err": "bad"})),
        json!({"err": "bad"})
    );
    rejects(&result, json!({"ok": 1, "err": "x"}));
    rejects(&result, json!(1));
    let unit = WitType::Result {
        ok: None,
        err: None,
    };
    assert_eq!(roundtrip(&unit, &json!({"ok": null})), json!({"ok": null}));
    assert_eq!(
        roundtrip(&unit, &json!({"err": null})),
        json!({"err": null})
    );
    let e = rejects(&unit, json!({"ok": 5}));
    assert_eq!(e.path, ".ok");
}

#[test]
fn output_is_bounded() {
    let ty = WitType::List(boxed(WitType::String));
    let val = to_val(&ty, &Json::from(vec!["aaaaaaaaaa"; 100])).expect("value");
    let mut budget = 500;
    assert!(to_json(&ty, &val, &mut budget).is_err());
    let mut budget = 5000;
    assert!(to_json(&ty, &val, &mut budget).is_ok());
}

fn arb_type() -> impl Strategy<Value = WitType> {
    let name = "[a-z][a-z0-9-]{0,6}";
    let leaf = prop_oneof![
        Just(WitType::Bool),
        Just(WitType::S8),
        Just(WitType::U8),
        Just(WitType::S16),
        Just(WitType::U16),
        Just(WitType::S32),
        Just(WitType::U32),
        Just(WitType::S64),
        Just(WitType::U64),
        Just(WitType::F32),
        Just(WitType::F64),
        Just(WitType::Char),
        Just(WitType::String),
        prop::collection::btree_set(name, 1..4)
            .prop_map(|s| WitType::Enum(s.into_iter().collect())),
        prop::collection::btree_set(name, 0..4)
            .prop_map(|s| WitType::Flags(s.into_iter().collect())),
    ];
    leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| WitType::List(Box::new(t))),
            inner.clone().prop_map(|t| WitType::Option(Box::new(t))),
            prop::collection::vec(inner.clone(), 1..4).prop_map(WitType::Tuple),
            prop::collection::btree_map(name, inner.clone(), 1..4)
                .prop_map(|m| WitType::Record(m.into_iter().collect())),
            prop::collection::btree_map(name, prop::option::of(inner.clone()), 1..4)
                .prop_map(|m| WitType::Variant(m.into_iter().collect())),
            (prop::option::of(inner.clone()), prop::option::of(inner)).prop_map(|(ok, err)| {
                WitType::Result {
                    ok: ok.map(Box::new),
                    err: err.map(Box::new),
                }
            }),
        ]
    })
}

/// A JSON value of type `ty` in the canonical form the converter produces.
fn arb_value(ty: &WitType) -> BoxedStrategy<Json> {
    match ty.clone() {
        WitType::Bool => any::<bool>().prop_map(Json::from).boxed(),
        WitType::S8 => any::<i8>().prop_map(Json::from).boxed(),
        WitType::U8 => any::<u8>().prop_map(Json::from).boxed(),
        WitType::S16 => any::<i16>().prop_map(Json::from).boxed(),
        WitType::U16 => any::<u16>().prop_map(Json::from).boxed(),
        WitType::S32 => any::<i32>().prop_map(Json::from).boxed(),
        WitType::U32 => any::<u32>().prop_map(Json::from).boxed(),
        WitType::S64 => any::<i64>().prop_map(Json::from).boxed(),
        WitType::U64 => any::<u64>().prop_map(Json::from).boxed(),
        WitType::F32 => any::<f32>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(|x| Json::from(x.to_string().parse::<f64>().unwrap_or(0.0)))
            .boxed(),
        WitType::F64 => any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(Json::from)
            .boxed(),
        WitType::Char => any::<char>()
            .prop_map(|c| Json::from(c.to_string()))
            .boxed(),
        WitType::String => any::<String>().prop_map(Json::from).boxed(),
        WitType::Enum(names) => prop::sample::select(names).prop_map(Json::from).boxed(),
        WitType::Flags(names) => prop::sample::subsequence(names.clone(), 0..=names.len())
            .prop_map(Json::from)
            .boxed(),
        WitType::List(t) => prop::collection::vec(arb_value(&t), 0..4)
            .prop_map(Json::Array)
            .boxed(),
        WitType::Option(t) => {
            let nested = matches!(*t, WitType::Option(_));
            prop::option::of(arb_value(&t))
                .prop_map(move |v| match v {
                    None => Json::Null,
                    Some(v) if nested => json!({ "some": v }),
                    Some(v) => v,
                })
                .boxed()
        }
        WitType::Tuple(ts) => ts
            .iter()
            .map(arb_value)
            .collect::<Vec<_>>()
            .prop_map(Json::Array)
            .boxed(),
        WitType::Record(fields) => {
            let names: Vec<String> = fields.iter().map(|(n, _)| n.clone()).collect();
            fields
                .iter()
                .map(|(_, t)| arb_value(t))
                .collect::<Vec<_>>()
                .prop_map(move |vals| Json::Object(names.iter().cloned().zip(vals).collect()))
                .boxed()
        }
        WitType::Variant(cases) => prop::sample::select(cases)
            .prop_flat_map(|(name, t)| match t {
                None => Just(Json::from(name)).boxed(),
                Some(t) => arb_value(&t)
                    .prop_map(move |v| json!({ name.clone(): v }))
                    .boxed(),
            })
            .boxed(),
        WitType::Result { ok, err } => {
            let side = |case: &'static str, t: Option<Box<WitType>>| match t {
                None => Just(json!({ case: null })).boxed(),
                Some(t) => arb_value(&t).prop_map(move |v| json!({ case: v })).boxed(),
            };
            prop_oneof![side("ok", ok), side("err", err)].boxed()
        }
        WitType::Unsupported(_) => Just(Json::Null).boxed(),
    }
}

proptest! {
    #[test]
    fn json_roundtrips_through_wit_values(
        (ty, json) in arb_type().prop_flat_map(|t| (Just(t.clone()), arb_value(&t)))
    ) {
        prop_assert_eq!(roundtrip(&ty, &json), json);
    }
}
