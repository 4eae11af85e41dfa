//! Mock services for the simulator, written as comments next to the calls they answer.
//!
//! ```text
//! (call "a" ("svc" "get") [] x)      ; ok = {"v": 1}
//! (call "a" ("svc" "boom") [])       ; err = {"ret_code": 3, "message": "text"}
//! (call "a" ("svc" "echo") [x y] r)  ; behaviour = echo
//! (call "a" ("svc" "pick") [x y] r)  ; behaviour = arg.1
//! (call "a" ("svc" "tick") [] $s)    ; seq_ok = {"0": "first", "default": "later"}
//! (call "a" ("svc" "look") [k] v)    ; map = {"key": "value"}
//! ```
//!
//! A comment is an annotation when it starts with one of these keys and `=`; any
//! other comment is just a comment. A malformed annotation is an error, never a
//! silently unmocked call.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{CallResult, Error};

/// How one call site answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Mock {
    behaviour: Behaviour,
}

#[derive(Debug, Clone, PartialEq)]
enum Behaviour {
    Ok(Value),
    Err {
        ret_code: i64,
        message: String,
    },
    Echo,
    Arg(usize),
    Sequence {
        by_count: BTreeMap<usize, Value>,
        default: Value,
    },
    Map(serde_json::Map<String, Value>),
}

/// The return code of a mock that cannot answer (an argument past the end, a key
/// missing from a `map`).
const NO_ANSWER: i64 = 1;

impl Mock {
    /// What the call returns when it receives `args` and its call site has already
    /// executed `times_called` times (on any peer).
    pub fn answer(&self, args: &[Value], times_called: usize) -> CallResult {
        match &self.behaviour {
            Behaviour::Ok(value) => CallResult::Ok(value.clone()),
            Behaviour::Err { ret_code, message } => CallResult::Err {
                ret_code: *ret_code,
                message: Value::String(message.clone()),
            },
            Behaviour::Echo => CallResult::Ok(Value::Array(args.to_vec())),
            Behaviour::Arg(n) => match args.get(*n) {
                Some(value) => CallResult::Ok(value.clone()),
                None => no_answer(format!(
                    "behaviour arg.{n}: the call has only {} argument(s)",
                    args.len()
                )),
            },
            Behaviour::Sequence { by_count, default } => {
                CallResult::Ok(by_count.get(&times_called).unwrap_or(default).clone())
            }
            Behaviour::Map(map) => match args.first() {
                Some(Value::String(key)) => match map.get(key) {
                    Some(value) => CallResult::Ok(value.clone()),
                    None => no_answer(format!("map: no value for key \"{key}\"")),
                },
                Some(other) => no_answer(format!(
                    "map: the first argument must be a string key, got {other}"
                )),
                None => no_answer("map: the call has no argument to use as a key".to_owned()),
            },
        }
    }
}

fn no_answer(message: String) -> CallResult {
    CallResult::Err {
        ret_code: NO_ANSWER,
        message: Value::String(message),
    }
}

/// The mock annotations of `source`, by the 1-based line of their comment.
///
/// Fails on an annotation that does not parse, naming its line. Lines are found
/// the way the parser finds comments: a `;` outside a string literal.
pub fn mocks_by_line(source: &str) -> Result<BTreeMap<u32, Mock>, Error> {
    let mut mocks = BTreeMap::new();
    for crate::print::Comment {
        line,
        text: comment,
        ..
    } in crate::print::comments(source)
    {
        if let Some(mock) =
            parse_annotation(comment).map_err(|message| annotation_error(line, &message))?
        {
            mocks.insert(line, mock);
        }
    }
    Ok(mocks)
}

pub(crate) fn annotation_error(line: u32, message: &str) -> Error {
    Error::Mock {
        line,
        message: message.to_owned(),
    }
}

const KEYS: [&str; 5] = ["seq_ok", "behaviour", "ok", "err", "map"];

/// `Ok(None)` for a comment that is not an annotation.
fn parse_annotation(comment: &str) -> Result<Option<Mock>, String> {
    let text = comment.trim_start_matches(';').trim();
    let Some((key, rest)) = KEYS.iter().find_map(|key| {
        let rest = text.strip_prefix(key)?.trim_start();
        Some((*key, rest.strip_prefix('=')?.trim()))
    }) else {
        return Ok(None);
    };
    let behaviour = match key {
        "ok" => Behaviour::Ok(json(key, rest)?),
        "err" => parse_err(json(key, rest)?)?,
        "behaviour" => parse_behaviour(rest)?,
        "seq_ok" => parse_sequence(json(key, rest)?)?,
        _ => match json(key, rest)? {
            Value::Object(map) => Behaviour::Map(map),
            other => return Err(format!("map expects a JSON object, got {other}")),
        },
    };
    Ok(Some(Mock { behaviour }))
}

fn json(key: &str, text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("{key} expects one JSON value: {e}"))
}

fn parse_err(value: Value) -> Result<Behaviour, String> {
    const SHAPE: &str = r#"err expects {"ret_code": N, "message": "text"} with N non-zero"#;
    let Value::Object(mut fields) = value else {
        return Err(SHAPE.to_owned());
    };
    let ret_code = fields.remove("ret_code").and_then(|v| v.as_i64());
    let message = match fields.remove("message") {
        Some(Value::String(message)) => Some(message),
        _ => None,
    };
    match (ret_code, message) {
        (Some(ret_code), Some(message)) if ret_code != 0 && fields.is_empty() => {
            Ok(Behaviour::Err { ret_code, message })
        }
        _ => Err(SHAPE.to_owned()),
    }
}

fn parse_behaviour(text: &str) -> Result<Behaviour, String> {
    if text == "echo" {
        return Ok(Behaviour::Echo);
    }
    text.strip_prefix("arg.")
        .and_then(|n| n.parse().ok())
        .map(Behaviour::Arg)
        .ok_or_else(|| format!("behaviour must be `echo` or `arg.N`, got `{text}`"))
}

fn parse_sequence(value: Value) -> Result<Behaviour, String> {
    let Value::Object(fields) = value else {
        return Err(r#"seq_ok expects an object like {"0": v, "1": v, "default": v}"#.to_owned());
    };
    let mut by_count = BTreeMap::new();
    let mut default = Value::Null;
    for (key, value) in fields {
        if key == "default" {
            default = value;
        } else {
            let count = key.parse().map_err(|_| {
                format!(
                    "seq_ok keys are call counts (\"0\", \"1\", ...) or \"default\", got \"{key}\""
                )
            })?;
            by_count.insert(count, value);
        }
    }
    Ok(Behaviour::Sequence { by_count, default })
}

#[cfg(test)]
mod tests;
