//! JSON ↔ WIT values: the encoding flows use for service arguments and results.
//!
//! | WIT | JSON |
//! | --- | --- |
//! | bool, integers, string | the same (integers range-checked) |
//! | f32, f64 | number; `"NaN"`, `"Infinity"`, `"-Infinity"` for non-finite values |
//! | char | a one-character string |
//! | list, tuple | array |
//! | record | object keyed by field name (a missing `option` field is none) |
//! | enum | the case name |
//! | variant | `{"case": payload}`, or `"case"` for a case without payload |
//! | option | `null` for none, else the value; `{"some": v}` when the payload is itself an option |
//! | result | `{"ok": v}` / `{"err": v}` (`null` for no payload) |
//! | flags | array of the names of the set flags |

mod from_json;
mod to_json;

pub(crate) use from_json::to_val;
pub(crate) use to_json::{TooLarge, to_json};

use serde_json::Value as Json;
use wasmtime::component::Val;

use crate::error::Error;
use crate::interface::FunctionSig;
use crate::wit_type::WitType;

/// Converts call arguments: an array in parameter order, an object keyed by parameter name
/// (a missing `option` parameter is none), or `null` for a function without parameters.
pub(crate) fn arguments(sig: &FunctionSig, args: &Json) -> Result<Vec<Val>, Error> {
    let fail = |message: String| Error::Arguments {
        function: sig.name.clone(),
        message,
    };
    let convert = |(name, ty): &(String, WitType), value: Option<&Json>| match value {
        Some(v) => to_val(ty, v).map_err(|m| Error::ArgumentType {
            function: sig.name.clone(),
            param: name.clone(),
            path: m.path,
            expected: m.expected,
            found: m.found,
        }),
        None if matches!(ty, WitType::Option(_)) => Ok(Val::Option(None)),
        None => Err(fail(format!("missing argument '{name}' of type {ty}"))),
    };
    match args {
        Json::Array(values) => {
            if values.len() != sig.params.len() {
                return Err(fail(format!(
                    "takes {} arguments ({}), got {}",
                    sig.params.len(),
                    param_list(sig),
                    values.len()
                )));
            }
            sig.params
                .iter()
                .zip(values)
                .map(|(p, v)| convert(p, Some(v)))
                .collect()
        }
        Json::Object(map) => {
            if let Some(unknown) = map
                .keys()
                .find(|k| !sig.params.iter().any(|(n, _)| n == *k))
            {
                return Err(fail(format!(
                    "has no parameter '{unknown}'; parameters: {}",
                    param_list(sig)
                )));
            }
            sig.params
                .iter()
                .map(|p| convert(p, map.get(&p.0)))
                .collect()
        }
        Json::Null if sig.params.is_empty() => Ok(Vec::new()),
        other => Err(fail(format!(
            "arguments must be a JSON array or an object keyed by parameter name ({}), got {}",
            param_list(sig),
            from_json::describe(other)
        ))),
    }
}

fn param_list(sig: &FunctionSig) -> String {
    let params: Vec<String> = sig
        .params
        .iter()
        .map(|(n, t)| format!("{n}: {t}"))
        .collect();
    params.join(", ")
}

/// How non-finite floats are spelled, since JSON numbers cannot hold them.
const NAN: &str = "NaN";
const INFINITY: &str = "Infinity";
const NEG_INFINITY: &str = "-Infinity";

#[cfg(test)]
mod tests;
