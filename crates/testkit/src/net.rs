//! N nodes in this process, on loopback TCP, with temporary data directories.

use std::{fmt, time::Duration};

use tempfile::TempDir;
use weft_core::{KeyPair, PeerId};
use weft_net::Multiaddr;
use weft_node::{Node, NodeConfig, client::ClientConfig};

use crate::{Client, KitError, within, without_p2p};

/// How long starting a node and connecting it to the others may take.
const START: Duration = Duration::from_secs(30);

type Configure = Box<dyn Fn(usize, &mut NodeConfig) + Send + Sync>;

/// Builds a [`TestNet`].
pub struct TestNetBuilder {
    nodes: usize,
    configure: Option<Configure>,
}

impl fmt::Debug for TestNetBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestNetBuilder")
            .field("nodes", &self.nodes)
            .finish_non_exhaustive()
    }
}

impl TestNetBuilder {
    /// Changes node `i`'s config before it starts (its data dir and listen address are set).
    pub fn configure(mut self, f: impl Fn(usize, &mut NodeConfig) + Send + Sync + 'static) -> Self {
        self.configure = Some(Box::new(f));
        self
    }

    /// Starts the nodes one by one; each dials every earlier one, so when this returns
    /// every pair of nodes is connected.
    pub async fn start(self) -> Result<TestNet, KitError> {
        let dir = tempfile::tempdir().map_err(|e| KitError::io("cannot create a temp dir", e))?;
        let mut net = TestNet {
            slots: Vec::with_capacity(self.nodes),
            dir,
        };
        for i in 0..self.nodes {
            let mut config = NodeConfig::local(net.dir.path().join(format!("node-{i}")));
            config.bootstrap = net
                .slots
                .first()
                .map(|s| s.addr.to_string())
                .into_iter()
                .collect();
            if let Some(configure) = &self.configure {
                configure(i, &mut config);
            }
            let (node, addr) = within(START, &format!("node {i} to start"), boot(&config)).await?;
            // Restarts listen where this run listened, so peers' address books stay right.
            config.listen = vec![without_p2p(&addr)];
            net.slots.push(Slot {
                peer: node.peer_id(),
                node: Some(node),
                addr,
                config,
            });
            net.connect(i).await?;
        }
        Ok(net)
    }
}

struct Slot {
    config: NodeConfig,
    node: Option<Node>,
    peer: PeerId,
    /// The node's TCP address with `/p2p/<peer id>`.
    addr: Multiaddr,
}

/// N in-process nodes; killed nodes can be restarted. Dropping it drops the nodes and
/// their data.
pub struct TestNet {
    slots: Vec<Slot>,
    dir: TempDir,
}

impl fmt::Debug for TestNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.slots.iter().map(|s| (s.peer, s.node.is_some())))
            .finish()
    }
}

impl TestNet {
    pub fn builder(nodes: usize) -> TestNetBuilder {
        TestNetBuilder {
            nodes,
            configure: None,
        }
    }

    /// `nodes` connected nodes with default configs.
    pub async fn start(nodes: usize) -> Result<TestNet, KitError> {
        Self::builder(nodes).start().await
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Node `i`, unless it was killed.
    pub fn node(&self, i: usize) -> Result<&Node, KitError> {
        self.slots
            .get(i)
            .and_then(|s| s.node.as_ref())
            .ok_or_else(|| KitError::Setup(format!("node {i} is not running")))
    }

    pub fn peer_id(&self, i: usize) -> PeerId {
        self.slots[i].peer
    }

    pub fn peer_ids(&self) -> Vec<PeerId> {
        self.slots.iter().map(|s| s.peer).collect()
    }

    /// Node `i`'s address, ending with `/p2p/<peer id>`.
    pub fn addr(&self, i: usize) -> &Multiaddr {
        &self.slots[i].addr
    }

    /// The config node `i` runs with (its data dir, its fixed listen address).
    pub fn config(&self, i: usize) -> &NodeConfig {
        &self.slots[i].config
    }

    /// A new client with a fresh key, connected to node `i`.
    pub async fn client(&self, i: usize) -> Result<Client, KitError> {
        self.client_with(i, KeyPair::generate()).await
    }

    /// A client with `keypair` (an owner, a stranger, ...), connected to node `i`.
    pub async fn client_with(&self, i: usize, keypair: KeyPair) -> Result<Client, KitError> {
        let config = ClientConfig::new(keypair, self.addr(i).clone());
        Ok(Client::connect(config).await?)
    }

    /// Stops node `i` (its data directory stays).
    pub async fn kill(&mut self, i: usize) -> Result<(), KitError> {
        if let Some(node) = self.slots[i].node.take() {
            within(START, &format!("node {i} to stop"), async {
                Ok(node.shutdown().await?)
            })
            .await?;
        }
        Ok(())
    }

    /// Starts node `i` again on its data directory and address, connected to every running node.
    pub async fn restart(&mut self, i: usize) -> Result<(), KitError> {
        self.kill(i).await?;
        let config = self.slots[i].config.clone();
        let (node, addr) = within(START, &format!("node {i} to restart"), boot(&config)).await?;
        if node.peer_id() != self.slots[i].peer {
            return Err(KitError::Setup(format!(
                "node {i} came back as {} instead of {}: its identity key was not kept",
                node.peer_id(),
                self.slots[i].peer
            )));
        }
        self.slots[i].addr = addr;
        self.slots[i].node = Some(node);
        self.connect(i).await
    }

    /// Cuts the link between nodes `a` and `b` both ways; neither accepts the other until
    /// [`TestNet::restore`].
    pub async fn cut(&self, a: usize, b: usize) -> Result<(), KitError> {
        self.node(a)?.network().block(self.peer_id(b)).await?;
        self.node(b)?.network().block(self.peer_id(a)).await?;
        Ok(())
    }

    /// Lets nodes `a` and `b` connect again and reconnects them.
    pub async fn restore(&self, a: usize, b: usize) -> Result<(), KitError> {
        self.node(a)?.network().unblock(self.peer_id(b)).await?;
        self.node(b)?.network().unblock(self.peer_id(a)).await?;
        let addr = self.addr(b).clone();
        within(START, "a restored link to reconnect", async {
            Ok(self.node(a)?.network().dial(addr).await.map(drop)?)
        })
        .await
    }

    /// Dials every other running node from node `i`; returns once all are connected.
    async fn connect(&self, i: usize) -> Result<(), KitError> {
        let network = self.node(i)?.network();
        for (j, slot) in self.slots.iter().enumerate() {
            if j == i || slot.node.is_none() {
                continue;
            }
            let what = format!("node {i} to connect to node {j}");
            let dialed = within(START, &what, async {
                Ok(network.dial(slot.addr.clone()).await?)
            })
            .await?;
            if dialed != slot.peer {
                return Err(KitError::Setup(format!("{what}: answered as {dialed}")));
            }
        }
        Ok(())
    }
}

/// Starts a node; returns it with its TCP address.
async fn boot(config: &NodeConfig) -> Result<(Node, Multiaddr), KitError> {
    let node = Node::start(config.clone()).await?;
    let addr = node
        .listen_addrs()
        .await
        .into_iter()
        .find(|a| a.to_string().contains("/tcp/"))
        .ok_or_else(|| KitError::Setup("the node listens on no TCP address".into()))?;
    Ok((node, addr))
}
