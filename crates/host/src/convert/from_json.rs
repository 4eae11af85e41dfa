//! JSON → WIT value, checked against the parameter's type.

use serde_json::{Number, Value as Json};
use wasmtime::component::Val;

use super::{INFINITY, NAN, NEG_INFINITY};
use crate::wit_type::WitType;

/// A JSON value that does not fit the WIT type: where, what was expected, what was found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mismatch {
    /// Path inside the value, like `.people[2].age`; empty for the value itself.
    pub path: String,
    pub expected: String,
    pub found: String,
}

impl Mismatch {
    fn new(expected: impl ToString, found: &Json) -> Self {
        Self {
            path: String::new(),
            expected: expected.to_string(),
            found: describe(found),
        }
    }

    /// Prepends a path segment while the error travels out of nested values.
    fn at(mut self, segment: impl std::fmt::Display) -> Self {
        self.path = format!("{segment}{}", self.path);
        self
    }
}

/// A short description of a JSON value for error messages.
pub(super) fn describe(json: &Json) -> String {
    match json {
        Json::Null => "null".to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => format!("number {n}"),
        Json::String(s) if s.chars().count() > 40 => {
            format!("string \"{}…\"", s.chars().take(40).collect::<String>())
        }
        Json::String(s) => format!("string \"{s}\""),
        Json::Array(a) => format!("an array of {} items", a.len()),
        Json::Object(o) => {
            let keys: Vec<&str> = o.keys().take(5).map(String::as_str).collect();
            format!("an object with keys [{}]", keys.join(", "))
        }
    }
}

/// Converts `json` into a value of type `ty`.
pub(crate) fn to_val(ty: &WitType, json: &Json) -> Result<Val, Mismatch> {
    let mismatch = || Mismatch::new(ty, json);
    Ok(match ty {
        WitType::Bool => Val::Bool(json.as_bool().ok_or_else(mismatch)?),
        WitType::S8 => Val::S8(int(ty, json)?),
        WitType::U8 => Val::U8(int(ty, json)?),
        WitType::S16 => Val::S16(int(ty, json)?),
        WitType::U16 => Val::U16(int(ty, json)?),
        WitType::S32 => Val::S32(int(ty, json)?),
        WitType::U32 => Val::U32(int(ty, json)?),
        WitType::S64 => Val::S64(int(ty, json)?),
        WitType::U64 => Val::U64(int(ty, json)?),
        WitType::F32 => {
            let x = float(ty, json)?;
            if x.is_finite() && x.abs() > f64::from(f32::MAX) {
                return Err(Mismatch::new("f32 (out of range)", json));
            }
            // Rounding to the nearest f32 is the point of the cast.
            #[allow(clippy::cast_possible_truncation)]
            Val::Float32(x as f32)
        }
        WitType::F64 => Val::Float64(float(ty, json)?),
        WitType::Char => {
            let s = json.as_str().ok_or_else(mismatch)?;
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Val::Char(c),
                _ => return Err(Mismatch::new("char (a one-character string)", json)),
            }
        }
        WitType::String => Val::String(json.as_str().ok_or_else(mismatch)?.to_string()),
        WitType::List(item) => {
            let items = json.as_array().ok_or_else(mismatch)?;
            Val::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| to_val(item, v).map_err(|e| e.at(format_args!("[{i}]"))))
                    .collect::<Result<_, _>>()?,
            )
        }
        WitType::Tuple(types) => {
            let items = json.as_array().ok_or_else(mismatch)?;
            if items.len() != types.len() {
                return Err(mismatch());
            }
            Val::Tuple(
                types
                    .iter()
                    .zip(items)
                    .enumerate()
                    .map(|(i, (t, v))| to_val(t, v).map_err(|e| e.at(format_args!("[{i}]"))))
                    .collect::<Result<_, _>>()?,
            )
        }
        WitType::Record(fields) => {
            let object = json.as_object().ok_or_else(mismatch)?;
            if let Some(unknown) = object.keys().find(|k| !fields.iter().any(|(n, _)| n == *k)) {
                return Err(Mismatch {
                    path: String::new(),
                    expected: ty.to_string(),
                    found: format!("unknown field '{unknown}'"),
                });
            }
            let mut vals = Vec::with_capacity(fields.len());
            for (name, field_ty) in fields {
                let val = match (object.get(name), field_ty) {
                    (Some(v), _) => {
                        to_val(field_ty, v).map_err(|e| e.at(format_args!(".{name}")))?
                    }
                    (None, WitType::Option(_)) => Val::Option(None),
                    (None, _) => {
                        return Err(Mismatch {
                            path: format!(".{name}"),
                            expected: field_ty.to_string(),
                            found: "nothing (the field is missing)".to_string(),
                        });
                    }
                };
                vals.push((name.clone(), val));
            }
            Val::Record(vals)
        }
        WitType::Enum(names) => {
            let name = json.as_str().ok_or_else(mismatch)?;
            if !names.iter().any(|n| n == name) {
                return Err(mismatch());
            }
            Val::Enum(name.to_string())
        }
        WitType::Variant(cases) => {
            let (case, payload) = single_key(json).ok_or_else(mismatch)?;
            let Some((name, case_ty)) = cases.iter().find(|(n, _)| n == case) else {
                return Err(mismatch());
            };
            let payload = match (case_ty, payload) {
                (None, None | Some(Json::Null)) => None,
                (Some(t), Some(v)) => Some(Box::new(
                    to_val(t, v).map_err(|e| e.at(format_args!(".{name}")))?,
                )),
                _ => return Err(mismatch()),
            };
            Val::Variant(name.clone(), payload)
        }
        WitType::Option(inner) => match (json, inner.as_ref()) {
            (Json::Null, _) => Val::Option(None),
            // An option of an option needs a wrapper to tell some(none) from none.
            (Json::Object(o), WitType::Option(_)) if o.len() == 1 && o.contains_key("some") => {
                let v = &o["some"];
                Val::Option(Some(Box::new(to_val(inner, v).map_err(|e| e.at(".some"))?)))
            }
            (_, WitType::Option(_)) => {
                return Err(Mismatch::new("null or {\"some\": value}", json));
            }
            (v, _) => Val::Option(Some(Box::new(to_val(inner, v)?))),
        },
        WitType::Result { ok, err } => {
            let (case, payload) = match single_key(json) {
                Some((case, Some(payload))) if case == "ok" || case == "err" => (case, payload),
                _ => {
                    return Err(Mismatch::new(
                        format!("{ty} as {{\"ok\": …}} or {{\"err\": …}}"),
                        json,
                    ));
                }
            };
            let side = if case == "ok" { ok } else { err };
            let val = match side {
                None if payload.is_null() => None,
                None => return Err(Mismatch::new("null", payload).at(format_args!(".{case}"))),
                Some(t) => Some(Box::new(
                    to_val(t, payload).map_err(|e| e.at(format_args!(".{case}")))?,
                )),
            };
            Val::Result(if case == "ok" { Ok(val) } else { Err(val) })
        }
        WitType::Flags(names) => {
            let items = json.as_array().ok_or_else(mismatch)?;
            let mut set = Vec::with_capacity(items.len());
            for item in items {
                let name = item.as_str().filter(|s| names.iter().any(|n| n == s));
                let name = name.ok_or_else(|| Mismatch::new(ty, item))?;
                if !set.iter().any(|s: &String| s == name) {
                    set.push(name.to_string());
                }
            }
            Val::Flags(set)
        }
        WitType::Unsupported(_) => return Err(mismatch()),
    })
}

/// `"case"` → (case, None); `{"case": payload}` → (case, Some(payload)).
fn single_key(json: &Json) -> Option<(&str, Option<&Json>)> {
    match json {
        Json::String(s) => Some((s, None)),
        Json::Object(o) if o.len() == 1 => o.iter().next().map(|(k, v)| (k.as_str(), Some(v))),
        _ => None,
    }
}

/// Reads an integer of type `T`, accepting integral floats (JavaScript sends `3.0` for 3).
fn int<T>(ty: &WitType, json: &Json) -> Result<T, Mismatch>
where
    T: TryFrom<i64> + TryFrom<u64>,
{
    let err = || Mismatch::new(format!("{ty} ({})", int_range(ty)), json);
    let Json::Number(n) = json else {
        return Err(err());
    };
    if let Some(i) = n.as_i64() {
        return T::try_from(i).map_err(|_| err());
    }
    if let Some(u) = n.as_u64() {
        return T::try_from(u).map_err(|_| err());
    }
    integral_float(n)
        .and_then(|i| T::try_from(i).ok())
        .ok_or_else(err)
}

/// An integral float within ±2^53, where f64 holds integers exactly.
fn integral_float(n: &Number) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    let f = n.as_f64()?;
    // The range check above makes the cast exact.
    #[allow(clippy::cast_possible_truncation)]
    (f.fract() == 0.0 && f.abs() <= EXACT).then_some(f as i64)
}

fn int_range(ty: &WitType) -> String {
    match ty {
        WitType::S8 => format!("{}..={}", i8::MIN, i8::MAX),
        WitType::U8 => format!("0..={}", u8::MAX),
        WitType::S16 => format!("{}..={}", i16::MIN, i16::MAX),
        WitType::U16 => format!("0..={}", u16::MAX),
        WitType::S32 => format!("{}..={}", i32::MIN, i32::MAX),
        WitType::U32 => format!("0..={}", u32::MAX),
        WitType::S64 => format!("{}..={}", i64::MIN, i64::MAX),
        _ => format!("0..={}", u64::MAX),
    }
}

fn float(ty: &WitType, json: &Json) -> Result<f64, Mismatch> {
    match json {
        Json::Number(n) => n.as_f64().ok_or_else(|| Mismatch::new(ty, json)),
        Json::String(s) if s == NAN => Ok(f64::NAN),
        Json::String(s) if s == INFINITY => Ok(f64::INFINITY),
        Json::String(s) if s == NEG_INFINITY => Ok(f64::NEG_INFINITY),
        _ => Err(Mismatch::new(
            format!("{ty} (a number, \"NaN\", \"Infinity\" or \"-Infinity\")"),
            json,
        )),
    }
}
