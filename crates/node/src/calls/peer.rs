//! `peer` and `kad`: what the node knows about itself and its connections.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::time::Instant;
use weft_core::PeerId;

use super::{CallHost, Failure, fail, optional_arg, string_arg, unknown_function};

const PEER_FUNCTIONS: &[&str] = &[
    "identify",
    "timestamp_ms",
    "timestamp_sec",
    "is_connected",
    "connect",
    "get_contact",
    "timeout",
];
const KAD_FUNCTIONS: &[&str] = &["neighborhood"];
/// Most peers `kad.neighborhood` returns, whatever the caller asks.
const MAX_NEIGHBORHOOD: usize = 100;
/// Most addresses `peer.connect` tries.
const MAX_CONNECT_ADDRS: usize = 16;

pub(super) async fn call(
    host: &CallHost,
    function: &str,
    args: &[Value],
) -> Result<Value, Failure> {
    match function {
        "identify" => Ok(json!({
            "external_addresses": host.transport.local_addresses().await,
            "node_version": env!("CARGO_PKG_VERSION"),
            "air_version": env!("CARGO_PKG_VERSION"),
            "spell_version": "",
            "allowed_binaries": [],
        })),
        "timestamp_ms" => Ok(json!(now().as_millis() as u64)),
        "timestamp_sec" => Ok(json!(now().as_secs())),
        "is_connected" => {
            let peer = peer_arg(function, args, 0)?;
            Ok(json!(host.transport.is_connected(peer).await))
        }
        "connect" => {
            let peer = peer_arg(function, args, 0)?;
            let addrs = match optional_arg(args, 1) {
                None => Vec::new(),
                Some(Value::String(one)) => vec![one.clone()],
                Some(Value::Array(items)) => items
                    .iter()
                    .take(MAX_CONNECT_ADDRS)
                    .map(|a| a.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| fail("connect: multiaddrs must be strings"))?,
                Some(other) => {
                    return Err(fail(format!(
                        "connect: multiaddrs must be an array of strings, got {other}"
                    )));
                }
            };
            Ok(json!(host.transport.connect(peer, addrs).await))
        }
        "get_contact" => {
            let peer = peer_arg(function, args, 0)?;
            // Aqua's `?Contact`: an empty array for none.
            Ok(match host.transport.contact(peer).await {
                Some(addresses) => json!([{ "peer_id": peer.to_string(), "addresses": addresses }]),
                None => json!([]),
            })
        }
        _ => Err(unknown_function("peer", function, PEER_FUNCTIONS)),
    }
}

/// `peer.timeout(duration_ms, message)`: answers `message` after the duration, or fails if
/// the particle dies first.
pub(super) async fn timeout(args: &[Value], particle_deadline: Instant) -> Result<Value, Failure> {
    let ms = args
        .first()
        .and_then(Value::as_u64)
        .ok_or_else(|| fail("timeout: argument duration_ms must be a non-negative integer"))?;
    let message = args.get(1).cloned().unwrap_or(Value::String(String::new()));
    let wake = Instant::now() + Duration::from_millis(ms);
    if wake > particle_deadline {
        return Err(fail(format!("timeout: {ms} ms is past the particle's TTL")));
    }
    tokio::time::sleep_until(wake).await;
    Ok(message)
}

pub(super) async fn kad(host: &CallHost, function: &str, args: &[Value]) -> Result<Value, Failure> {
    if function != "neighborhood" {
        return Err(unknown_function("kad", function, KAD_FUNCTIONS));
    }
    let key = string_arg(function, args, 0, "key")?;
    let key = bs58::decode(key)
        .into_vec()
        .map_err(|e| fail(format!("neighborhood: key is not base58: {e}")))?;
    let count = optional_arg(args, 2).and_then(Value::as_u64).unwrap_or(20);
    let count = usize::try_from(count)
        .unwrap_or(MAX_NEIGHBORHOOD)
        .min(MAX_NEIGHBORHOOD);
    let peers = host
        .transport
        .neighborhood(key, count)
        .await
        .map_err(|e| fail(format!("neighborhood: {e}")))?;
    Ok(Value::Array(
        peers.iter().map(|p| json!(p.to_string())).collect(),
    ))
}

fn peer_arg(function: &str, args: &[Value], index: usize) -> Result<PeerId, Failure> {
    let text = string_arg(function, args, index, "peer")?;
    text.parse()
        .map_err(|e| fail(format!("{function}: {text:?} is not a peer id: {e}")))
}

fn now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}
