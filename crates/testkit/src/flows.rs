//! Flows tests run again and again, written as Aqua would compile them: every value comes
//! from `getDataSrv` (so nothing is spliced into script text), every hop to another node
//! goes through the client's relay, and the result comes back through `callbackSrv`.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{Value, json};
use weft_core::PeerId;

use weft_node::client::script::join;
pub use weft_node::client::script::with_args;

use crate::{Client, ClientError};

/// Runs `body` on `node` (through the relay both ways) and sends `result` back; an error
/// on the way ends in `errorHandlingSrv.error`.
fn on_node(body: &str) -> String {
    format!(
        "(xor
  (seq
    (seq (call relay (\"op\" \"noop\") [])
      (seq {body}
        (call relay (\"op\" \"noop\") [])))
    (call %init_peer_id% (\"callbackSrv\" \"response\") [result]))
  (seq (call relay (\"op\" \"noop\") [])
    (call %init_peer_id% (\"errorHandlingSrv\" \"error\") [:error: 0])))"
    )
}

fn args(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> BTreeMap<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The single value a flow responded with.
fn single(mut values: Vec<Value>) -> Value {
    if values.len() == 1 {
        values.remove(0)
    } else {
        Value::Array(values)
    }
}

/// Calls `service.function(args...)` on `node` through `client`'s relay; returns the result.
pub async fn call(
    client: &Client,
    node: PeerId,
    service: &str,
    function: &str,
    call_args: Vec<Value>,
) -> Result<Value, ClientError> {
    let names: Vec<String> = (0..call_args.len()).map(|i| format!("a{i}")).collect();
    let list = names.join(" ");
    let body = format!("(call node (service function) [{list}] result)");
    let mut all = vec!["node", "service", "function"];
    all.extend(names.iter().map(String::as_str));
    let script = with_args(&all, &on_node(&body));
    let mut values = args([
        ("node", json!(node.to_string())),
        ("service", json!(service)),
        ("function", json!(function)),
    ]);
    for (name, value) in names.into_iter().zip(call_args) {
        values.insert(name, value);
    }
    client.execute(&script, values).await.map(single)
}

/// Adds `wasm` on `node`, creates a service of it owned by `client` and gives it `alias`;
/// returns the service id.
pub async fn deploy(
    client: &Client,
    node: PeerId,
    wasm: &[u8],
    alias: &str,
) -> Result<String, ClientError> {
    let body = "(seq (call node (\"dist\" \"add_module\") [wasm] hash)
        (seq (call node (\"srv\" \"create\") [hash] result)
          (call node (\"srv\" \"add_alias\") [alias result])))";
    let script = with_args(&["node", "wasm", "alias"], &on_node(body));
    let values = args([
        ("node", json!(node.to_string())),
        (
            "wasm",
            json!(base64::engine::general_purpose::STANDARD.encode(wasm)),
        ),
        ("alias", json!(alias)),
    ]);
    let id = single(client.execute(&script, values).await?);
    match id {
        Value::String(id) => Ok(id),
        other => Err(ClientError::Flow {
            code: 0,
            message: format!("srv.create returned {other}, not a service id"),
            peer: node.to_string(),
            instruction: String::new(),
        }),
    }
}

/// Asks every peer in `peers` for `peer.identify` in parallel (fan-out) and joins the
/// answers on the relay (fan-in); returns them in the order the relay got them.
pub async fn identify_all(client: &Client, peers: &[PeerId]) -> Result<Vec<Value>, ClientError> {
    let peers: Vec<String> = peers.iter().map(ToString::to_string).collect();
    let body = format!(
        "(seq
  (fold peers p
    (par
      (seq (call p (\"peer\" \"identify\") [] info)
        (ap info $infos))
      (next p)))
  (seq {join}
    (call %init_peer_id% (\"callbackSrv\" \"response\") [#all])))",
        join = join("relay", "infos", "n", "all")
    );
    let script = with_args(&["peers", "n"], &body);
    let values = args([("peers", json!(peers)), ("n", json!(peers.len()))]);
    match single(client.execute(&script, values).await?) {
        Value::Array(items) => Ok(items),
        other => Ok(vec![other]),
    }
}

/// Calls `service.function(arg)` on `primary`; when no answer reaches the relay within
/// `wait_ms` (the primary is down, say), calls it on `backup` instead. Aqua's timeout race:
/// the relay's `peer.timeout` and the primary's answer race into a stream, the first wins.
pub async fn call_with_fallback(
    client: &Client,
    (primary, backup): (PeerId, PeerId),
    (service, function): (&str, &str),
    arg: Value,
    wait_ms: u64,
) -> Result<Value, ClientError> {
    let body = format!(
        "(seq (call relay (\"op\" \"noop\") [])
  (new $status
    (seq
      (par
        (seq (call primary (service function) [arg] r)
          (seq (call relay (\"op\" \"noop\") [])
            (ap r $status)))
        (seq (call relay (\"peer\" \"timeout\") [wait \"timeout\"] t)
          (ap t $status)))
      (seq
        (seq {join}
          (xor
            (mismatch #first.$.[0] \"timeout\"
              (ap #first.$.[0] $result))
            (seq (call backup (service function) [arg] r2)
              (seq (call relay (\"op\" \"noop\") [])
                (ap r2 $result)))))
        (seq (canon relay $result #result)
          (call %init_peer_id% (\"callbackSrv\" \"response\") [#result.$.[0]]))))))",
        join = join("relay", "status", "1", "first")
    );
    let script = with_args(
        &["primary", "backup", "service", "function", "arg", "wait"],
        &body,
    );
    let values = args([
        ("primary", json!(primary.to_string())),
        ("backup", json!(backup.to_string())),
        ("service", json!(service)),
        ("function", json!(function)),
        ("arg", arg),
        ("wait", json!(wait_ms)),
    ]);
    client.execute(&script, values).await.map(single)
}
