//! What a simulation observed, and its JSON form.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::{CallRequest, CallResult};

/// Everything a simulation observed.
#[derive(Debug, Clone, PartialEq)]
pub struct SimReport {
    /// Every service call, in execution order.
    pub calls: Vec<SimCall>,
    /// Each peer that ran, with the outcome of its last run.
    pub peers: BTreeMap<String, PeerStatus>,
    /// True when the flow was stopped after the maximum number of deliveries.
    pub step_limit: bool,
}

/// One executed service call.
#[derive(Debug, Clone, PartialEq)]
pub struct SimCall {
    pub peer: String,
    pub service: String,
    pub function: String,
    pub args: Vec<Value>,
    /// What a successful call returned.
    pub result: Option<Value>,
    /// `(ret_code, message)` of a failed call.
    pub error: Option<(i64, String)>,
}

/// The outcome of a peer's last run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerStatus {
    /// 0 on success; the code of the error that ended the run otherwise.
    pub ret_code: i64,
    pub error: Option<String>,
}

impl SimCall {
    pub(crate) fn new(peer: &str, request: CallRequest, result: &CallResult) -> Self {
        let (result, error) = match result {
            CallResult::Ok(value) => (Some(value.clone()), None),
            CallResult::Err { ret_code, message } => {
                let message = match message {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                (None, Some((*ret_code, message)))
            }
        };
        Self {
            peer: peer.to_owned(),
            service: request.service,
            function: request.function,
            args: request.args,
            result,
            error,
        }
    }

    fn to_json(&self) -> Value {
        // Keys inserted in sorted order, so the text is the same whether or not
        // serde_json preserves insertion order.
        let mut object = Map::new();
        object.insert("args".into(), Value::Array(self.args.clone()));
        let error = self.error.as_ref().map_or(
            Value::Null,
            |(ret_code, message)| json!({"message": message, "ret_code": ret_code}),
        );
        object.insert("error".into(), error);
        object.insert("function".into(), Value::String(self.function.clone()));
        object.insert("peer".into(), Value::String(self.peer.clone()));
        object.insert("result".into(), self.result.clone().unwrap_or(Value::Null));
        object.insert("service".into(), Value::String(self.service.clone()));
        Value::Object(object)
    }
}

impl SimReport {
    /// `{"calls": [...], "peers": {NAME: {"error", "ret_code"}}, "step_limit"}`, keys sorted.
    pub fn to_json(&self) -> Value {
        let calls = self.calls.iter().map(SimCall::to_json).collect();
        let peers = self
            .peers
            .iter()
            .map(|(name, status)| {
                let status = json!({"error": status.error, "ret_code": status.ret_code});
                (name.clone(), status)
            })
            .collect();
        let mut object = Map::new();
        object.insert("calls".into(), Value::Array(calls));
        object.insert("peers".into(), Value::Object(peers));
        object.insert("step_limit".into(), Value::Bool(self.step_limit));
        Value::Object(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape() {
        let report = SimReport {
            calls: vec![
                SimCall {
                    peer: "a".into(),
                    service: "s".into(),
                    function: "f".into(),
                    args: vec![json!(1)],
                    result: Some(json!({"x": 1})),
                    error: None,
                },
                SimCall {
                    peer: "b".into(),
                    service: "s".into(),
                    function: "g".into(),
                    args: vec![],
                    result: None,
                    error: Some((3, "no".into())),
                },
            ],
            peers: BTreeMap::from([
                (
                    "a".into(),
                    PeerStatus {
                        ret_code: 0,
                        error: None,
                    },
                ),
                (
                    "b".into(),
                    PeerStatus {
                        ret_code: 10000,
                        error: Some("boom".into()),
                    },
                ),
            ]),
            step_limit: false,
        };
        let expected = r#"{"calls":[{"args":[1],"error":null,"function":"f","peer":"a","result":{"x":1},"service":"s"},{"args":[],"error":{"message":"no","ret_code":3},"function":"g","peer":"b","result":null,"service":"s"}],"peers":{"a":{"error":null,"ret_code":0},"b":{"error":"boom","ret_code":10000}},"step_limit":false}"#;
        assert_eq!(report.to_json().to_string(), expected);
    }
}
