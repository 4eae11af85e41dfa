//! WIT value → JSON, bounded in size so that a guest cannot make the host build a huge document.

use serde_json::{Map, Number, Value as Json};
use wasmtime::component::Val;

use super::{INFINITY, NAN, NEG_INFINITY};
use crate::wit_type::WitType;

/// The JSON form would exceed the byte budget (or the value did not match its declared type,
/// which wasmtime's type checks rule out; it is reported the same way rather than panicking).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge;

/// Converts a value of type `ty` to JSON, spending from `budget` roughly the length of the JSON
/// text produced.
pub(crate) fn to_json(ty: &WitType, val: &Val, budget: &mut usize) -> Result<Json, TooLarge> {
    spend(budget, 2)?;
    Ok(match (ty, val) {
        (WitType::Bool, Val::Bool(b)) => Json::Bool(*b),
        (WitType::S8, Val::S8(i)) => Json::from(*i),
        (WitType::U8, Val::U8(i)) => Json::from(*i),
        (WitType::S16, Val::S16(i)) => Json::from(*i),
        (WitType::U16, Val::U16(i)) => Json::from(*i),
        (WitType::S32, Val::S32(i)) => num(budget, *i)?,
        (WitType::U32, Val::U32(i)) => num(budget, *i)?,
        (WitType::S64, Val::S64(i)) => num(budget, *i)?,
        (WitType::U64, Val::U64(i)) => num(budget, *i)?,
        // The shortest decimal that reads back as the same f32 (0.1, not 0.10000000149011612).
        (WitType::F32, Val::Float32(x)) => {
            float(budget, x.to_string().parse().unwrap_or(f64::NAN))?
        }
        (WitType::F64, Val::Float64(x)) => float(budget, *x)?,
        (WitType::Char, Val::Char(c)) => Json::String(c.to_string()),
        (WitType::String, Val::String(s)) => {
            spend(budget, s.len())?;
            Json::String(s.clone())
        }
        (WitType::List(t), Val::List(items)) => Json::Array(
            items
                .iter()
                .map(|v| to_json(t, v, budget))
                .collect::<Result<_, _>>()?,
        ),
        (WitType::Tuple(ts), Val::Tuple(items)) if ts.len() == items.len() => Json::Array(
            ts.iter()
                .zip(items)
                .map(|(t, v)| to_json(t, v, budget))
                .collect::<Result<_, _>>()?,
        ),
        (WitType::Record(fields), Val::Record(vals)) if fields.len() == vals.len() => {
            let mut map = Map::new();
            for ((name, t), (_, v)) in fields.iter().zip(vals) {
                spend(budget, name.len() + 4)?;
                map.insert(name.clone(), to_json(t, v, budget)?);
            }
            Json::Object(map)
        }
        (WitType::Enum(_), Val::Enum(name)) => name_json(budget, name)?,
        (WitType::Variant(cases), Val::Variant(name, payload)) => {
            let case_ty = cases.iter().find(|(n, _)| n == name).ok_or(TooLarge)?;
            match (&case_ty.1, payload) {
                (None, None) => name_json(budget, name)?,
                (Some(t), Some(v)) => {
                    let payload = to_json(t, v, budget)?;
                    single(budget, name, payload)?
                }
                _ => return Err(TooLarge),
            }
        }
        (WitType::Option(_), Val::Option(None)) => Json::Null,
        (WitType::Option(inner), Val::Option(Some(v))) => {
            let json = to_json(inner, v, budget)?;
            if matches!(inner.as_ref(), WitType::Option(_)) {
                single(budget, "some", json)?
            } else {
                json
            }
        }
        (WitType::Result { ok, err }, Val::Result(r)) => {
            let (case, t, v) = match r {
                Ok(v) => ("ok", ok, v),
                Err(v) => ("err", err, v),
            };
            let payload = match (t, v) {
                (None, None) => Json::Null,
                (Some(t), Some(v)) => to_json(t, v, budget)?,
                _ => return Err(TooLarge),
            };
            single(budget, case, payload)?
        }
        (WitType::Flags(_), Val::Flags(names)) => Json::Array(
            names
                .iter()
                .map(|n| name_json(budget, n))
                .collect::<Result<_, _>>()?,
        ),
        _ => return Err(TooLarge),
    })
}

fn spend(budget: &mut usize, n: usize) -> Result<(), TooLarge> {
    *budget = budget.checked_sub(n).ok_or(TooLarge)?;
    Ok(())
}

fn num(budget: &mut usize, n: impl Into<Number>) -> Result<Json, TooLarge> {
    spend(budget, 18)?;
    Ok(Json::Number(n.into()))
}

fn float(budget: &mut usize, x: f64) -> Result<Json, TooLarge> {
    spend(budget, 22)?;
    Ok(match Number::from_f64(x) {
        Some(n) => Json::Number(n),
        None if x.is_nan() => Json::String(NAN.to_string()),
        None if x > 0.0 => Json::String(INFINITY.to_string()),
        None => Json::String(NEG_INFINITY.to_string()),
    })
}

fn name_json(budget: &mut usize, name: &str) -> Result<Json, TooLarge> {
    spend(budget, name.len())?;
    Ok(Json::String(name.to_string()))
}

fn single(budget: &mut usize, key: &str, value: Json) -> Result<Json, TooLarge> {
    spend(budget, key.len() + 4)?;
    let mut map = Map::new();
    map.insert(key.to_string(), value);
    Ok(Json::Object(map))
}
