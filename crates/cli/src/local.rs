//! `weft up`, `weft down`, `weft ps`: a local network of real node processes on 127.0.0.1.
//!
//! Everything lives under one folder (default `$WEFT_HOME/network`): one sub-folder per node
//! with its config, data and log, and `network.json`, which records the running processes so
//! that `down`, `ps` and the commands that talk to the network find them.

use std::io::{BufRead as _, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};

use crate::market::devnet::{self, LocalChain};
use crate::state_file;

/// How long one node may take to print its ready line.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// The call timeout of local nodes.
const COMMIT_TIMEOUT_MS: u64 = 120_000;
/// How long `down` waits for a node to exit after SIGTERM before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetworkState {
    pub nodes: Vec<NodeEntry>,
    /// The local chain of `weft up --chain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<LocalChain>,
}

/// What `weft up` starts.
pub struct UpOptions<'a> {
    pub nodes: usize,
    /// Start a local chain too and make every node a provider on its market.
    pub chain: bool,
    /// Hosts every node lets its services reach over HTTP.
    pub http_allow: &'a [String],
    /// Progress lines on stderr.
    pub progress: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeEntry {
    pub name: String,
    pub pid: u32,
    pub peer_id: String,
    /// Multiaddrs with `/p2p/<peer id>`, as printed by the node.
    pub addrs: Vec<String>,
    pub dir: PathBuf,
    /// The provider wallet's account, when the node sells compute on the local chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

impl NodeEntry {
    pub fn is_alive(&self) -> bool {
        process_alive(self.pid)
    }

    /// The address clients dial: the first TCP one.
    pub fn client_addr(&self) -> Option<&str> {
        self.addrs
            .iter()
            .find(|a| a.contains("/tcp/"))
            .or(self.addrs.first())
            .map(String::as_str)
    }
}

pub fn default_dir() -> PathBuf {
    crate::key::weft_home().join("network")
}

fn state_path(dir: &Path) -> PathBuf {
    dir.join("network.json")
}

/// The recorded network in `dir`, if there is one.
pub fn load(dir: &Path) -> anyhow::Result<Option<NetworkState>> {
    state_file::read(&state_path(dir), "run `weft down`")
}

fn save(dir: &Path, state: &NetworkState) -> anyhow::Result<()> {
    state_file::write(&state_path(dir), state)
}

/// Starts the nodes (and the chain); the first node is the others' bootstrap peer.
pub fn up(dir: &Path, options: &UpOptions<'_>) -> anyhow::Result<NetworkState> {
    let count = options.nodes;
    if count == 0 || count > 32 {
        bail!("--nodes must be between 1 and 32, got {count}");
    }
    if let Some(state) = load(dir)?
        && (state.nodes.iter().any(NodeEntry::is_alive)
            || state.chain.as_ref().is_some_and(LocalChain::is_alive))
    {
        bail!(
            "a local network is already running in {} ({} nodes): `weft ps` shows it, `weft down` stops it",
            dir.display(),
            state.nodes.len()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let exe = std::env::current_exe().context("cannot find the weft binary")?;
    let mut state = NetworkState {
        nodes: Vec::new(),
        chain: None,
    };
    let devnet = if options.chain {
        let started = Instant::now();
        let devnet = devnet::start(&dir.join("chain"))?;
        if options.progress {
            eprintln!(
                "  chain   {}  ready in {} ms",
                devnet.chain.rpc_url,
                started.elapsed().as_millis()
            );
        }
        state.chain = Some(devnet.chain.clone());
        if let Err(e) = save(dir, &state) {
            devnet::stop(devnet.chain.pid);
            return Err(e);
        }
        Some(devnet)
    } else {
        None
    };
    for index in 0..count {
        let name = format!("node-{index}");
        let node_dir = dir.join(&name);
        let bootstrap: Vec<String> = state
            .nodes
            .first()
            .and_then(NodeEntry::client_addr)
            .map(str::to_owned)
            .into_iter()
            .collect();
        let started = Instant::now();
        let node = NodeSetup {
            name: &name,
            dir: &node_dir,
            bootstrap: &bootstrap,
            http_allow: options.http_allow,
        };
        match start_node(&exe, &node, devnet.as_ref()) {
            Ok(entry) => {
                if options.progress {
                    eprintln!(
                        "  {name}  {}  ready in {} ms",
                        entry.peer_id,
                        started.elapsed().as_millis()
                    );
                }
                state.nodes.push(entry);
                save(dir, &state)?;
            }
            Err(error) => {
                // Leave nothing half-started.
                stop_all(&state);
                let _ = std::fs::remove_file(state_path(dir));
                return Err(error);
            }
        }
    }
    Ok(state)
}

struct NodeSetup<'a> {
    name: &'a str,
    dir: &'a Path,
    bootstrap: &'a [String],
    http_allow: &'a [String],
}

/// Starts one node; with a chain it gets a funded provider wallet and a `[provider]` section.
fn start_node(
    exe: &Path,
    node: &NodeSetup<'_>,
    devnet: Option<&devnet::DevNet>,
) -> anyhow::Result<NodeEntry> {
    let NodeSetup {
        name,
        dir,
        bootstrap,
        http_allow,
    } = *node;
    // A node dir left by an earlier network holds its wallet; a new chain needs a new one.
    let wallet = dir.join("data/wallet.key");
    let _ = std::fs::remove_file(&wallet);
    std::fs::create_dir_all(dir.join("data"))
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let (provider, section) = match devnet {
        Some(devnet) => {
            let (account, section) = devnet.provider_section(&wallet)?;
            (Some(account.to_string()), section)
        }
        None => (None, String::new()),
    };
    let config = dir.join("config.toml");
    let mut text = format!(
        "# Written by `weft up`.\nlisten = [\"/ip4/127.0.0.1/tcp/0\", \"/ip4/127.0.0.1/udp/0/quic-v1\"]\nbootstrap = {}\ndata_dir = {}\n\n[limits]\n# dist.commit compiles a component within one call: tens of MiB for Python take longer than\n# the default 10 s on a small machine running debug builds.\ncall_timeout_ms = {COMMIT_TIMEOUT_MS}\n\n[host]\nhttp_allow = {}\n",
        toml_list(bootstrap),
        toml_string(&dir.join("data").display().to_string()),
        toml_list(http_allow),
    );
    if !section.is_empty() {
        text.push('\n');
        text.push_str(&section);
    }
    std::fs::write(&config, text).with_context(|| format!("cannot write {}", config.display()))?;
    let log = std::fs::File::create(dir.join("node.log"))
        .with_context(|| format!("cannot create {}", dir.join("node.log").display()))?;
    let mut child = Command::new(exe)
        .arg("node")
        .arg("--config")
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        // Its own process group: a Ctrl-C in the terminal that ran `weft up` must not stop it.
        .process_group(0)
        .spawn()
        .with_context(|| format!("cannot start {}", exe.display()))?;
    let pid = child.id();
    let stdout = child.stdout.take().context("node stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    // The ready line arrives on stdout; read it on a thread so the wait has a deadline.
    std::thread::spawn(move || {
        let mut line = String::new();
        let mut reader = BufReader::new(stdout);
        let _ = reader.read_line(&mut line);
        let _ = tx.send(line);
        // The node writes nothing else to stdout (its logs go to stderr, into node.log), so
        // the pipe may close when `weft up` exits.
    });
    let line = match rx.recv_timeout(READY_TIMEOUT) {
        Ok(line) if !line.is_empty() => line,
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(dir.join("node.log")).unwrap_or_default();
            bail!(
                "{name} did not start (no ready line within {} s); its log ends with:\n{}",
                READY_TIMEOUT.as_secs(),
                crate::last_lines(&log, 20)
            );
        }
    };
    let (peer_id, addrs) = parse_ready_line(&line)
        .with_context(|| format!("{name} printed an unexpected ready line: {line:?}"))?;
    Ok(NodeEntry {
        name: name.to_owned(),
        pid,
        peer_id,
        addrs,
        dir: dir.to_path_buf(),
        provider,
    })
}

/// `weft node <peer id> listening on <addr> <addr> ... [http <socket addr>]`
pub fn parse_ready_line(line: &str) -> Option<(String, Vec<String>)> {
    let rest = line.trim().strip_prefix("weft node ")?;
    let (peer, rest) = rest.split_once(' ')?;
    let addrs = rest.strip_prefix("listening on ")?;
    let addrs: Vec<String> = addrs
        .split_whitespace()
        .take_while(|word| *word != "http")
        .map(str::to_owned)
        .collect();
    (!addrs.is_empty()).then(|| (peer.to_owned(), addrs))
}

/// Stops the nodes and the chain; returns how many nodes ran and whether a chain did.
pub fn down(dir: &Path) -> anyhow::Result<(usize, bool)> {
    let Some(state) = load(dir)? else {
        return Ok((0, false));
    };
    let chain = state.chain.as_ref().is_some_and(LocalChain::is_alive);
    let stopped = stop_all(&state);
    std::fs::remove_file(state_path(dir))
        .with_context(|| format!("cannot remove {}", state_path(dir).display()))?;
    Ok((stopped, chain))
}

/// Stops the nodes, then the chain they use.
fn stop_all(state: &NetworkState) -> usize {
    let stopped = stop_nodes(state);
    if let Some(chain) = &state.chain {
        devnet::stop(chain.pid);
    }
    stopped
}

fn stop_nodes(state: &NetworkState) -> usize {
    let alive: Vec<&NodeEntry> = state.nodes.iter().filter(|n| n.is_alive()).collect();
    for node in &alive {
        signal(node.pid, "TERM");
    }
    let deadline = Instant::now() + STOP_TIMEOUT;
    for node in &alive {
        while process_alive(node.pid) && Instant::now() < deadline {
            // Another process's exit cannot be awaited without being its parent: poll.
            std::thread::sleep(Duration::from_millis(20));
        }
        if process_alive(node.pid) {
            signal(node.pid, "KILL");
        }
    }
    alive.len()
}

fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status();
}

/// Alive and not a zombie (a killed child of this process that nobody reaped yet).
pub fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z')),
        Err(_) => false,
    }
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn toml_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| toml_string(s)).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_line() {
        let (peer, addrs) =
            parse_ready_line("weft node 12D3KooWabc listening on /ip4/127.0.0.1/tcp/1/p2p/x /ip4/127.0.0.1/udp/2/quic-v1 http 127.0.0.1:9\n")
                .unwrap();
        assert_eq!(peer, "12D3KooWabc");
        assert_eq!(addrs.len(), 2);
        assert!(parse_ready_line("weft node x listening on ").is_none());
        assert!(parse_ready_line("hello").is_none());
    }

    #[test]
    fn own_process_is_alive_and_a_free_pid_is_not() {
        assert!(process_alive(std::process::id()));
        assert!(!process_alive(u32::MAX - 1));
    }
}
