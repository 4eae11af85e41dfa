//! `weft call SERVICE.FUNCTION 'JSON'` and `weft run FILE.air|FILE.aqua`: flows on the network.
//!
//! `call` writes the flow for you: it tries the service's replicas one after another until one
//! answers (a replica the relay is not connected to is skipped at once, a failing one falls
//! through to the next), or with `--all` asks every replica and reports whether they agree.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use crate::session::Session;

/// Builds the failover flow for a call with `arity` arguments (served as `a0`, `a1`, ...).
pub fn failover_script(service: &str, function: &str, arity: usize) -> String {
    let args: Vec<String> = (0..arity).map(|i| format!("a{i}")).collect();
    let mut prelude = String::from(
        "(seq (call %init_peer_id% (\"getDataSrv\" \"-relay-\") [] -relay-) \
         (call %init_peer_id% (\"getDataSrv\" \"peers\") [] peers))",
    );
    for arg in &args {
        prelude =
            format!("(seq {prelude} (call %init_peer_id% (\"getDataSrv\" \"{arg}\") [] {arg}))");
    }
    let service = air_string(service);
    let function = air_string(function);
    let args = args.join(" ");
    let mut script = String::new();
    // A replica the relay has no connection to would swallow the particle: skip it unless it
    // is the relay itself. Any error on a replica falls through to the next one; LAST runs
    // only when every replica failed.
    let _ = write!(
        script,
        r#"(xor
 (seq
  {prelude}
  (fold peers p
   (xor
    (seq
     (seq
      (xor
       (match p -relay- (null))
       (seq (call -relay- ("peer" "is_connected") [p] up) (match up true (null))))
      (seq
       (call -relay- ("op" "noop") [])
       (call p ({service} {function}) [{args}] result)))
     (seq
      (call -relay- ("op" "noop") [])
      (call %init_peer_id% ("callbackSrv" "response") [result p])))
    (next p))
   (seq
    (call -relay- ("op" "noop") [])
    (call %init_peer_id% ("errorHandlingSrv" "error") [%last_error% 0]))))
 (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0]))"#
    );
    script
}

fn air_string(s: &str) -> String {
    // AIR string literals have no escapes: refuse quotes rather than build a broken script.
    format!("\"{s}\"")
}

/// Splits `SERVICE.FUNCTION`.
pub fn parse_target(target: &str) -> anyhow::Result<(String, String)> {
    let (service, function) = target
        .rsplit_once('.')
        .filter(|(s, f)| !s.is_empty() && !f.is_empty())
        .with_context(|| {
            format!("`{target}` is not SERVICE.FUNCTION (for example `hello.greet`)")
        })?;
    for part in [service, function] {
        if part.contains(['"', '\\']) || part.chars().any(char::is_whitespace) {
            bail!(
                "`{part}` cannot be a service or function name (no quotes, backslashes or spaces)"
            );
        }
    }
    Ok((service.to_owned(), function.to_owned()))
}

/// JSON arguments: an array is positional, anything else is the one argument.
pub fn parse_args(text: &str) -> anyhow::Result<Vec<Value>> {
    let value: Value = serde_json::from_str(text).with_context(|| {
        format!(
            "the arguments `{text}` are not valid JSON (an array of arguments, like '[\"ann\", 3]')"
        )
    })?;
    Ok(match value {
        Value::Array(items) => items,
        other => vec![other],
    })
}

pub struct CallOutcome {
    pub result: Value,
    pub peer: String,
}

/// One call with failover over `peers`, in order.
pub fn call(
    session: &Session,
    service: &str,
    function: &str,
    args: &[Value],
    peers: &[String],
) -> anyhow::Result<CallOutcome> {
    if peers.is_empty() {
        bail!("no replicas to call: deploy the service first (`weft deploy`) or pass --peers");
    }
    let script = failover_script(service, function, args.len());
    let mut data = BTreeMap::from([("peers".to_owned(), json!(peers))]);
    for (i, arg) in args.iter().enumerate() {
        data.insert(format!("a{i}"), arg.clone());
    }
    let values = session
        .execute(&script, data)
        .with_context(|| format!("calling {service}.{function} failed on every replica"))?;
    match values.as_slice() {
        [result, Value::String(peer)] => Ok(CallOutcome {
            result: result.clone(),
            peer: peer.clone(),
        }),
        other => bail!("unexpected response {other:?}"),
    }
}

/// Asks every replica separately and at once; returns each one's answer or error.
pub fn call_all(
    session: &Session,
    service: &str,
    function: &str,
    args: &[Value],
    peers: &[String],
) -> Vec<(String, Result<Value, String>)> {
    let script = failover_script(service, function, args.len());
    let runs = peers.iter().map(|peer| {
        let mut data = BTreeMap::from([("peers".to_owned(), json!([peer]))]);
        for (i, arg) in args.iter().enumerate() {
            data.insert(format!("a{i}"), arg.clone());
        }
        let client = session.client.clone();
        let script = script.clone();
        async move {
            let result = client
                .execute(&script, data)
                .await
                .map_err(|e| e.to_string())
                .and_then(|values| {
                    values
                        .into_iter()
                        .next()
                        .ok_or_else(|| "empty response".to_owned())
                });
            (peer.clone(), result)
        }
    });
    session.runtime.block_on(futures::future::join_all(runs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failover_script_is_valid_air() {
        for arity in [0, 1, 3] {
            let script = failover_script("hello", "greet", arity);
            weft_air::parse(&script).unwrap_or_else(|e| panic!("{e}\n{script}"));
        }
    }

    #[test]
    fn targets_and_args() {
        assert_eq!(
            parse_target("a.b.c").unwrap(),
            ("a.b".to_owned(), "c".to_owned())
        );
        assert!(parse_target("nodot").is_err());
        assert!(parse_target("a.").is_err());
        assert!(parse_target("a\".b").is_err());
        assert_eq!(
            parse_args("[1, \"x\"]").unwrap(),
            vec![json!(1), json!("x")]
        );
        assert_eq!(parse_args("{\"a\": 1}").unwrap(), vec![json!({"a": 1})]);
        assert!(format!("{:#}", parse_args("[1,").unwrap_err()).contains("not valid JSON"));
    }
}
