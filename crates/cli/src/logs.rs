//! `weft logs SERVICE`: the messages a deployed service logged, read from each replica's
//! bounded log buffer with the node builtin `srv.logs`.
//!
//! Logs can carry the data a service handled, so a node hands them only to the service's
//! owner (the key that deployed it) or to the node's management key.

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use weft_node::client::script;

use crate::session::{Connect, Session};
use crate::{deploy, project, remote::PeerList};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Only the service's owner (the key that deployed it) or the node's management key \
                  may read its logs: they can carry the data the service handled."
)]
pub struct LogsArgs {
    /// The service: the project's alias, or a service id.
    service: String,
    /// Read the logs on these nodes (default: every replica of the project's deployment).
    #[command(flatten)]
    peers: PeerList,
    /// Only the newest N messages of each replica.
    #[arg(long, value_name = "N")]
    tail: Option<usize>,
    /// Print one JSON object `{"replicas": [{"peer", "service", "entries" | "error"}]}`.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    connect: Connect,
}

/// One node's answer: the service id there, and its log entries or why there are none.
struct ReplicaLogs {
    peer: String,
    service: String,
    entries: Result<Vec<Value>, String>,
}

pub fn run(args: LogsArgs) -> anyhow::Result<()> {
    let targets = targets(&args)?;
    let session = Session::open(&args.connect)?;
    let body = r#"
(xor
 (seq
  (seq
   (call relay ("op" "noop") [])
   (call target ("srv" "logs") [service] entries))
  (seq
   (call relay ("op" "noop") [])
   (call %init_peer_id% ("callbackSrv" "response") [entries])))
 (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0]))"#;
    let script = script::with_args(&["target", "service"], body);
    let mut replicas = Vec::new();
    for (peer, service) in targets {
        let data = BTreeMap::from([
            ("target".to_owned(), json!(peer)),
            ("service".to_owned(), json!(service)),
        ]);
        let entries = session
            .execute(&script, data)
            .map_err(|e| format!("{e:#}"))
            .and_then(|values| match values.into_iter().next() {
                Some(Value::Array(entries)) => Ok(entries),
                other => Err(format!("unexpected answer {other:?}")),
            })
            .map(|entries| tail(entries, args.tail));
        replicas.push(ReplicaLogs {
            peer,
            service,
            entries,
        });
    }
    session.close();
    print(&replicas, args.json)?;
    if replicas.iter().all(|r| r.entries.is_err()) {
        bail!(
            "no replica gave its logs (only the service's owner or the node's management key may read them)"
        );
    }
    Ok(())
}

/// The (peer, service id) pairs to ask: `--peers` with SERVICE as given, or the project's
/// deployment when SERVICE is its alias or one of its service ids.
fn targets(args: &LogsArgs) -> anyhow::Result<Vec<(String, String)>> {
    let peers = args.peers.parse()?;
    if !peers.is_empty() {
        return Ok(peers
            .into_iter()
            .map(|p| (p, args.service.clone()))
            .collect());
    }
    let cwd = std::env::current_dir()?;
    let project = project::Project::find(&cwd).with_context(|| {
        format!(
            "`weft logs {}` without --peers reads the project's deployment",
            args.service
        )
    })?;
    let Some(deployment) = deploy::load(&project)? else {
        bail!(
            "{} is not deployed: run `weft deploy`, or pass --peers",
            project.manifest.project.name
        );
    };
    let replicas: Vec<(String, String)> = deployment
        .replicas
        .iter()
        .filter(|r| deployment.alias == args.service || r.service_id == args.service)
        .map(|r| (r.peer_id.clone(), r.service_id.clone()))
        .collect();
    if replicas.is_empty() {
        bail!(
            "the project's deployment has no service {:?} (it deployed {:?}): pass the alias, a service id, or --peers",
            args.service,
            deployment.alias
        );
    }
    Ok(replicas)
}

fn tail(mut entries: Vec<Value>, n: Option<usize>) -> Vec<Value> {
    if let Some(n) = n {
        entries.drain(..entries.len().saturating_sub(n));
    }
    entries
}

fn print(replicas: &[ReplicaLogs], as_json: bool) -> anyhow::Result<()> {
    if as_json {
        let replicas: Vec<Value> = replicas
            .iter()
            .map(|r| match &r.entries {
                Ok(entries) => json!({"peer": r.peer, "service": r.service, "entries": entries}),
                Err(error) => json!({"peer": r.peer, "service": r.service, "error": error}),
            })
            .collect();
        println!("{}", json!({ "replicas": replicas }));
        return Ok(());
    }
    for replica in replicas {
        println!("== {} ({})", replica.peer, replica.service);
        match &replica.entries {
            Ok(entries) if entries.is_empty() => println!("(no messages)"),
            Ok(entries) => {
                for entry in entries {
                    println!(
                        "{:>6} {:<5} {}",
                        entry["seq"],
                        entry["level"].as_str().unwrap_or("?"),
                        entry["message"].as_str().unwrap_or_default()
                    );
                }
            }
            Err(error) => eprintln!("error from {}: {error}", replica.peer),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn tail_keeps_the_newest() {
        let entries = vec![json!(1), json!(2), json!(3)];
        assert_eq!(
            super::tail(entries.clone(), Some(2)),
            vec![json!(2), json!(3)]
        );
        assert_eq!(super::tail(entries.clone(), Some(9)), entries);
        assert_eq!(super::tail(entries.clone(), None), entries);
        assert!(super::tail(entries, Some(0)).is_empty());
    }
}
