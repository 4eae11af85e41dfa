//! A node on an in-memory network, and a client that plays the init peer.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use serde_json::Value;
use tokio::sync::mpsc;
use weft_air::{Data, Limits, PeerKeys, RunParams};
use weft_core::{KeyPair, Particle, PeerId, PublicKey};
use weft_node::{NodeConfig, NodeCore, Transport, load_identity};

/// Every particle the node sends lands in a channel the test reads.
pub struct FakeNet {
    sent: mpsc::Sender<(PeerId, Arc<Particle>)>,
}

impl Transport for FakeNet {
    fn send(&self, to: PeerId, particle: Arc<Particle>) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            self.sent
                .send((to, particle))
                .await
                .map_err(|e| e.to_string())
        })
    }
    fn is_connected(&self, _peer: PeerId) -> BoxFuture<'_, bool> {
        Box::pin(async { false })
    }
    fn connect(&self, _peer: PeerId, _addrs: Vec<String>) -> BoxFuture<'_, bool> {
        Box::pin(async { false })
    }
    fn contact(&self, _peer: PeerId) -> BoxFuture<'_, Option<Vec<String>>> {
        Box::pin(async { None })
    }
    fn neighborhood(
        &self,
        _key: Vec<u8>,
        _count: usize,
    ) -> BoxFuture<'_, Result<Vec<PeerId>, String>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn local_addresses(&self) -> BoxFuture<'_, Vec<String>> {
        Box::pin(async { vec!["/memory/1".to_owned()] })
    }
}

/// A node with its outbox.
pub struct TestNode {
    pub core: NodeCore,
    pub peer: PeerId,
    pub outbox: mpsc::Receiver<(PeerId, Arc<Particle>)>,
}

pub fn config(dir: &Path) -> NodeConfig {
    let mut config = NodeConfig::local(dir.to_owned());
    config.host.call_cpu_ms = 2_000;
    config
}

pub async fn start(config: &NodeConfig) -> TestNode {
    let keys = load_identity(&config.data_dir).expect("identity");
    let (sent, outbox) = mpsc::channel(64);
    let core = NodeCore::start(config, keys, Arc::new(FakeNet { sent }))
        .await
        .expect("node starts");
    TestNode {
        peer: core.peer_id(),
        core,
        outbox,
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
}

struct PeerIdKeys;

impl PeerKeys for PeerIdKeys {
    fn public_key(&self, peer: &str) -> Option<PublicKey> {
        peer.parse::<PeerId>().ok().map(|id| id.public_key())
    }
}

/// The init peer of test flows: signs particles, and reads the calls a flow makes on it.
pub struct Client {
    pub keys: KeyPair,
    pub peer: PeerId,
    next_id: u32,
}

impl Client {
    pub fn new(seed: u8) -> Self {
        let keys = KeyPair::from_seed([seed; 32]);
        Self {
            peer: keys.peer_id(),
            keys,
            next_id: 0,
        }
    }

    /// A signed particle with `script`, `NODE` replaced by `node`'s id, and empty data.
    pub fn particle(&mut self, node: PeerId, script: &str) -> Particle {
        self.particle_raw(script.replace("NODE", &node.to_string()))
    }

    pub fn particle_raw(&mut self, script: String) -> Particle {
        self.next_id += 1;
        Particle::new(
            &self.keys,
            format!("p-{}-{}", self.peer, self.next_id),
            now_ms(),
            60_000,
            script,
        )
    }

    /// Like [`Client::run`], then `B64` in the script becomes `wasm` in base64 (after `NODE`
    /// is replaced: base64 text may contain "NODE").
    pub async fn run_with_module(
        &mut self,
        node: &mut TestNode,
        script: &str,
        wasm: &[u8],
    ) -> HashMap<String, Vec<Value>> {
        let script = script
            .replace("NODE", &node.peer.to_string())
            .replace("B64", &base64(wasm));
        let particle = self.particle_raw(script);
        assert!(node.core.deliver(self.peer, particle).await);
        self.receive(node).await
    }

    /// Sends `script` to the node and waits for the particle to come back; returns the calls
    /// the flow makes on this client, keyed by `service.function`.
    pub async fn run(&mut self, node: &mut TestNode, script: &str) -> HashMap<String, Vec<Value>> {
        let particle = self.particle(node.peer, script);
        assert!(node.core.deliver(self.peer, particle).await);
        self.receive(node).await
    }

    pub async fn receive(&self, node: &mut TestNode) -> HashMap<String, Vec<Value>> {
        let (to, particle) = node
            .outbox
            .recv()
            .await
            .expect("the node sends the particle back");
        assert_eq!(to, self.peer, "the flow comes back to its init peer");
        self.calls_on_me(&particle)
    }

    /// Runs the interpreter as this client on `particle` and collects its call requests.
    pub fn calls_on_me(&self, particle: &Particle) -> HashMap<String, Vec<Value>> {
        let limits = Limits::default();
        let me = self.peer.to_string();
        let params = RunParams {
            current_peer: &me,
            keypair: &self.keys,
            init_peer: &me,
            particle_id: &particle.id,
            timestamp: particle.timestamp,
            ttl: particle.ttl,
            limits: &limits,
        };
        let script = weft_air::parse(&particle.script).expect("script parses");
        let incoming = Data::from_bytes(&particle.data, &limits).expect("data decodes");
        let outcome = weft_air::run(
            &script,
            Data::default(),
            incoming,
            BTreeMap::new(),
            &PeerIdKeys,
            &params,
        );
        assert_eq!(
            outcome.ret_code, 0,
            "client run failed: {:?}",
            outcome.error
        );
        outcome
            .call_requests
            .into_iter()
            .map(|r| (format!("{}.{}", r.service, r.function), r.args))
            .collect()
    }
}

/// The component bytes of a guest built (or taken from the cache) by scripts/guests.sh.
pub fn guest(name: &str) -> Vec<u8> {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let path = built.entry(name.to_owned()).or_insert_with(|| {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/guests.sh");
        let status = Command::new("bash")
            .arg(&script)
            .arg(name)
            .status()
            .expect("run guests.sh");
        assert!(status.success(), "scripts/guests.sh {name} failed");
        let out = Command::new("bash")
            .arg(&script)
            .arg("--dir")
            .output()
            .expect("run guests.sh");
        let dir = String::from_utf8(out.stdout).expect("utf-8 path");
        PathBuf::from(dir.trim()).join(format!("{name}.wasm"))
    });
    std::fs::read(path).expect("read built guest")
}

pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
