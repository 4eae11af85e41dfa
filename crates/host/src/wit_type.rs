//! A self-contained copy of a WIT value type, taken from the component's type at load time.
//!
//! Owning the type tree (instead of walking wasmtime's handles per call) keeps JSON conversion a
//! pure function that can be tested without a component, and makes `describe` cheap.

use std::fmt;

use serde_json::{Value as Json, json};
use wasmtime::component::types::Type;

/// A WIT value type.
#[derive(Debug, Clone, PartialEq)]
pub enum WitType {
    Bool,
    S8,
    U8,
    S16,
    U16,
    S32,
    U32,
    S64,
    U64,
    F32,
    F64,
    Char,
    String,
    List(Box<WitType>),
    Record(Vec<(String, WitType)>),
    Tuple(Vec<WitType>),
    Variant(Vec<(String, Option<WitType>)>),
    Enum(Vec<String>),
    Option(Box<WitType>),
    Result {
        ok: Option<Box<WitType>>,
        err: Option<Box<WitType>>,
    },
    Flags(Vec<String>),
    /// Resources, futures, streams and other types that have no JSON form; a function using one
    /// is listed by `describe` but cannot be called.
    Unsupported(&'static str),
}

impl WitType {
    pub(crate) fn from_wasmtime(ty: &Type) -> WitType {
        let boxed = |t: &Type| Box::new(Self::from_wasmtime(t));
        match ty {
            Type::Bool => WitType::Bool,
            Type::S8 => WitType::S8,
            Type::U8 => WitType::U8,
            Type::S16 => WitType::S16,
            Type::U16 => WitType::U16,
            Type::S32 => WitType::S32,
            Type::U32 => WitType::U32,
            Type::S64 => WitType::S64,
            Type::U64 => WitType::U64,
            Type::Float32 => WitType::F32,
            Type::Float64 => WitType::F64,
            Type::Char => WitType::Char,
            Type::String => WitType::String,
            Type::List(l) => WitType::List(boxed(&l.ty())),
            Type::Record(r) => WitType::Record(
                r.fields()
                    .map(|f| (f.name.to_string(), Self::from_wasmtime(&f.ty)))
                    .collect(),
            ),
            Type::Tuple(t) => WitType::Tuple(t.types().map(|t| Self::from_wasmtime(&t)).collect()),
            Type::Variant(v) => WitType::Variant(
                v.cases()
                    .map(|c| (c.name.to_string(), c.ty.as_ref().map(Self::from_wasmtime)))
                    .collect(),
            ),
            Type::Enum(e) => WitType::Enum(e.names().map(str::to_string).collect()),
            Type::Option(o) => WitType::Option(boxed(&o.ty())),
            Type::Result(r) => WitType::Result {
                ok: r.ok().as_ref().map(boxed),
                err: r.err().as_ref().map(boxed),
            },
            Type::Flags(f) => WitType::Flags(f.names().map(str::to_string).collect()),
            Type::Map(_) => WitType::Unsupported("map"),
            Type::Own(_) | Type::Borrow(_) => WitType::Unsupported("resource"),
            Type::Future(_) => WitType::Unsupported("future"),
            Type::Stream(_) => WitType::Unsupported("stream"),
            Type::ErrorContext => WitType::Unsupported("error-context"),
            Type::FixedLengthList(_) => WitType::Unsupported("fixed-length list"),
        }
    }

    /// The first unsupported type inside this one, if any.
    pub(crate) fn unsupported(&self) -> Option<&'static str> {
        match self {
            WitType::Unsupported(what) => Some(what),
            WitType::List(t) | WitType::Option(t) => t.unsupported(),
            WitType::Record(fields) => fields.iter().find_map(|(_, t)| t.unsupported()),
            WitType::Tuple(ts) => ts.iter().find_map(WitType::unsupported),
            WitType::Variant(cases) => cases.iter().find_map(|(_, t)| t.as_ref()?.unsupported()),
            WitType::Result { ok, err } => ok
                .as_ref()
                .and_then(|t| t.unsupported())
                .or_else(|| err.as_ref().and_then(|t| t.unsupported())),
            _ => None,
        }
    }

    /// The machine-readable form used by `describe`: primitives are their WIT names
    /// (`"u8"`, `"string"`), compound types are one-key objects (`{"list": "u8"}`).
    pub fn to_json(&self) -> Json {
        let opt = |t: &Option<Box<WitType>>| t.as_ref().map_or(Json::Null, |t| t.to_json());
        match self {
            WitType::List(t) => json!({ "list": t.to_json() }),
            WitType::Record(fields) => json!({
                "record": fields
                    .iter()
                    .map(|(name, t)| json!({ "name": name, "type": t.to_json() }))
                    .collect::<Vec<_>>()
            }),
            WitType::Tuple(ts) => {
                json!({ "tuple": ts.iter().map(WitType::to_json).collect::<Vec<_>>() })
            }
            WitType::Variant(cases) => json!({
                "variant": cases
                    .iter()
                    .map(|(name, t)| json!({
                        "name": name,
                        "type": t.as_ref().map_or(Json::Null, WitType::to_json),
                    }))
                    .collect::<Vec<_>>()
            }),
            WitType::Enum(names) => json!({ "enum": names }),
            WitType::Option(t) => json!({ "option": t.to_json() }),
            WitType::Result { ok, err } => json!({ "result": { "ok": opt(ok), "err": opt(err) } }),
            WitType::Flags(names) => json!({ "flags": names }),
            WitType::Unsupported(what) => json!({ "unsupported": what }),
            primitive => Json::String(primitive.to_string()),
        }
    }
}

/// WIT syntax, with records, variants, enums and flags spelled out (components carry no type
/// names), as used in error messages.
impl fmt::Display for WitType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list<T>(
            f: &mut fmt::Formatter<'_>,
            items: &[T],
            mut one: impl FnMut(&mut fmt::Formatter<'_>, &T) -> fmt::Result,
        ) -> fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                one(f, item)?;
            }
            Ok(())
        }
        match self {
            WitType::Bool => f.write_str("bool"),
            WitType::S8 => f.write_str("s8"),
            WitType::U8 => f.write_str("u8"),
            WitType::S16 => f.write_str("s16"),
            WitType::U16 => f.write_str("u16"),
            WitType::S32 => f.write_str("s32"),
            WitType::U32 => f.write_str("u32"),
            WitType::S64 => f.write_str("s64"),
            WitType::U64 => f.write_str("u64"),
            WitType::F32 => f.write_str("f32"),
            WitType::F64 => f.write_str("f64"),
            WitType::Char => f.write_str("char"),
            WitType::String => f.write_str("string"),
            WitType::List(t) => write!(f, "list<{t}>"),
            WitType::Record(fields) => {
                f.write_str("record { ")?;
                list(f, fields, |f, (n, t)| write!(f, "{n}: {t}"))?;
                f.write_str(" }")
            }
            WitType::Tuple(ts) => {
                f.write_str("tuple<")?;
                list(f, ts, |f, t| write!(f, "{t}"))?;
                f.write_str(">")
            }
            WitType::Variant(cases) => {
                f.write_str("variant { ")?;
                list(f, cases, |f, (n, t)| match t {
                    Some(t) => write!(f, "{n}({t})"),
                    None => f.write_str(n),
                })?;
                f.write_str(" }")
            }
            WitType::Enum(names) => write!(f, "enum {{ {} }}", names.join(", ")),
            WitType::Option(t) => write!(f, "option<{t}>"),
            WitType::Result { ok, err } => match (ok, err) {
                (None, None) => f.write_str("result"),
                (Some(ok), None) => write!(f, "result<{ok}>"),
                (None, Some(err)) => write!(f, "result<_, {err}>"),
                (Some(ok), Some(err)) => write!(f, "result<{ok}, {err}>"),
            },
            WitType::Flags(names) => write!(f, "flags {{ {} }}", names.join(", ")),
            WitType::Unsupported(what) => write!(f, "{what} (unsupported)"),
        }
    }
}
