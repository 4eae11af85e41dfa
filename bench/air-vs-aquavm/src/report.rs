//! What one simulation did, in a form both interpreters can be compared in.

use std::collections::BTreeMap;

use serde_json::Value;
use weft_air::CallResult;

/// One executed service call, with peers by their virtual names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    pub(crate) peer: String,
    pub(crate) service: String,
    pub(crate) function: String,
    pub(crate) args: Vec<Value>,
    /// What the mock answered: the value, or `(ret_code, message)`.
    pub(crate) result: Result<Value, (i64, String)>,
}

impl Call {
    pub(crate) fn new(
        peer: &str,
        service: &str,
        function: &str,
        args: Vec<Value>,
        result: &CallResult,
    ) -> Self {
        let result = match result {
            CallResult::Ok(value) => Ok(value.clone()),
            CallResult::Err { ret_code, message } => {
                let message = match message {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                Err((*ret_code, message))
            }
        };
        Self {
            peer: peer.to_owned(),
            service: service.to_owned(),
            function: function.to_owned(),
            args,
            result,
        }
    }
}

/// The work a simulation did.
#[derive(Debug, Clone, Default)]
pub(crate) struct RunReport {
    /// Empty unless the run was asked to record (recording costs memory that
    /// belongs to neither interpreter).
    pub(crate) calls: Vec<Call>,
    /// Service calls made, recorded or not.
    pub(crate) call_count: usize,
    /// Each peer's last return code and error message ("" when none).
    pub(crate) peers: BTreeMap<String, (i64, String)>,
    /// Deliveries and interpreter runs, when the engine reports them.
    pub(crate) deliveries: usize,
    pub(crate) runs: usize,
    pub(crate) step_limit: bool,
}

impl RunReport {
    /// Peers whose last run ended in an error, as `name: code message`.
    pub(crate) fn failures(&self) -> Vec<String> {
        self.peers
            .iter()
            .filter(|(_, (code, _))| *code != 0)
            .map(|(peer, (code, message))| format!("{peer}: {code} {message}"))
            .collect()
    }
}

/// Why two simulations did not do the same work, or `None` when they did: the same
/// calls (peer, service, function, arguments), compared as multisets because the
/// two engines may order independent `par` branches differently. The results
/// are compared too: they come from the same mocks, so they differ only when the
/// arguments or the call counts do.
pub(crate) fn difference(weft: &RunReport, aquavm: &RunReport) -> Option<String> {
    if weft.step_limit || aquavm.step_limit {
        return Some(format!(
            "a flow hit the delivery limit (weft: {}, aquavm: {})",
            weft.step_limit, aquavm.step_limit
        ));
    }
    if weft.calls.len() != aquavm.calls.len() {
        return Some(format!(
            "weft made {} calls, aquavm {}",
            weft.calls.len(),
            aquavm.calls.len()
        ));
    }
    let mut left: Vec<&Call> = weft.calls.iter().collect();
    let mut right: Vec<&Call> = aquavm.calls.iter().collect();
    left.sort_by_cached_key(|call| sort_key(call));
    right.sort_by_cached_key(|call| sort_key(call));
    left.iter().zip(&right).find(|(a, b)| a != b).map(|(a, b)| {
        format!(
            "first differing call: weft {} vs aquavm {}",
            describe(a),
            describe(b)
        )
    })
}

fn sort_key(call: &Call) -> (String, String, String, String) {
    let args = Value::Array(call.args.clone()).to_string();
    (
        call.peer.clone(),
        call.service.clone(),
        call.function.clone(),
        args,
    )
}

/// `peer: service.function [args]`, long arguments cut.
pub(crate) fn describe(call: &Call) -> String {
    let args = cut(Value::Array(call.args.clone()).to_string());
    let result = match &call.result {
        Ok(value) => cut(value.to_string()),
        Err((code, message)) => format!("error {code} {}", cut(message.clone())),
    };
    format!(
        "{}: {}.{} {args} -> {result}",
        call.peer, call.service, call.function
    )
}

fn cut(mut text: String) -> String {
    const LONGEST: usize = 100;
    if text.len() > LONGEST {
        let mut at = LONGEST;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
        text.push_str("...");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(peer: &str, arg: i64) -> Call {
        Call {
            peer: peer.into(),
            service: "s".into(),
            function: "f".into(),
            args: vec![arg.into()],
            result: Ok(Value::Null),
        }
    }

    #[test]
    fn same_calls_in_another_order_are_the_same_work() {
        let weft = RunReport {
            calls: vec![call("a", 1), call("b", 2)],
            ..RunReport::default()
        };
        let mut aquavm = weft.clone();
        aquavm.calls.reverse();
        assert_eq!(difference(&weft, &aquavm), None);
        aquavm.calls[0] = call("b", 3);
        let found = difference(&weft, &aquavm).unwrap_or_default();
        assert!(found.contains("b: s.f [2] -> null"), "{found}");
        aquavm.calls.pop();
        assert_eq!(
            difference(&weft, &aquavm).as_deref(),
            Some("weft made 2 calls, aquavm 1")
        );
    }
}
