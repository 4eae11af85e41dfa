//! `weft call SERVICE.FUNCTION 'JSON'` and `weft run FILE.air|FILE.aqua`: flows on the network.
//!
//! `call` writes the flow for you: it tries the service's replicas one after another until one
//! answers (a replica the relay is not connected to is skipped at once, a failing one falls
//! through to the next), or with `--all` asks every replica and reports whether they agree.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use weft_node::client::script;

use crate::session::Session;

/// How long a replica has to answer before the next one is tried, by default.
pub const REPLICA_TIMEOUT: Duration = Duration::from_secs(5);

/// Builds the failover flow for a call with `arity` arguments. Everything the caller gives
/// travels as data (getDataSrv): `peers`, `service`, `function`, `wait` (ms a replica has
/// to answer) and the arguments `a0`, `a1`, ...; only the argument count shapes the script.
///
/// Each replica's call races the relay's `peer.timeout` (Aqua's timeout pattern): a
/// replica that died after the relay last saw it swallows the particle, and without the
/// race the whole flow would wait for its TTL. A replica the relay is not connected to is
/// skipped at once; one that fails or does not answer in time falls through to the next;
/// the fold's last instruction runs only when every replica failed, and reports the first
/// replica's error (or that none answered in time).
pub fn failover_script(arity: usize) -> String {
    let args: Vec<String> = (0..arity).map(|i| format!("a{i}")).collect();
    let body = format!(
        r#"(xor
 (new $errors
    (fold peers p
     (xor
      (seq
       (seq
        (xor
         (match p relay (null))
         (seq (call relay ("peer" "is_connected") [p] up) (match up true (null))))
        (new $status
         (seq
          (par
           (seq
            (call relay ("op" "noop") [])
            (xor
             (seq (call p (service function) [{args}] result)
              (seq (call relay ("op" "noop") []) (ap "ok" $status)))
             (seq (ap :error: $errors)
              (seq (call relay ("op" "noop") []) (ap "failed" $status)))))
           (seq (call relay ("peer" "timeout") [wait "timeout"] t) (ap t $status)))
          (seq
{join}
           (match #first.$.[0] "ok" (null))))))
       (seq
        (call relay ("op" "noop") [])
        (call %init_peer_id% ("callbackSrv" "response") [result p])))
      (next p))
    (seq
     (canon relay $errors #errors)
     (xor
      (mismatch #errors.length 0
       (seq
        (call relay ("op" "noop") [])
        (call %init_peer_id% ("errorHandlingSrv" "error") [#errors.$.[0] 0])))
      (fail 10000 "no replica answered in time")))))
 (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0]))"#,
        args = args.join(" "),
        join = script::join("relay", "status", "1", "first"),
    );
    let names: Vec<&str> = ["peers", "service", "function", "wait"]
        .into_iter()
        .chain(args.iter().map(String::as_str))
        .collect();
    script::with_args(&names, &body)
}

/// The data for [`failover_script`]: the peers to try, the target and the arguments.
fn call_data(
    service: &str,
    function: &str,
    args: &[Value],
    peers: &[String],
    wait: Duration,
) -> BTreeMap<String, Value> {
    let mut data = BTreeMap::from([
        ("peers".to_owned(), json!(peers)),
        ("service".to_owned(), json!(service)),
        ("function".to_owned(), json!(function)),
        ("wait".to_owned(), json!(wait.as_millis() as u64)),
    ]);
    for (i, arg) in args.iter().enumerate() {
        data.insert(format!("a{i}"), arg.clone());
    }
    data
}

/// Splits `SERVICE.FUNCTION`.
pub fn parse_target(target: &str) -> anyhow::Result<(String, String)> {
    let (service, function) = target
        .rsplit_once('.')
        .filter(|(s, f)| !s.is_empty() && !f.is_empty())
        .with_context(|| {
            format!("`{target}` is not SERVICE.FUNCTION (for example `hello.greet`)")
        })?;
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

/// One call with failover over `peers`, in order; each replica has `wait` to answer.
pub fn call(
    session: &Session,
    service: &str,
    function: &str,
    args: &[Value],
    peers: &[String],
    wait: Duration,
) -> anyhow::Result<CallOutcome> {
    if peers.is_empty() {
        bail!("no replicas to call: deploy the service first (`weft deploy`) or pass --peers");
    }
    let script = failover_script(args.len());
    let data = call_data(service, function, args, peers, wait);
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
    wait: Duration,
) -> Vec<(String, Result<Value, String>)> {
    let script = failover_script(args.len());
    let runs = peers.iter().map(|peer| {
        let data = call_data(service, function, args, std::slice::from_ref(peer), wait);
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
            let script = failover_script(arity);
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
        // Names travel as data: any text is a valid name for the script.
        assert_eq!(
            parse_target("a\" b.c").unwrap(),
            ("a\" b".to_owned(), "c".to_owned())
        );
        assert_eq!(
            parse_args("[1, \"x\"]").unwrap(),
            vec![json!(1), json!("x")]
        );
        assert_eq!(parse_args("{\"a\": 1}").unwrap(), vec![json!({"a": 1})]);
        assert!(format!("{:#}", parse_args("[1,").unwrap_err()).contains("not valid JSON"));
    }
}
