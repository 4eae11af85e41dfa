//! The compute market end to end on anvil: three provider nodes publish offers at different
//! prices, a developer creates a deal for two replicas, the two cheapest providers fetch the
//! component from the node the developer uploaded it to (found through Kademlia, checked
//! against the deal's hash), deploy it by themselves and register their workers on chain, a client calls both
//! replicas through the network, a provider withdraws what it earned once the chain's clock
//! moves, and stopping the deal removes the services.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::watch;
use tokio::time::timeout;
use weft_chain::{
    Address, AlloyMarket, B256, DealId, DealStatus, DealTerms, DevChain, DevChainConfig,
    Market as _, U256, keys,
};
use weft_core::PeerId;
use weft_node::{Provider, ProviderModeConfig, ProviderStatus, deal_alias};
use weft_testkit::{Client, ClientError, TestNet, flows, guest, metrics};

const WAIT: Duration = Duration::from_secs(60);
/// Token amounts in the smallest unit of the 6-decimal dev stablecoin.
const FUNDS: u64 = 1_000_000_000;
const COLLATERAL: u64 = 100_000_000;
/// Price per compute unit per epoch of providers 1, 2 and 3; node 0 only relays.
const PRICES: [u64; 3] = [10, 20, 30];

async fn wait_until(
    what: &str,
    mut status: watch::Receiver<ProviderStatus>,
    done: impl FnMut(&ProviderStatus) -> bool,
) -> ProviderStatus {
    timeout(WAIT, status.wait_for(done))
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
        .unwrap()
        .clone()
}

/// Anvil, four nodes (1, 2 and 3 providers at [`PRICES`]), a client on node 0, a funded
/// developer and the greeter component uploaded to node 0.
struct Market {
    chain: DevChain,
    net: TestNet,
    /// The providers' wallets, of nodes 1, 2 and 3.
    accounts: Vec<Address>,
    client: Client,
    developer: AlloyMarket,
    wasm: Vec<u8>,
    /// The component as the node named it, which is what a deal names.
    hash: String,
    _wallets: TempDir,
}

impl Market {
    async fn start() -> Market {
        let chain = DevChain::start(DevChainConfig::default()).await.unwrap();
        let token = chain.contracts().token;
        let wallets = tempfile::tempdir().unwrap();
        let mut sections = Vec::new();
        let mut accounts = Vec::new();
        for (i, price) in PRICES.iter().enumerate() {
            let signer = chain.funded_account(U256::from(FUNDS)).await.unwrap();
            let path = wallets.path().join(format!("provider-{}.key", i + 1));
            keys::save(&path, &signer).unwrap();
            accounts.push(signer.address());
            let mut section = ProviderModeConfig::new(chain.url(), chain.contracts().market, token);
            section.wallet_key_file = path;
            section.collateral = COLLATERAL.to_string();
            section.price_per_cu = price.to_string();
            section.compute_units = 4;
            section.poll_interval_ms = 100;
            section.heartbeat_interval_ms = 300;
            section.withdraw_interval_ms = 300;
            section.retry_ms = 50;
            section.retry_max_ms = 500;
            sections.push(section);
        }
        let net = TestNet::builder(4)
            .configure(move |i, config| {
                if i > 0 {
                    config.provider = Some(sections[i - 1].clone());
                }
                if i == 1 {
                    config.http = Some("127.0.0.1:0".parse().unwrap());
                }
            })
            .start()
            .await
            .unwrap();
        let client = net.client(0).await.unwrap();
        let developer = chain.funded_market(U256::from(FUNDS)).await.unwrap();
        let mut market = Market {
            chain,
            net,
            accounts,
            client,
            developer,
            wasm: guest("greeter-rust").unwrap(),
            hash: String::new(),
            _wallets: wallets,
        };
        for i in 1..=3 {
            assert_eq!(market.provider(i).account(), market.accounts[i - 1]);
            let offer = market.provider(i).watch();
            wait_until("the offers", offer, |s| s.offer.is_some()).await;
        }
        let hash = market.upload(market.net.peer_id(0)).await;
        market.hash = hash.as_str().expect("add_module returns the hash").into();
        market
    }

    fn provider(&self, i: usize) -> &Provider {
        let node = self.net.node(i).unwrap();
        node.provider().expect("a provider node")
    }

    /// The developer's upload of the component to `peer`; returns the hash it answers.
    async fn upload(&self, peer: PeerId) -> Value {
        let encoded = base64::engine::general_purpose::STANDARD.encode(&self.wasm);
        let hash = flows::call(
            &self.client,
            peer,
            "dist",
            "add_module",
            vec![json!(encoded)],
        );
        timeout(WAIT, hash).await.unwrap().unwrap()
    }

    /// A deal for two replicas of the component; returns it with the peers matched.
    async fn create_deal(&self) -> (DealId, Vec<PeerId>) {
        let terms = DealTerms {
            token: self.chain.contracts().token,
            component: format!("0x{}", self.hash).parse().unwrap(),
            replicas: 2,
            compute_units: 1,
            max_price_per_cu: U256::from(100u64),
            region: B256::ZERO,
            required_attributes: U256::ZERO,
        };
        let deposit = U256::from(100_000u64);
        let deal = self.developer.create_deal(&terms, deposit).await.unwrap();
        let matched = self.developer.deal(deal).await.unwrap().unwrap();
        let peers = matched
            .replicas
            .iter()
            .map(|r| PeerId::from_bytes(&r.peer_id).unwrap());
        (deal, peers.collect())
    }

    async fn hello(&self, node: usize, alias: &str, name: &str) -> Result<Value, ClientError> {
        let peer = self.net.peer_id(node);
        let hello = flows::call(&self.client, peer, alias, "hello", vec![json!(name)]);
        timeout(WAIT, hello).await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_deploy_matched_deals_serve_them_get_paid_and_undeploy() {
    let m = Market::start().await;
    let (net, chain, developer) = (&m.net, &m.chain, &m.developer);
    let token = chain.contracts().token;
    let created = Instant::now();
    let (deal, peers) = m.create_deal().await;

    // The two cheapest offers win. The component is only on node 0, where the developer
    // uploaded it: each provider fetches it from there.
    let expected: HashSet<PeerId> = [net.peer_id(1), net.peer_id(2)].into();
    assert_eq!(peers.iter().copied().collect::<HashSet<_>>(), expected);
    let alias = deal_alias(deal);
    let served = wait_until("provider 1 to serve", m.provider(1).watch(), |s| {
        s.serving.contains_key(&deal)
    })
    .await;
    let answer = m.hello(1, &alias, "ann").await.unwrap();
    println!(
        "deal creation to the first served call: {:?}",
        created.elapsed()
    );
    assert_eq!(answer, json!("Hello, ann!"));

    let second = wait_until("provider 2 to serve", m.provider(2).watch(), |s| {
        s.serving.contains_key(&deal)
    })
    .await;
    assert_eq!(m.hello(2, &alias, "bo").await.unwrap(), json!("Hello, bo!"));
    // The chain names each replica's worker: the service that runs it.
    let on_chain = developer.deal(deal).await.unwrap().unwrap();
    for replica in &on_chain.replicas {
        let on_1 = replica.peer_id.as_ref() == net.peer_id(1).to_bytes().as_slice();
        let status = if on_1 { &served } else { &second };
        assert_eq!(replica.worker_id.as_ref(), status.serving[&deal].as_bytes());
    }
    assert!(m.provider(3).status().serving.is_empty());
    let scraped = metrics::scrape(net.node(1).unwrap().http_addr().unwrap())
        .await
        .unwrap();
    assert_eq!(
        metrics::sample(&scraped, "weft_provider_deploys_total"),
        Some(1.0)
    );

    // Two epochs pass; the next heartbeat settles them and the agent withdraws.
    chain
        .advance_time(2 * chain.params().epoch_seconds)
        .await
        .unwrap();
    let paid = wait_until("provider 1 to withdraw", m.provider(1).watch(), |s| {
        s.withdrawn > U256::ZERO
    })
    .await
    .withdrawn;
    assert_eq!(paid % U256::from(PRICES[0]), U256::ZERO, "paid {paid}");
    let balance = developer.token_balance(token, m.accounts[0]).await.unwrap();
    assert!(
        balance >= U256::from(FUNDS - COLLATERAL) + paid,
        "balance {balance}, withdrawn {paid}"
    );

    // Stopping the deal takes the service off both providers.
    developer.stop_deal(deal).await.unwrap();
    for i in 1..=2 {
        wait_until("the undeploy", m.provider(i).watch(), |s| {
            !s.serving.contains_key(&deal)
        })
        .await;
    }
    let stopped = developer.deal(deal).await.unwrap().unwrap();
    assert_eq!(stopped.status, DealStatus::Stopped);
    let err = m.hello(1, &alias, "cy").await.unwrap_err();
    assert!(err.to_string().contains(&alias), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_provider_finds_its_deal_service_and_keeps_serving() {
    let mut m = Market::start().await;
    let (deal, peers) = m.create_deal().await;
    for &peer in &peers {
        m.upload(peer).await;
    }
    let alias = deal_alias(deal);
    let before = wait_until("provider 1 to serve", m.provider(1).watch(), |s| {
        s.serving.contains_key(&deal)
    })
    .await;

    m.net.restart(1).await.unwrap();
    // The new agent reads the market from its first block: the match is replayed and the
    // deploy finds the service the registry restored instead of making a second one.
    let after = wait_until("provider 1 to serve again", m.provider(1).watch(), |s| {
        s.serving.contains_key(&deal)
    })
    .await;
    assert_eq!(after.serving[&deal], before.serving[&deal]);
    assert_eq!(
        after.offer, before.offer,
        "the restart published a new offer"
    );
    assert_eq!(
        m.hello(1, &alias, "dee").await.unwrap(),
        json!("Hello, dee!")
    );
    let services = flows::call(&m.client, m.net.peer_id(1), "srv", "list", vec![]);
    let services = timeout(WAIT, services).await.unwrap().unwrap();
    assert_eq!(services.as_array().map(Vec::len), Some(1), "{services}");
}
