//! `weft status`: the local network's nodes, the services each runs, this project's deployment.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::session::{Connect, Session};
use crate::{deploy, project};

/// Lists one node's services. Data: `target`.
const LIST_SERVICES: &str = r#"
(xor
 (seq
  (seq
   (call relay ("op" "noop") [])
   (call target ("srv" "list") [] services))
  (seq
   (call relay ("op" "noop") [])
   (call %init_peer_id% ("callbackSrv" "response") [services])))
 (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0]))
"#;

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    connect: Connect,
}

/// `weft status`: the local network's nodes, the services each one runs, and the current
/// project's deployment.
pub fn run(args: StatusArgs) -> anyhow::Result<()> {
    let session = Session::open(&args.connect)?;
    let nodes = session.network.clone().map(|s| s.nodes).unwrap_or_default();
    let list_services = weft_node::client::script::with_args(&["target"], LIST_SERVICES);
    let mut report = Vec::new();
    for node in &nodes {
        let alive = node.is_alive();
        let services = if alive {
            let data = BTreeMap::from([("target".to_owned(), json!(node.peer_id))]);
            match session.execute(&list_services, data) {
                Ok(mut values) if !values.is_empty() => values.swap_remove(0),
                Ok(_) => Value::Null,
                Err(e) => json!({"error": format!("{e:#}")}),
            }
        } else {
            Value::Null
        };
        report.push(json!({"name": node.name, "peer_id": node.peer_id, "alive": alive, "services": services}));
    }
    session.close();
    let deployment = std::env::current_dir()
        .ok()
        .and_then(|cwd| project::Project::find(&cwd).ok())
        .and_then(|p| deploy::load(&p).ok().flatten());
    if args.json {
        println!("{}", json!({"nodes": report, "deployment": deployment}));
        return Ok(());
    }
    for node in &report {
        let services = node["services"].as_array().map(Vec::len);
        println!(
            "{:<8} {:<5} {}  {}",
            node["name"].as_str().unwrap_or("?"),
            if node["alive"] == json!(true) {
                "up"
            } else {
                "down"
            },
            node["peer_id"].as_str().unwrap_or("?"),
            services.map_or_else(|| "-".to_owned(), |n| format!("{n} services")),
        );
    }
    if let Some(deployment) = deployment {
        println!(
            "deployment: {} on {} replicas (module {})",
            deployment.alias,
            deployment.replicas.len(),
            deployment.module
        );
    }
    Ok(())
}
