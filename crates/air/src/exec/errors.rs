//! Catchable errors, with the codes and messages of AquaVM 0.63 (see the
//! compatibility table in AIR.md), and the error objects that `:error:` and
//! `%last_error%` expose.

use std::{rc::Rc, sync::Arc};

use serde_json::{Value, json};

use super::val::Prov;

/// A raised error as `:error:` shows it.
#[derive(Debug)]
pub(crate) struct ErrorInfo {
    /// `{"error_code", "message", "instruction", "peer_id"}`.
    pub object: Arc<Value>,
    pub code: i64,
    pub message: String,
    pub prov: Prov,
    /// What `%last_error%` becomes when this error is raised (`None` for
    /// match/mismatch, which leave it alone).
    pub last_error: Option<(Arc<Value>, Prov)>,
    /// Catching this error makes it `%last_error%` again (AquaVM does so for
    /// failed calls and the like, not for `fail`).
    pub caught_sets_last_error: bool,
}

/// How an error changes `%last_error%`.
#[derive(Debug)]
pub(crate) enum LastError {
    /// Becomes the error object.
    Object,
    /// Unchanged (`match`/`mismatch`).
    Keep,
    /// Becomes the user's object given to `fail` (plus `peer_id`).
    User(Value),
}

/// A catchable error before it is tied to its instruction.
#[derive(Debug)]
pub(crate) struct CatchErr {
    pub code: i64,
    pub message: String,
    pub last_error: LastError,
    /// The peer the error happened on, when not the current one (a failed
    /// call on another peer).
    pub peer: Option<String>,
    /// `(fail :error:)`: raise this error object unchanged.
    pub reraise: Option<Rc<ErrorInfo>>,
}

impl CatchErr {
    pub(crate) fn new(code: i64, message: String) -> Self {
        Self {
            code,
            message,
            last_error: LastError::Object,
            peer: None,
            reraise: None,
        }
    }
}

/// `:error:` and `%last_error%` when nothing has failed.
pub(crate) fn no_error() -> Arc<Value> {
    Arc::new(json!({"error_code": 0, "message": ""}))
}

/// JSON text of a value, as AquaVM prints values inside messages.
pub(crate) fn show(value: &Value) -> String {
    value.to_string()
}

pub(crate) fn service_error(ret_code: i64, message: &Value, peer: &str) -> CatchErr {
    CatchErr {
        peer: Some(peer.to_owned()),
        ..CatchErr::new(
            10000,
            format!(
                "Local service error, ret_code is {ret_code}, error message is '{}'",
                show(message)
            ),
        )
    }
}

pub(crate) fn not_matched(negated: bool) -> CatchErr {
    let (code, message) = if negated {
        (10002, "compared values do not mismatch")
    } else {
        (10001, "compared values do not match")
    };
    CatchErr {
        last_error: LastError::Keep,
        ..CatchErr::new(code, message.to_owned())
    }
}

pub(crate) fn undefined(variable: &str) -> CatchErr {
    CatchErr::new(
        10003,
        format!("variable with name '{variable}' wasn't defined during script execution"),
    )
}

pub(crate) fn wrong_type(variable: &str, expected: &str, actual: &Value) -> CatchErr {
    CatchErr::new(
        10004,
        format!(
            "expected JValue type '{expected}' for the variable `{variable}`, but got '{}'",
            show(actual)
        ),
    )
}

pub(crate) fn fold_non_array(expression: &str, actual: &Value) -> CatchErr {
    CatchErr::new(
        10005,
        format!(
            "expression '{expression}' returned non-array value '{}' for fold iterable",
            show(actual)
        ),
    )
}

/// `fail` with a valid user error object: `:error:` gets code 10006 with the
/// object printed inside; `%last_error%` becomes the object itself.
pub(crate) fn user_fail(object: Value) -> CatchErr {
    CatchErr {
        last_error: LastError::User(object.clone()),
        ..CatchErr::new(
            10006,
            format!(
                "fail with '{}' is used without corresponding xor",
                show(&object)
            ),
        )
    }
}

pub(crate) fn lens_error(message: String) -> CatchErr {
    CatchErr::new(10007, message)
}

pub(crate) fn invalid_error_object(message: String) -> CatchErr {
    CatchErr::new(10008, message)
}

pub(crate) fn cleared_by_new(name: &str) -> CatchErr {
    CatchErr::new(
        10009,
        format!("variable with name '{name}' was cleared by new and then wasn't set"),
    )
}

pub(crate) fn length_of_non_array(actual: &Value) -> CatchErr {
    CatchErr::new(
        10010,
        format!(
            "the length functor could applied only to an array-like value, but it's applied to '{}'",
            show(actual)
        ),
    )
}

pub(crate) fn non_string_triplet(part: &str, actual: &Value) -> CatchErr {
    CatchErr::new(
        10011,
        format!(
            "call cannot resolve non-String triplet variable part `{part}` with value '{}'",
            show(actual)
        ),
    )
}

pub(crate) fn bad_map_key(map: &str) -> CatchErr {
    CatchErr::new(10012, format!("unsupported type for {map} map's key"))
}

/// Checks a value given to `fail` is an error object: an object with a
/// non-zero integer `error_code` and a string `message`.
pub(crate) fn check_error_object(value: &Value) -> Result<(), CatchErr> {
    let Value::Object(fields) = value else {
        return Err(invalid_error_object(format!(
            "scalar should have an object type to be converted into error object, but '{}' doesn't have",
            show(value)
        )));
    };
    let field = |name: &'static str| {
        fields.get(name).ok_or_else(|| {
            invalid_error_object(format!(
                "scalar '{}' must have field with name '{name}'",
                show(value)
            ))
        })
    };
    let wrong = |name: &str, expected: &str| {
        invalid_error_object(format!(
            "{name} of scalar '{}' must have {expected} type",
            show(value)
        ))
    };
    match field("error_code")?.as_i64() {
        None => return Err(wrong("error_code", "integer")),
        Some(0) => {
            return Err(invalid_error_object(
                "error code must be non-zero, but it is zero".to_owned(),
            ));
        }
        Some(_) => {}
    }
    if !field("message")?.is_string() {
        return Err(wrong("message", "string"));
    }
    Ok(())
}
