//! The commands that talk to a running network: `deploy`, `call`, `run`, `status`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use crate::session::{Connect, Session};
use crate::{aqua, call, deploy, project};

/// `--peers`: the nodes a command works on, by peer id.
#[derive(Debug, Clone, clap::Args)]
pub struct PeerList {
    /// Peer ids of the nodes to use, in order (comma-separated or repeated; default: the
    /// project's deployment, else the local network's nodes).
    #[arg(long = "peers", visible_alias = "peer", value_name = "PEER_ID", value_delimiter = ',', num_args = 1..)]
    peers: Vec<String>,
}

impl PeerList {
    /// The peer ids, each checked, so that a typo fails here and not as a silent timeout.
    pub fn parse(&self) -> anyhow::Result<Vec<String>> {
        for peer in &self.peers {
            peer.parse::<weft_core::PeerId>().map_err(|e| {
                anyhow::anyhow!(
                    "--peers: `{peer}` is not a peer id ({e}); `weft ps` lists the nodes' ids"
                )
            })?;
        }
        Ok(self.peers.clone())
    }
}

#[derive(Debug, clap::Args)]
pub struct DeployArgs {
    /// Distinct nodes to deploy to (default: weft.toml's [deploy] replicas, at most the
    /// number of running nodes).
    #[arg(long)]
    replicas: Option<usize>,
    #[command(flatten)]
    peers: PeerList,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    connect: Connect,
}

pub fn deploy(args: DeployArgs) -> anyhow::Result<()> {
    let project = project::Project::find(&std::env::current_dir()?)?;
    let component = project.component_path();
    if !component.is_file() {
        bail!(
            "{} is not built yet: run `weft build` first",
            component.display()
        );
    }
    let peers = args.peers.parse()?;
    let session = Session::open(&args.connect)?;
    let targets = if peers.is_empty() {
        let available = session.local_peers();
        let wanted = args.replicas.unwrap_or(project.manifest.deploy.replicas);
        if wanted == 0 {
            bail!("--replicas must be at least 1");
        }
        if available.len() < wanted && args.replicas.is_some() {
            bail!(
                "--replicas {wanted} needs {wanted} running nodes, the network has {}: `weft up --nodes {wanted}`",
                available.len()
            );
        }
        available.into_iter().take(wanted).collect()
    } else {
        let mut distinct = peers.clone();
        distinct.sort();
        distinct.dedup();
        if distinct.len() != peers.len() {
            bail!("--peers names a node twice: at most one replica per node");
        }
        peers
    };
    if targets.is_empty() {
        bail!("no nodes to deploy to: start a network with `weft up` or pass --peers");
    }
    let previous = deploy::load(&project)?;
    if !args.json {
        eprintln!(
            "deploying {} to {} nodes",
            project.manifest.project.name,
            targets.len()
        );
    }
    let started = Instant::now();
    let deployment = deploy::deploy(&session, &project, &component, &targets, args.json)?;
    deploy::save(&project, &deployment)?;
    if let Some(previous) = previous {
        // The new replicas are up; the old ones would only answer with old code. Replicas on
        // nodes of an earlier local network are gone with it: asking them would only wait.
        let running = session.local_peers();
        let stale: Vec<deploy::Replica> = previous
            .replicas
            .into_iter()
            .filter(|r| {
                !deployment
                    .replicas
                    .iter()
                    .any(|n| n.service_id == r.service_id)
            })
            .filter(|r| !session.relay_is_local || running.contains(&r.peer_id))
            .collect();
        if let Err(e) = deploy::remove(&session, &stale) {
            eprintln!("warning: could not remove the previous deployment's services: {e:#}");
        }
    }
    session.close();
    if args.json {
        println!("{}", serde_json::to_string(&deployment)?);
    } else {
        println!(
            "deployed {} (module {}) to {} replicas in {:.1} s",
            deployment.alias,
            deployment.module,
            deployment.replicas.len(),
            started.elapsed().as_secs_f64()
        );
        for replica in &deployment.replicas {
            println!("  {}  {}", replica.peer_id, replica.service_id);
        }
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct CallArgs {
    /// SERVICE.FUNCTION: the service's alias or id, and the function's name.
    target: String,
    /// Arguments as JSON: an array in parameter order (a single non-array value is one argument).
    #[arg(default_value = "[]")]
    args: String,
    /// Ask every replica and report whether they agree.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    peers: PeerList,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    connect: Connect,
}

pub fn call(args: CallArgs) -> anyhow::Result<()> {
    let (service, function) = call::parse_target(&args.target)?;
    let call_args = call::parse_args(&args.args)?;
    let peers = args.peers.parse()?;
    let session = Session::open(&args.connect)?;
    let peers = if !peers.is_empty() {
        peers
    } else {
        replicas_of(&service).unwrap_or_else(|| session.local_peers())
    };
    let started = Instant::now();
    if args.all {
        let answers = call::call_all(&session, &service, &function, &call_args, &peers);
        session.close();
        let ok: Vec<&Value> = answers
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .collect();
        let agree = !ok.is_empty() && ok.iter().all(|v| *v == ok[0]);
        if args.json {
            let replies: Vec<Value> = answers
                .iter()
                .map(|(peer, r)| match r {
                    Ok(v) => json!({"peer": peer, "result": v}),
                    Err(e) => json!({"peer": peer, "error": e}),
                })
                .collect();
            println!("{}", json!({"agree": agree, "replies": replies}));
        } else {
            for (peer, r) in &answers {
                match r {
                    Ok(v) => println!("{peer}  {v}"),
                    Err(e) => println!("{peer}  error: {e}"),
                }
            }
            println!(
                "{} of {} replicas answered; {}",
                ok.len(),
                answers.len(),
                if agree { "they agree" } else { "they DISAGREE" }
            );
        }
        if ok.is_empty() {
            bail!("no replica answered");
        }
        return Ok(());
    }
    let outcome = call::call(&session, &service, &function, &call_args, &peers);
    session.close();
    let outcome = outcome?;
    if args.json {
        println!(
            "{}",
            json!({"result": outcome.result, "peer": outcome.peer, "ms": started.elapsed().as_millis() as u64})
        );
    } else {
        println!("{}", outcome.result);
        eprintln!(
            "answered by {} in {} ms",
            outcome.peer,
            started.elapsed().as_millis()
        );
    }
    Ok(())
}

/// The replicas the current project's deployment recorded for `service`, if any.
fn replicas_of(service: &str) -> Option<Vec<String>> {
    let cwd = std::env::current_dir().ok()?;
    let project = project::Project::find(&cwd).ok()?;
    let deployment = deploy::load(&project).ok()??;
    (deployment.alias == service)
        .then(|| deployment.replicas.into_iter().map(|r| r.peer_id).collect())
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// An AIR script (.air) or an Aqua file (.aqua).
    file: PathBuf,
    /// The Aqua function to run (needed when the file exports several).
    #[arg(long)]
    func: Option<String>,
    /// An argument as NAME=JSON (served to the flow by getDataSrv); repeatable.
    #[arg(long = "arg", value_name = "NAME=JSON")]
    args: Vec<String>,
    #[command(flatten)]
    connect: Connect,
}

pub fn run(args: RunArgs) -> anyhow::Result<()> {
    let mut data = BTreeMap::new();
    for arg in &args.args {
        let (name, value) = arg
            .split_once('=')
            .with_context(|| format!("--arg `{arg}` is not NAME=JSON"))?;
        let value: Value = serde_json::from_str(value).with_context(|| {
            format!("--arg {name}: `{value}` is not JSON (strings need quotes: {name}='\"text\"')")
        })?;
        data.insert(name.to_owned(), value);
    }
    let script = match args.file.extension().and_then(|e| e.to_str()) {
        Some("aqua") => {
            let functions = aqua::compile(&args.file)?;
            let (name, function) = aqua::choose(&functions, args.func.as_deref())?;
            let missing: Vec<&String> = function
                .args
                .iter()
                .filter(|a| !data.contains_key(*a))
                .collect();
            if !missing.is_empty() {
                bail!(
                    "{name} takes arguments {}: pass each with --arg NAME=JSON (missing: {})",
                    function.args.join(", "),
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            function.script
        }
        Some("air") => std::fs::read_to_string(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?,
        _ => bail!("{} is neither .air nor .aqua", args.file.display()),
    };
    let session = Session::open(&args.connect)?;
    let result = session.execute(&script, data);
    session.close();
    let values = result?;
    let out = match values.len() {
        1 => values.into_iter().next().unwrap_or(Value::Null),
        _ => Value::Array(values),
    };
    println!("{out}");
    Ok(())
}

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
pub fn status(args: StatusArgs) -> anyhow::Result<()> {
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
