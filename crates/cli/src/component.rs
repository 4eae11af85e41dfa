//! `weft component`: inspect and call a WebAssembly component service locally, with the same
//! default limits as the node.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Subcommand;
use weft_host::{CallContext, Host, HostConfig, ServiceConfig};

#[derive(Debug, Subcommand)]
pub enum ComponentCommand {
    /// Print the functions a component exports, with their signatures, as JSON.
    Describe {
        /// The component (.wasm).
        file: PathBuf,
    },
    /// Call one exported function and print its JSON result.
    Call {
        /// The component (.wasm).
        file: PathBuf,
        /// The function's WIT name (`make-point`), or `interface#function` when the short name
        /// is ambiguous.
        function: String,
        /// Arguments as JSON: an array in parameter order, or an object keyed by parameter name.
        #[arg(default_value = "[]")]
        args: String,
        /// Grant the `kv` capability, persisted in this directory.
        #[arg(long, value_name = "DIR")]
        kv: Option<PathBuf>,
        /// Allow outbound HTTP to this host (`name` or `name:port`); repeatable.
        #[arg(long = "allow-http", value_name = "HOST")]
        allow_http: Vec<String>,
        /// Print the service's log messages to stderr after the call.
        #[arg(long)]
        logs: bool,
    },
}

pub fn run(command: ComponentCommand) -> anyhow::Result<()> {
    match command {
        ComponentCommand::Describe { file } => {
            let (host, id) = load(&file, HostConfig::default())?;
            let interface = host.describe(&id)?;
            print_line(&serde_json::to_string_pretty(&interface.to_json())?)
        }
        ComponentCommand::Call {
            file,
            function,
            args,
            kv,
            allow_http,
            logs,
        } => {
            let args: serde_json::Value =
                serde_json::from_str(&args).context("the arguments are not valid JSON")?;
            let config = HostConfig {
                kv_dir: kv.clone(),
                // One call needs one instance: reserve little address space.
                max_instances: 4,
                ..HostConfig::default()
            };
            let (host, id) = load(&file, config)?;
            let mut service = ServiceConfig::new(service_name(&file));
            service.kv = kv.is_some();
            service.http_allow = allow_http;
            let service = host.service(&id, service)?;
            let result = service.call(&function, &args, CallContext::default());
            if logs {
                for entry in service.logs() {
                    eprintln!("[{:?}] {}", entry.level, entry.message);
                }
            }
            print_line(&serde_json::to_string(&result?)?)
        }
    }
}

/// Writes to stdout, failing (instead of panicking like `println!`) when it is closed.
fn print_line(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(out.flush()?)
}

fn load(file: &Path, mut config: HostConfig) -> anyhow::Result<(Host, weft_host::ComponentId)> {
    let wasm = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    config.cache_dir = compiled_cache_dir();
    let host = Host::new(config)?;
    let id = host
        .load(&wasm)
        .with_context(|| format!("cannot load {}", file.display()))?;
    Ok((host, id))
}

/// Compiled components are kept in the user's cache so that repeated calls start fast.
fn compiled_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("weft").join("compiled"))
}

fn service_name(file: &Path) -> String {
    file.file_stem().map_or_else(
        || "service".to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}
