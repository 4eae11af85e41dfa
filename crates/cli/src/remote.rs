//! The commands that deploy and call services on a running network: `deploy`, `call`, and
//! the `--peers` list they and `logs` share.

use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::{Value, json};

use crate::session::{Connect, Session};
use crate::{call, deploy, project};

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
    /// A host (`name` or `name:port`) the service may reach over HTTP, besides weft.toml's
    /// [service] http; repeatable. Each node refuses hosts its operator does not allow.
    #[arg(long = "http-allow", value_name = "HOST")]
    http_allow: Vec<String>,
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
    let deployment = deploy::deploy(
        &session,
        &project,
        &component,
        &targets,
        &args.http_allow,
        args.json,
    )?;
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
    /// Milliseconds a replica has to answer before the next one is tried.
    #[arg(long, value_name = "MS", default_value_t = call::REPLICA_TIMEOUT.as_millis() as u64)]
    replica_timeout: u64,
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
        let wait = Duration::from_millis(args.replica_timeout);
        let answers = call::call_all(&session, &service, &function, &call_args, &peers, wait);
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
    let wait = Duration::from_millis(args.replica_timeout);
    let outcome = call::call(&session, &service, &function, &call_args, &peers, wait);
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
