//! Typed access to a builtin call's JSON arguments, with errors that say which service,
//! function and argument was wrong, what was expected and what came instead.
//!
//! Argument numbers in messages count from 1, as a script's author reads the argument list.

use serde_json::{Map, Value};

use super::MAX_RESULT_ITEMS;

/// Longest piece of a string argument quoted in an error message: errors go into the
/// particle's data, so they must not echo a megabyte of input.
const QUOTE_CHARS: usize = 40;

#[derive(Debug, Clone, Copy)]
pub(super) struct Args<'a> {
    service: &'a str,
    function: &'a str,
    values: &'a [Value],
}

impl<'a> Args<'a> {
    pub(super) fn new(service: &'a str, function: &'a str, values: &'a [Value]) -> Self {
        Self {
            service,
            function,
            values,
        }
    }

    pub(super) fn all(&self) -> &'a [Value] {
        self.values
    }

    pub(super) fn len(&self) -> usize {
        self.values.len()
    }

    /// An error message for this call: `service.function: message`.
    pub(super) fn error(&self, message: impl std::fmt::Display) -> String {
        format!("{}.{}: {message}", self.service, self.function)
    }

    pub(super) fn exactly(&self, n: usize) -> Result<(), String> {
        self.between(n, n)
    }

    pub(super) fn between(&self, min: usize, max: usize) -> Result<(), String> {
        let got = self.len();
        if (min..=max).contains(&got) {
            return Ok(());
        }
        let expected = if min == max {
            format!("{min} {}", plural(min, "argument"))
        } else if got < min {
            format!("at least {min} {}", plural(min, "argument"))
        } else {
            format!("at most {max} {}", plural(max, "argument"))
        };
        Err(self.error(format!("expected {expected}, got {got}")))
    }

    /// Refuses a result of `count` items over [`MAX_RESULT_ITEMS`].
    pub(super) fn check_items(&self, count: usize) -> Result<(), String> {
        if count > MAX_RESULT_ITEMS {
            return Err(self.error(format!(
                "the result would have {count} elements, more than the limit of {MAX_RESULT_ITEMS}"
            )));
        }
        Ok(())
    }

    /// `argument N must be <expected>, got <value>`.
    pub(super) fn expected(&self, i: usize, expected: &str, got: &Value) -> String {
        self.error(format!(
            "argument {} must be {expected}, got {}",
            i + 1,
            describe(got)
        ))
    }

    fn get(&self, i: usize) -> Result<&'a Value, String> {
        // Arity is checked first by every function; this guards a function that forgot.
        self.values
            .get(i)
            .ok_or_else(|| self.error(format!("argument {} is missing", i + 1)))
    }

    pub(super) fn str(&self, i: usize) -> Result<&'a str, String> {
        let v = self.get(i)?;
        v.as_str().ok_or_else(|| self.expected(i, "a string", v))
    }

    pub(super) fn i64(&self, i: usize) -> Result<i64, String> {
        let v = self.get(i)?;
        v.as_i64()
            .ok_or_else(|| self.expected(i, "an integer (i64)", v))
    }

    pub(super) fn u32(&self, i: usize) -> Result<u32, String> {
        let v = self.get(i)?;
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| self.expected(i, "an integer from 0 to 4294967295 (u32)", v))
    }

    /// A non-negative integer used as an index or a length.
    pub(super) fn index(&self, i: usize) -> Result<usize, String> {
        let v = self.get(i)?;
        v.as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| self.expected(i, "a non-negative integer", v))
    }

    pub(super) fn f64(&self, i: usize) -> Result<f64, String> {
        let v = self.get(i)?;
        v.as_f64().ok_or_else(|| self.expected(i, "a number", v))
    }

    pub(super) fn array(&self, i: usize) -> Result<&'a [Value], String> {
        let v = self.get(i)?;
        match v {
            Value::Array(items) => Ok(items),
            _ => Err(self.expected(i, "an array", v)),
        }
    }

    pub(super) fn object(&self, i: usize) -> Result<&'a Map<String, Value>, String> {
        let v = self.get(i)?;
        v.as_object()
            .ok_or_else(|| self.expected(i, "a JSON object", v))
    }

    /// An array whose every element passes `element`; the error names the first that fails.
    pub(super) fn array_of<T>(
        &self,
        i: usize,
        what: &str,
        element: impl Fn(&'a Value) -> Option<T>,
    ) -> Result<Vec<T>, String> {
        let items = self.array(i)?;
        items
            .iter()
            .enumerate()
            .map(|(at, item)| {
                element(item).ok_or_else(|| {
                    self.error(format!(
                        "argument {} must be {what}, got {} at index {at}",
                        i + 1,
                        describe(item)
                    ))
                })
            })
            .collect()
    }

    pub(super) fn strings(&self, i: usize) -> Result<Vec<&'a str>, String> {
        self.array_of(i, "an array of strings", Value::as_str)
    }

    /// An optional boolean, absent when the argument is missing, `null` or `[]`; Aqua
    /// passes `?bool` as `[]` or `[b]`, hand-written AIR often as a bare `b`.
    pub(super) fn opt_bool(&self, i: usize) -> Result<Option<bool>, String> {
        let Some(v) = self.values.get(i) else {
            return Ok(None);
        };
        let unwrapped = match v {
            Value::Array(items) if items.len() <= 1 => items.first(),
            Value::Null => None,
            other => Some(other),
        };
        match unwrapped {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => {
                Err(self.expected(i, "an optional boolean (true, false, [], [b] or null)", v))
            }
        }
    }
}

/// A short description of a JSON value for error messages: its type and, for scalars, its
/// value (long strings cut).
pub(super) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => {
            let cut: String = s.chars().take(QUOTE_CHARS).collect();
            if cut.len() < s.len() {
                format!("string {:?}... ({} bytes)", cut, s.len())
            } else {
                format!("string {s:?}")
            }
        }
        Value::Array(items) => format!(
            "an array of {} {}",
            items.len(),
            plural(items.len(), "element")
        ),
        Value::Object(map) => format!("an object with {} {}", map.len(), plural(map.len(), "key")),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}
