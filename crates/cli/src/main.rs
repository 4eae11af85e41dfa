//! `weft`: the command-line tool for Weft developers and providers.
//!
//! Each top-level subcommand lives in its own module (`flow`, `component`, later
//! `node`, `up`, ...) with its own clap `Subcommand` enum and a `run` function;
//! this file only dispatches and turns errors into exit codes.

mod aqua;
mod call;
mod component;
mod deploy;
mod flow;
mod key;
mod local;
mod logs;
mod market;
mod project;
mod remote;
mod run;
mod session;
mod state_file;
mod status;

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

/// Weft: a decentralized serverless compute network.
#[derive(Debug, Parser)]
#[command(name = "weft", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Work with AIR flows: simulate, format and check scripts.
    #[command(subcommand)]
    Flow(flow::FlowCommand),
    /// Try a WebAssembly component service locally: describe it, call its functions.
    #[command(subcommand)]
    Component(component::ComponentCommand),
    /// Your identity: the key that signs your particles and owns your services.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Create a project: a service in Rust, Python, JavaScript or C, a flow and a weft.toml.
    Init {
        /// The project's name (lowercase, digits, dashes); also the folder created.
        name: String,
        /// The service's language.
        #[arg(long, value_enum, default_value = "rust")]
        lang: project::Lang,
    },
    /// Run a node: `weft node --config FILE` (see crates/node/node.example.toml).
    Node(NodeArgs),
    /// Upload the project's component and create its service on N distinct nodes (or buy
    /// the replicas on the market with --market).
    Deploy(DeployCommand),
    /// Call a deployed service's function, with failover across its replicas.
    Call(remote::CallArgs),
    /// Run a flow from an AIR script or an Aqua file on the network and print its result.
    Run(run::RunArgs),
    /// The local network's nodes, their services and this project's deployment.
    Status(status::StatusArgs),
    /// Show what a deployed service logged, on each replica (owner or management key only).
    Logs(logs::LogsArgs),
    /// A node operator's wallet on the market: register, offer, status, withdraw.
    #[command(subcommand)]
    Provider(market::ProviderCommand),
    /// A developer's deals on the market: create, info, deposit, withdraw, stop.
    #[command(subcommand)]
    Deal(market::DealCommand),
    /// Start a local network of node processes on 127.0.0.1.
    Up {
        /// How many nodes.
        #[arg(long, default_value_t = 3)]
        nodes: usize,
        /// Also start a local chain (anvil) with the market, and make every node a provider.
        #[arg(long)]
        chain: bool,
        /// Let services reach this host (`name` or `name:port`) over HTTP; repeatable.
        #[arg(long, value_name = "HOST")]
        http_allow: Vec<String>,
        #[command(flatten)]
        network: NetworkDir,
        #[arg(long)]
        json: bool,
    },
    /// Stop the local network started by `weft up`.
    Down {
        #[command(flatten)]
        network: NetworkDir,
    },
    /// List the local network's nodes.
    Ps {
        #[command(flatten)]
        network: NetworkDir,
        #[arg(long)]
        json: bool,
    },
    /// Build the project's service into a WebAssembly component (target/weft/NAME.wasm).
    Build {
        /// Print `{"component": PATH, "bytes": N}`.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let result = match cli.command {
        Command::Flow(command) => flow::run(command),
        Command::Component(command) => component::run(command),
        Command::Key(command) => key::run(command),
        Command::Init { name, lang } => init(&name, lang),
        Command::Build { json } => build(json),
        Command::Node(args) => node(args),
        Command::Deploy(DeployCommand { plain: _, market }) if market.market => {
            match matches.subcommand_matches("deploy") {
                Some(deploy) => market::deploy::run(&market, deploy),
                None => Err(anyhow::anyhow!("internal: deploy without its arguments")),
            }
        }
        Command::Deploy(DeployCommand { plain, .. }) => remote::deploy(plain),
        Command::Provider(command) => market::provider::run(command),
        Command::Deal(command) => market::deal::run(command),
        Command::Call(args) => remote::call(args),
        Command::Run(args) => run::run(args),
        Command::Status(args) => status::run(args),
        Command::Logs(args) => logs::run(args),
        Command::Up {
            nodes,
            chain,
            http_allow,
            network,
            json,
        } => up(&network.dir(), nodes, chain, &http_allow, json),
        Command::Down { network } => down(&network.dir()),
        Command::Ps { network, json } => ps(&network.dir(), json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            match error.downcast_ref::<Diagnostic>() {
                Some(diagnostic) => eprintln!("{diagnostic}"),
                None => eprintln!("error: {error:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

#[derive(Debug, clap::Args)]
struct DeployCommand {
    #[command(flatten)]
    plain: remote::DeployArgs,
    #[command(flatten)]
    market: market::deploy::MarketDeployArgs,
}

#[derive(Debug, clap::Args)]
struct NodeArgs {
    /// The node's TOML configuration.
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// Listen on this multiaddr instead of the config's (repeatable).
    #[arg(long, value_name = "MULTIADDR")]
    listen: Vec<String>,
    /// Join the network through this peer (repeatable; added to the config's).
    #[arg(long, value_name = "MULTIADDR")]
    bootstrap: Vec<String>,
    /// Keep identity, components and service state here instead of the config's data_dir.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<std::path::PathBuf>,
    /// Serve /metrics and /health on this address (`127.0.0.1:9100`).
    #[arg(long, value_name = "ADDR")]
    http: Option<std::net::SocketAddr>,
}

fn node(args: NodeArgs) -> anyhow::Result<()> {
    let mut config = match &args.config {
        Some(path) => weft_node::NodeConfig::from_file(path)?,
        None => weft_node::NodeConfig::default(),
    };
    if !args.listen.is_empty() {
        config.listen = args.listen;
    }
    config.bootstrap.extend(args.bootstrap);
    if let Some(dir) = args.data_dir {
        config.data_dir = dir;
    }
    if args.http.is_some() {
        config.http = args.http;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(weft_node::run_until_ctrl_c(config))?;
    Ok(())
}

/// Where the local network lives.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct NetworkDir {
    /// The local network's folder (default: `$WEFT_HOME/network`, `~/.weft/network`).
    #[arg(long = "network", value_name = "DIR", global = true)]
    network: Option<std::path::PathBuf>,
}

impl NetworkDir {
    pub(crate) fn dir(&self) -> std::path::PathBuf {
        self.network.clone().unwrap_or_else(local::default_dir)
    }
}

fn up(
    dir: &std::path::Path,
    nodes: usize,
    chain: bool,
    http_allow: &[String],
    json: bool,
) -> anyhow::Result<()> {
    if !json {
        let with = if chain { " and a chain" } else { "" };
        eprintln!("starting {nodes} nodes{with} in {}", dir.display());
    }
    let started = std::time::Instant::now();
    let options = local::UpOptions {
        nodes,
        chain,
        http_allow,
        progress: !json,
    };
    let state = local::up(dir, &options)?;
    if json {
        println!("{}", serde_json::to_string(&state)?);
        return Ok(());
    }
    println!(
        "local network up: {} nodes in {:.1} s",
        state.nodes.len(),
        started.elapsed().as_secs_f64()
    );
    for node in &state.nodes {
        println!("  {}  {}", node.name, node.client_addr().unwrap_or("-"));
    }
    print_chain(&state);
    Ok(())
}

fn print_chain(state: &local::NetworkState) {
    if let Some(chain) = &state.chain {
        let status = if chain.is_alive() { "up" } else { "down" };
        println!(
            "chain    {status:<5} pid {:<8} {}",
            chain.pid, chain.rpc_url
        );
        println!("  market {}  token {}", chain.market, chain.token);
        println!(
            "  developer wallet {} ({})",
            chain.developer,
            chain.developer_wallet.display()
        );
    }
}

fn down(dir: &std::path::Path) -> anyhow::Result<()> {
    let (stopped, chain) = local::down(dir)?;
    let chain = if chain { " and the chain" } else { "" };
    println!("stopped {stopped} nodes{chain}");
    Ok(())
}

fn ps(dir: &std::path::Path, json: bool) -> anyhow::Result<()> {
    let Some(state) = local::load(dir)? else {
        if json {
            println!("[]");
        } else {
            println!(
                "no local network in {}: start one with `weft up`",
                dir.display()
            );
        }
        return Ok(());
    };
    if json {
        let nodes: Vec<serde_json::Value> = state
            .nodes
            .iter()
            .map(|n| serde_json::json!({"name": n.name, "pid": n.pid, "peer_id": n.peer_id, "addrs": n.addrs, "alive": n.is_alive(), "provider": n.provider}))
            .collect();
        println!("{}", serde_json::Value::Array(nodes));
        return Ok(());
    }
    for node in &state.nodes {
        let status = if node.is_alive() { "up" } else { "down" };
        println!(
            "{:<8} {:<5} pid {:<8} {}",
            node.name,
            status,
            node.pid,
            node.client_addr().unwrap_or("-")
        );
    }
    print_chain(&state);
    Ok(())
}

fn init(name: &str, lang: project::Lang) -> anyhow::Result<()> {
    let root = project::init(&std::env::current_dir()?, name, lang)?;
    println!("created {} ({} service)", root.display(), lang.as_str());
    println!(
        "next: cd {name} && weft build && weft up && weft deploy && weft call {name}.hello '[\"you\"]'"
    );
    Ok(())
}

fn build(json: bool) -> anyhow::Result<()> {
    let project = project::Project::find(&std::env::current_dir()?)?;
    let lang = project.manifest.service.lang;
    if !json {
        eprintln!(
            "building {} ({})...",
            project.manifest.project.name,
            lang.as_str()
        );
    }
    let started = std::time::Instant::now();
    let path = project::build(&project)?;
    let bytes = std::fs::metadata(&path)?.len();
    if json {
        println!("{}", serde_json::json!({"component": path, "bytes": bytes}));
    } else {
        println!(
            "built {} ({} KiB) in {:.1} s",
            path.display(),
            bytes / 1024,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// An error whose text is already a complete diagnostic (a located script error
/// with its source line and carets), printed as is.
#[derive(Debug)]
pub(crate) struct Diagnostic(pub(crate) String);

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Diagnostic {}

/// The last `n` lines of `text`, for errors that quote a tool's or a node's log.
pub(crate) fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn last_lines_of_short_and_long_text() {
        assert_eq!(super::last_lines("a\nb\nc", 2), "b\nc");
        assert_eq!(super::last_lines("a", 5), "a");
        assert_eq!(super::last_lines("", 3), "");
    }
}
