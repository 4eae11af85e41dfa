//! A client session with the network: the developer's key, a relay node, and a tokio runtime
//! for the commands that talk to nodes (`deploy`, `call`, `run`, `status`, `logs`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde_json::Value;
use weft_node::client::{Client, ClientConfig};

use crate::local::{self, NetworkState, NodeEntry};

/// Where to connect: the local network (default) or one node's address.
#[derive(Debug, Clone, clap::Args)]
pub struct Connect {
    /// A node's multiaddr (ending in `/p2p/<peer id>`) to use as the relay instead of the local
    /// network's first running node.
    #[arg(long, value_name = "MULTIADDR")]
    pub relay: Option<String>,
    /// The key that signs particles (default: `$WEFT_HOME/key`, created on first use).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Seconds to wait for a flow's result.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    #[command(flatten)]
    pub network: crate::NetworkDir,
}

pub struct Session {
    pub runtime: tokio::runtime::Runtime,
    pub client: Client,
    /// The local network, when there is one running.
    pub network: Option<NetworkState>,
    /// The relay is one of the local network's nodes (no `--relay`).
    pub relay_is_local: bool,
}

impl Session {
    pub fn open(connect: &Connect) -> anyhow::Result<Session> {
        let keys = crate::key::load_or_create(connect.key.as_deref())?;
        let network = local::load(&connect.network.dir())?
            .filter(|s| s.nodes.iter().any(NodeEntry::is_alive));
        // Candidates in order: the one given, or every running local node (a node killed a
        // moment ago may still look alive; the next one serves then).
        let relays: Vec<String> = match (&connect.relay, &network) {
            (Some(addr), _) => vec![addr.clone()],
            (None, Some(state)) => state
                .nodes
                .iter()
                .filter(|n| n.is_alive())
                .filter_map(NodeEntry::client_addr)
                .map(str::to_owned)
                .collect(),
            (None, None) => bail!(
                "no local network is running in {}: start one with `weft up`, or pass --relay MULTIADDR",
                connect.network.dir().display()
            ),
        };
        if relays.is_empty() {
            bail!("the local network has no running node with an address");
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let mut last = None;
        for relay in &relays {
            let addr = relay
                .parse()
                .with_context(|| format!("`{relay}` is not a multiaddr"))?;
            let config = ClientConfig::new(keys.clone(), addr)
                .with_timeout(Duration::from_secs(connect.timeout));
            match runtime.block_on(Client::connect(config)) {
                Ok(client) => {
                    return Ok(Session {
                        runtime,
                        client,
                        network,
                        relay_is_local: connect.relay.is_none(),
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        match last {
            Some(e) => Err(e).context("cannot connect to the relay node"),
            None => bail!("no relay node to connect to"),
        }
    }

    pub fn execute(
        &self,
        script: &str,
        args: BTreeMap<String, Value>,
    ) -> anyhow::Result<Vec<Value>> {
        Ok(self.runtime.block_on(self.client.execute(script, args))?)
    }

    /// [`Session::execute`] with its own timeout, for flows known to take long.
    pub fn execute_within(
        &self,
        script: &str,
        args: BTreeMap<String, Value>,
        timeout: Duration,
    ) -> anyhow::Result<Vec<Value>> {
        let run = self.client.execute_within(script, args, timeout);
        Ok(self.runtime.block_on(run)?)
    }

    /// Peer ids of the local network's running nodes.
    pub fn local_peers(&self) -> Vec<String> {
        self.network
            .iter()
            .flat_map(|s| s.nodes.iter())
            .filter(|n| n.is_alive())
            .map(|n| n.peer_id.clone())
            .collect()
    }

    pub fn close(self) {
        let _ = self.runtime.block_on(self.client.shutdown());
    }
}
