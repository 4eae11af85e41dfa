//! `json`: building, reading and writing JSON objects (nox's `json` builtin; Aqua code
//! declares it itself, e.g. `service Json("json")`).
//!
//! Keys are strings; putting a key that exists replaces its value. `parse` and `stringify`
//! convert between a value and its compact JSON text.

use serde_json::{Map, Value};

use super::args::Args;
use super::{PureFn, bounded_json_text};

pub(super) const FUNCTIONS: &[(&str, PureFn)] = &[
    ("obj", obj),
    ("put", put),
    ("puts", puts),
    ("parse", parse),
    ("stringify", stringify),
    ("obj_pairs", obj_pairs),
    ("puts_pairs", puts_pairs),
];

/// `obj(k1, v1, k2, v2, ...)`: an object from alternating keys and values.
fn obj(args: &Args<'_>) -> Result<Value, String> {
    with_alternating(args, Map::new(), 0)
}

/// `put(object, key, value)`: the object with one key set.
fn put(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(3)?;
    let object = args.object(0)?;
    let key = args.str(1)?;
    let mut object = object.clone();
    object.insert(key.to_owned(), args.all()[2].clone());
    items_checked(args, object)
}

/// `puts(object, k1, v1, k2, v2, ...)`: the object with several keys set.
fn puts(args: &Args<'_>) -> Result<Value, String> {
    args.between(1, usize::MAX)?;
    with_alternating(args, args.object(0)?.clone(), 1)
}

/// `parse(text)`: the value a JSON text denotes. serde_json refuses nesting deeper than
/// 128, which is also the interpreter's depth limit on values.
fn parse(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(1)?;
    let text = args.str(0)?;
    serde_json::from_str(text).map_err(|e| args.error(format!("argument 1 is not valid JSON: {e}")))
}

/// `stringify(value)`: the compact JSON text of a value.
fn stringify(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(1)?;
    bounded_json_text(args, &args.all()[0]).map(Value::String)
}

/// `obj_pairs([[k1, v1], [k2, v2], ...])`: an object from an array of pairs.
fn obj_pairs(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(1)?;
    with_pairs(args, Map::new(), 0)
}

/// `puts_pairs(object, [[k1, v1], ...])`: the object with the pairs' keys set.
fn puts_pairs(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(2)?;
    with_pairs(args, args.object(0)?.clone(), 1)
}

/// Inserts the key-value arguments from argument `from` on into `object`.
fn with_alternating(
    args: &Args<'_>,
    mut object: Map<String, Value>,
    from: usize,
) -> Result<Value, String> {
    let rest = &args.all()[from..];
    if !rest.len().is_multiple_of(2) {
        return Err(args.error(format!(
            "expected keys and values in pairs, but the last key (argument {}) has no value",
            args.len()
        )));
    }
    args.check_items(object.len() + rest.len() / 2)?;
    for i in (from..args.len()).step_by(2) {
        let key = args.str(i)?;
        object.insert(key.to_owned(), args.all()[i + 1].clone());
    }
    Ok(Value::Object(object))
}

/// Inserts the `[key, value]` pairs of array argument `at` into `object`.
fn with_pairs(args: &Args<'_>, mut object: Map<String, Value>, at: usize) -> Result<Value, String> {
    let pairs = args.array_of(
        at,
        "an array of [key, value] pairs with string keys",
        |pair| match pair.as_array().map(Vec::as_slice) {
            Some([Value::String(key), value]) => Some((key, value)),
            _ => None,
        },
    )?;
    args.check_items(object.len() + pairs.len())?;
    for (key, value) in pairs {
        object.insert(key.clone(), value.clone());
    }
    Ok(Value::Object(object))
}

/// The object as a result, unless it has more keys than a result may have.
fn items_checked(args: &Args<'_>, object: Map<String, Value>) -> Result<Value, String> {
    args.check_items(object.len())?;
    Ok(Value::Object(object))
}
