//! Real `weft node` processes on 127.0.0.1: written config, ready line, SIGKILL, restart.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use tempfile::TempDir;
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader},
    process::{Child, Command},
};
use weft_core::{KeyPair, PeerId};
use weft_net::Multiaddr;
use weft_node::{NodeConfig, client::ClientConfig};

use crate::{Client, KitError, within, without_p2p};

/// How long a process may take to print its ready line.
const READY: Duration = Duration::from_secs(60);
/// The start of the line a node prints to stdout when it is ready.
const READY_PREFIX: &str = "weft node ";

/// One `weft node --config FILE` process. Dropping it kills the process.
#[derive(Debug)]
pub struct NodeProcess {
    binary: PathBuf,
    config: NodeConfig,
    config_path: PathBuf,
    log_path: PathBuf,
    child: Option<Child>,
    peer: PeerId,
    /// The TCP address, with `/p2p/<peer id>`.
    addr: Multiaddr,
    http: Option<std::net::SocketAddr>,
}

impl NodeProcess {
    /// Writes `config` next to its data dir and starts `binary` (the `weft` executable) on it;
    /// returns when the node printed its ready line. Listening on port 0 is fine: restarts
    /// reuse the port the first run got.
    pub async fn start(binary: &Path, config: NodeConfig) -> Result<NodeProcess, KitError> {
        let dir = config.data_dir.clone();
        std::fs::create_dir_all(&dir)
            .map_err(|e| KitError::io(format!("cannot create {}", dir.display()), e))?;
        let mut process = NodeProcess {
            binary: binary.to_owned(),
            config_path: dir.with_extension("toml"),
            log_path: dir.with_extension("log"),
            config,
            child: None,
            peer: KeyPair::from_seed([0; 32]).peer_id(),
            addr: Multiaddr::empty(),
            http: None,
        };
        process.spawn().await?;
        let fixed = without_p2p(&process.addr);
        process.config.listen = vec![fixed];
        Ok(process)
    }

    pub fn peer_id(&self) -> PeerId {
        self.peer
    }

    /// The node's TCP address, ending with `/p2p/<peer id>`.
    pub fn addr(&self) -> &Multiaddr {
        &self.addr
    }

    /// Where the node serves `/metrics` and `/health`, when its config asks for it.
    pub fn http_addr(&self) -> Option<std::net::SocketAddr> {
        self.http
    }

    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// The node's stderr and stdout so far (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }

    /// A client with a fresh key connected to this node.
    pub async fn client(&self) -> Result<Client, KitError> {
        let config = ClientConfig::new(KeyPair::generate(), self.addr.clone());
        Ok(Client::connect(config).await?)
    }

    /// SIGKILL: no shutdown code runs, as in a crash or `kill -9`.
    pub async fn kill(&mut self) -> Result<(), KitError> {
        if let Some(mut child) = self.child.take() {
            child
                .kill()
                .await
                .map_err(|e| KitError::io("cannot kill the node process", e))?;
        }
        Ok(())
    }

    /// Kills the process if it runs and starts it again on the same config, data dir and address.
    pub async fn restart(&mut self) -> Result<(), KitError> {
        self.kill().await?;
        let peer = self.peer;
        self.spawn().await?;
        if self.peer != peer {
            return Err(KitError::Setup(format!(
                "the node came back as {} instead of {peer}: its identity key was not kept",
                self.peer
            )));
        }
        Ok(())
    }

    async fn spawn(&mut self) -> Result<(), KitError> {
        let text = toml::to_string(&self.config)
            .map_err(|e| KitError::Setup(format!("cannot write the node config: {e}")))?;
        std::fs::write(&self.config_path, text)
            .map_err(|e| KitError::io(format!("cannot write {}", self.config_path.display()), e))?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .map_err(|e| KitError::io(format!("cannot open {}", self.log_path.display()), e))?;
        let mut child = Command::new(&self.binary)
            .arg("node")
            .arg("--config")
            .arg(&self.config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| KitError::io(format!("cannot start {}", self.binary.display()), e))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| KitError::Setup("the node's stdout is not piped".into()))?;
        self.child = Some(child);
        let log_path = self.log_path.clone();
        let what = format!(
            "`weft node` to print its ready line (log: {})",
            log_path.display()
        );
        let (line, rest) = within(READY, &what, ready_line(stdout, &log_path)).await?;
        // Keep reading stdout into the log, so the node never blocks on a full pipe.
        tokio::spawn(copy_lines(rest, log_path));
        let (peer, addr) = parse_ready(&line)?;
        self.peer = peer;
        self.addr = addr;
        // `... http 127.0.0.1:PORT` when the node serves metrics.
        self.http = line
            .split_whitespace()
            .skip_while(|w| *w != "http")
            .nth(1)
            .and_then(|a| a.parse().ok());
        Ok(())
    }
}

/// `N` node processes, each connected to every earlier one before `start` returns.
#[derive(Debug)]
pub struct ProcessNet {
    pub nodes: Vec<NodeProcess>,
    _dir: TempDir,
}

impl ProcessNet {
    /// Starts `n` nodes of `binary` with [`NodeConfig::local`] configs changed by `configure`.
    pub async fn start(
        binary: &Path,
        n: usize,
        configure: impl Fn(usize, &mut NodeConfig),
    ) -> Result<ProcessNet, KitError> {
        let dir = tempfile::tempdir().map_err(|e| KitError::io("cannot create a temp dir", e))?;
        let mut nodes: Vec<NodeProcess> = Vec::with_capacity(n);
        for i in 0..n {
            let mut config = NodeConfig::local(dir.path().join(format!("node-{i}")));
            config.bootstrap = nodes.iter().map(|p| p.addr.to_string()).collect();
            configure(i, &mut config);
            let node = NodeProcess::start(binary, config).await?;
            if !nodes.is_empty() {
                connect_to(&node, &nodes).await?;
            }
            nodes.push(node);
        }
        Ok(ProcessNet { nodes, _dir: dir })
    }
}

/// Makes `node` connect to each of `others` with `peer.connect`, run by a client of `node`:
/// the answer comes once the connection is up (or failed), so nothing is polled.
pub(crate) async fn connect_to(node: &NodeProcess, others: &[NodeProcess]) -> Result<(), KitError> {
    let client = node.client().await?;
    for other in others {
        let connected = crate::flows::call(
            &client,
            node.peer,
            "peer",
            "connect",
            vec![
                serde_json::json!(other.peer.to_string()),
                serde_json::json!([without_p2p(&other.addr)]),
            ],
        )
        .await?;
        if connected != serde_json::Value::Bool(true) {
            return Err(KitError::Setup(format!(
                "node {} could not connect to {}: peer.connect answered {connected}",
                node.peer, other.peer
            )));
        }
    }
    client.shutdown().await?;
    Ok(())
}

type Lines<R> = tokio::io::Lines<BufReader<R>>;

/// Reads stdout until the ready line; earlier lines go to the log. Fails with the log's
/// tail when the process ends first.
async fn ready_line<R: AsyncRead + Unpin>(
    stdout: R,
    log_path: &Path,
) -> Result<(String, Lines<R>), KitError> {
    let mut lines = BufReader::new(stdout).lines();
    let mut early = String::new();
    loop {
        let line = lines
            .next_line()
            .await
            .map_err(|e| KitError::io("cannot read the node's stdout", e))?;
        let Some(line) = line else {
            let log = std::fs::read_to_string(log_path).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(KitError::Setup(format!(
                "`weft node` exited before it was ready; stdout:\n{early}log:\n{}",
                tail.join("\n")
            )));
        };
        if line.starts_with(READY_PREFIX) {
            return Ok((line, lines));
        }
        early.push_str(&line);
        early.push('\n');
    }
}

async fn copy_lines<R: AsyncRead + Unpin>(mut lines: Lines<R>, log_path: PathBuf) {
    let Ok(mut log) = tokio::fs::OpenOptions::new()
        .append(true)
        .open(&log_path)
        .await
    else {
        return;
    };
    while let Ok(Some(line)) = lines.next_line().await {
        let _ = log.write_all(format!("{line}\n").as_bytes()).await;
    }
}

/// `weft node <peer id> listening on <addr> [<addr> ...]`: the peer id and the first TCP
/// address, with `/p2p/<peer id>`.
fn parse_ready(line: &str) -> Result<(PeerId, Multiaddr), KitError> {
    let bad = |why: &str| KitError::Setup(format!("unexpected ready line ({why}): {line}"));
    let mut words = line.split_whitespace().skip(2);
    let peer: PeerId = words
        .next()
        .and_then(|w| w.parse().ok())
        .ok_or_else(|| bad("no peer id after `weft node`"))?;
    let addr = words
        .map(|w| w.trim_matches(|c: char| c == ',' || c == '[' || c == ']'))
        .find(|w| w.starts_with("/ip4/") && w.contains("/tcp/"))
        .ok_or_else(|| bad("no /ip4/.../tcp/... address"))?;
    let base = addr.split("/p2p/").next().unwrap_or(addr);
    let addr = format!("{base}/p2p/{peer}")
        .parse()
        .map_err(|_| bad("the address is not a multiaddr"))?;
    Ok((peer, addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_lines_parse() {
        let peer = KeyPair::from_seed([9; 32]).peer_id();
        let line = format!(
            "weft node {peer} listening on /ip4/127.0.0.1/udp/4001/quic-v1 /ip4/127.0.0.1/tcp/4000/p2p/{peer}"
        );
        let (got, addr) = parse_ready(&line).unwrap();
        assert_eq!(got, peer);
        assert_eq!(
            addr.to_string(),
            format!("/ip4/127.0.0.1/tcp/4000/p2p/{peer}")
        );
        assert!(parse_ready("weft node nonsense listening on /ip4/1.2.3.4/tcp/1").is_err());
        assert!(parse_ready(&format!("weft node {peer} listening on")).is_err());
    }
}
