//! The provider task on the in-memory market: deploys, conflicts and undeploys, against a
//! real service registry and host.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::watch;
use weft_chain::{B256, DealId, DealTerms, FakeMarket, Market, MarketParams};
use weft_core::{KeyPair, Particle};

use super::*;
use crate::NodeConfig;

const TOKEN: Address = Address::repeat_byte(0x70);
const WAIT: Duration = Duration::from_secs(30);

fn greeter() -> Vec<u8> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/guests.sh");
    let built = Command::new("bash")
        .arg(&script)
        .arg("greeter-rust")
        .status();
    assert!(
        built.unwrap().success(),
        "scripts/guests.sh greeter-rust failed"
    );
    let dir = Command::new("bash")
        .arg(&script)
        .arg("--dir")
        .output()
        .unwrap();
    let dir = String::from_utf8(dir.stdout).unwrap();
    std::fs::read(PathBuf::from(dir.trim()).join("greeter-rust.wasm")).unwrap()
}

/// Other peers as a provider sees them: components they serve by hash; `asked` when the
/// provider tries to fetch one.
#[derive(Default)]
struct Peers {
    serving: Mutex<Vec<Vec<u8>>>,
    asked: tokio::sync::Notify,
}

impl Transport for Peers {
    fn send(&self, _: PeerId, _: Arc<Particle>) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async { Err("no particles in these tests".to_owned()) })
    }
    fn is_connected(&self, _: PeerId) -> BoxFuture<'_, bool> {
        Box::pin(async { false })
    }
    fn connect(&self, _: PeerId, _: Vec<String>) -> BoxFuture<'_, bool> {
        Box::pin(async { false })
    }
    fn contact(&self, _: PeerId) -> BoxFuture<'_, Option<Vec<String>>> {
        Box::pin(async { None })
    }
    fn neighborhood(&self, _: Vec<u8>, _: usize) -> BoxFuture<'_, Result<Vec<PeerId>, String>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn local_addresses(&self) -> BoxFuture<'_, Vec<String>> {
        Box::pin(async { Vec::new() })
    }
    fn fetch(&self, hash: [u8; 32], max_bytes: u64) -> BoxFuture<'_, Result<Vec<u8>, String>> {
        self.asked.notify_one();
        let serving = self.serving.lock().unwrap();
        let found = serving
            .iter()
            .find(|bytes| {
                *blake3::hash(bytes).as_bytes() == hash && bytes.len() as u64 <= max_bytes
            })
            .cloned()
            .ok_or_else(|| "no peer announces it".to_owned());
        Box::pin(async move { found })
    }
}

struct Fixture {
    services: Arc<Services>,
    peers: Arc<Peers>,
    peer: PeerId,
    developer: FakeMarket,
    status: Arc<StatusCell>,
    task: JoinHandle<()>,
    wasm: Vec<u8>,
    _dir: tempfile::TempDir,
}

impl Fixture {
    async fn start() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let config = NodeConfig::local(dir.path().join("node"));
        let peer = KeyPair::generate().peer_id();
        let services = tokio::task::spawn_blocking(move || Services::open(&config, peer));
        let services = Arc::new(services.await.unwrap().unwrap());
        let params = MarketParams {
            collateral_token: TOKEN,
            treasury: Address::repeat_byte(0x7e),
            epoch_seconds: 10,
            min_collateral: U256::from(100),
            slash_bps: 1_000,
            heartbeat_epochs: 2,
            reserve_epochs: 1,
        };
        let root = FakeMarket::new(params, 1_000);
        let [provider, developer] = [1u8, 2].map(|byte| {
            let account = Address::with_last_byte(byte);
            root.mint(TOKEN, account, U256::from(1_000_000));
            root.as_account(account)
        });
        let (sender, _) = watch::channel(ProviderStatus::default());
        let status = Arc::new(StatusCell(sender));
        let market = Metered {
            inner: provider,
            status: Arc::clone(&status),
        };
        let settings = ProviderSettings {
            rpc_url: "http://unused".into(),
            market: Address::repeat_byte(0x33),
            wallet: PathBuf::from("unused"),
            collateral: U256::from(100),
            token: TOKEN,
            price_per_cu: U256::from(3),
            compute_units: 8,
            region: B256::ZERO,
            attributes: U256::ZERO,
            from_block: 0,
            poll_interval: Duration::from_millis(20),
            heartbeat_interval: Duration::from_secs(1),
            withdraw_interval: Duration::from_secs(60),
            retry: Duration::from_millis(10),
            retry_max: Duration::from_millis(100),
        };
        let peers = Arc::new(Peers::default());
        let fetcher = Fetcher {
            transport: Arc::clone(&peers) as Arc<dyn Transport>,
            max_bytes: 64 << 20,
        };
        let task = tokio::spawn(run(
            settings,
            market,
            Arc::clone(&services),
            peer,
            fetcher,
            Arc::clone(&status),
        ));
        let fixture = Fixture {
            services,
            peers,
            peer,
            developer,
            status,
            task,
            wasm: greeter(),
            _dir: dir,
        };
        fixture.wait("the offer", |s| s.offer.is_some()).await;
        fixture
    }

    async fn wait(&self, what: &str, done: impl FnMut(&ProviderStatus) -> bool) -> ProviderStatus {
        let mut watch = self.status.0.subscribe();
        let status = tokio::time::timeout(WAIT, watch.wait_for(done)).await;
        status
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
            .unwrap()
            .clone()
    }

    async fn create_deal(&self) -> DealId {
        let terms = DealTerms {
            token: TOKEN,
            component: B256::from(*blake3::hash(&self.wasm).as_bytes()),
            replicas: 1,
            compute_units: 2,
            max_price_per_cu: U256::from(5),
            region: B256::ZERO,
            required_attributes: U256::ZERO,
        };
        self.developer
            .create_deal(&terms, U256::from(1_000))
            .await
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_deal_alias_blocks_the_deploy_until_it_goes() {
    let f = Fixture::start().await;
    let stranger = KeyPair::generate().peer_id();
    let hash = f.services.add_module(&f.wasm, "greeter").unwrap();
    let squatter = f.services.create(&hash, &stranger).unwrap();
    f.services
        .add_alias("deal-1", &squatter, &stranger)
        .unwrap();

    let deal = f.create_deal().await;
    assert_eq!(deal_alias(deal), "deal-1");
    f.wait("a failed deploy", |s| s.deploy_failures > 0).await;
    assert!(f.status.get().serving.is_empty());
    let replica = &f.developer.deal(deal).await.unwrap().unwrap().replicas[0];
    assert!(replica.worker_id.is_empty(), "the squatter was registered");

    f.services.remove(&squatter, &stranger).unwrap();
    let served = f
        .wait("the deploy", |s| s.serving.contains_key(&deal))
        .await;
    let service = &served.serving[&deal];
    let info = f.services.info("deal-1").unwrap();
    assert_eq!(info["id"], *service);
    assert_eq!(info["owner_id"], f.peer.to_string());
    let replica = &f.developer.deal(deal).await.unwrap().unwrap().replicas[0];
    assert_eq!(replica.worker_id.as_ref(), service.as_bytes());

    f.developer.stop_deal(deal).await.unwrap();
    f.wait("the undeploy", |s| s.serving.is_empty()).await;
    assert!(f.services.info("deal-1").is_err());
    assert_eq!(f.services.count(), 0);
    f.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_the_node_lacks_is_fetched_from_a_peer_then_announced() {
    let f = Fixture::start().await;
    let announced = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&announced);
    f.services
        .on_module_added(move |hash| record.lock().unwrap().push(hash));
    let deal = f.create_deal().await;
    // Nobody serves it yet: the deploy asks, finds nothing and creates nothing.
    tokio::time::timeout(WAIT, f.peers.asked.notified())
        .await
        .expect("the provider asked its peers for the component");
    assert_eq!(f.services.count(), 0);
    assert!(f.status.get().serving.is_empty());

    f.peers.serving.lock().unwrap().push(f.wasm.clone());
    let served = f
        .wait("the deploy", |s| s.serving.contains_key(&deal))
        .await;
    let info = f.services.info("deal-1").unwrap();
    assert_eq!(info["id"], served.serving[&deal]);
    let hash = *blake3::hash(&f.wasm).as_bytes();
    assert_eq!(f.services.module_hashes(), vec![hash]);
    assert_eq!(*announced.lock().unwrap(), vec![hash]);
    f.task.abort();
}
