//! The compute market end to end on anvil: four provider nodes publish offers at different
//! prices, a developer creates a deal for two replicas, the two cheapest providers fetch the
//! component from the node the developer uploaded it to (found through Kademlia, checked
//! against the deal's hash), deploy it by themselves and register their workers on chain, a client calls both
//! replicas through the network, a provider withdraws what it earned once the chain's clock
//! moves, and stopping the deal removes the services. A 3-replica deal survives a provider
//! that dies: its replica is re-matched to the fourth provider, calls keep working, and every
//! balance matches the epochs each provider served, to the token unit.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::watch;
use tokio::time::timeout;
use weft_chain::{
    Address, AlloyMarket, B256, Deal, DealId, DealStatus, DealTerms, DevChain, DevChainConfig,
    Market as _, U256, keys,
};
use weft_core::PeerId;
use weft_node::{Provider, ProviderModeConfig, ProviderStatus, deal_alias};
use weft_testkit::{Client, ClientError, TestNet, flows, guest, metrics};

const WAIT: Duration = Duration::from_secs(60);
/// Token amounts in the smallest unit of the 6-decimal dev stablecoin.
const FUNDS: u64 = 1_000_000_000;
const COLLATERAL: u64 = 100_000_000;
/// Price per compute unit per epoch of providers 1 to 4; node 0 only relays.
const PRICES: [u64; 4] = [10, 20, 30, 40];

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

/// Anvil, five nodes (1 to 4 providers at [`PRICES`]), a client on node 0, a funded
/// developer and the greeter component uploaded to node 0.
struct Market {
    chain: DevChain,
    net: TestNet,
    /// The providers' wallets, of nodes 1 to 4.
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
        let net = TestNet::builder(PRICES.len() + 1)
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
        for i in 1..=PRICES.len() {
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
        let (deal, peers) = self.create_deal_of(2).await;
        (deal.id, peers)
    }

    /// A deal for `replicas`, as the chain has it right after its creation, and its peers.
    async fn create_deal_of(&self, replicas: u32) -> (Deal, Vec<PeerId>) {
        let terms = DealTerms {
            token: self.chain.contracts().token,
            component: format!("0x{}", self.hash).parse().unwrap(),
            replicas,
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
            .map(|r| PeerId::from_bytes(&r.peer_id).unwrap())
            .collect();
        (matched, peers)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_providers_replica_moves_to_the_fourth_and_everyone_is_paid_to_the_unit() {
    let mut m = Market::start().await;
    let token = m.chain.contracts().token;
    let developer_before = m
        .developer
        .token_balance(token, m.developer.account())
        .await;
    let developer_before = developer_before.unwrap();
    let (created, peers) = m.create_deal_of(3).await;
    let deal = created.id;
    let expected: HashSet<PeerId> = (1..=3).map(|i| m.net.peer_id(i)).collect();
    assert_eq!(peers.iter().copied().collect::<HashSet<_>>(), expected);
    let alias = deal_alias(deal);
    for i in 1..=3 {
        wait_until("the 3 replicas", m.provider(i).watch(), |s| {
            s.serving.contains_key(&deal)
        })
        .await;
        assert_eq!(
            m.hello(i, &alias, "ann").await.unwrap(),
            json!("Hello, ann!")
        );
    }
    let index = created.replica_of(m.accounts[0]).unwrap();

    // Provider 1 dies. Its heartbeats stop; once they are `heartbeat_epochs` late anyone may
    // report it, which pays the epochs so far, slashes it and re-matches its replica.
    m.net.kill(1).await.unwrap();
    let params = m.chain.params();
    let late = u64::from(params.heartbeat_epochs) + 1;
    m.chain
        .advance_time(late * params.epoch_seconds)
        .await
        .unwrap();
    for i in 2..=3 {
        assert_eq!(m.hello(i, &alias, "bo").await.unwrap(), json!("Hello, bo!"));
    }
    m.developer
        .report_missed_heartbeat(deal, index)
        .await
        .unwrap();
    let rematched = m.developer.deal(deal).await.unwrap().unwrap();
    assert_eq!(
        rematched.replicas[index as usize].provider,
        Some(m.accounts[3])
    );
    let report_epoch = rematched.settled_epoch;
    assert!(report_epoch >= created.settled_epoch + late);
    wait_until("provider 4 to serve", m.provider(4).watch(), |s| {
        s.serving.contains_key(&deal)
    })
    .await;
    assert_eq!(m.hello(4, &alias, "cy").await.unwrap(), json!("Hello, cy!"));
    // A flow that tries the dead replica first falls over to the new one.
    let dead = (m.net.peer_id(1), m.net.peer_id(4));
    let fallback =
        flows::call_with_fallback(&m.client, dead, (&alias, "hello"), json!("di"), 2_000);
    assert_eq!(
        timeout(WAIT, fallback).await.unwrap().unwrap(),
        json!("Hello, di!")
    );

    // Two more epochs, then the developer stops the deal, which pays them.
    m.chain
        .advance_time(2 * params.epoch_seconds)
        .await
        .unwrap();
    m.developer.stop_deal(deal).await.unwrap();
    let stopped = m.developer.deal(deal).await.unwrap().unwrap();
    assert_eq!(stopped.status, DealStatus::Stopped);
    let (start, report, end) = (created.settled_epoch, report_epoch, stopped.settled_epoch);
    assert!(end >= report + 2);

    // Each provider earned its price for the epochs it held the replica: 1 until the report,
    // 2 and 3 throughout, 4 from the report on. Earnings are withdrawn or still in the market.
    let served = [report - start, end - start, end - start, end - report];
    let mut paid_total = U256::ZERO;
    for (i, (price, epochs)) in PRICES.iter().zip(served).enumerate() {
        let account = m.accounts[i];
        let earned = U256::from(price * epochs);
        paid_total += earned;
        let wallet = m.developer.token_balance(token, account).await.unwrap();
        let pending = m.developer.earnings(account, token).await.unwrap();
        assert_eq!(
            wallet + pending,
            U256::from(FUNDS - COLLATERAL) + earned,
            "provider {} served {epochs} epochs at {price}",
            i + 1
        );
    }
    let developer_after = m
        .developer
        .token_balance(token, m.developer.account())
        .await;
    assert_eq!(developer_before - developer_after.unwrap(), paid_total);
    // The dead provider lost its share of collateral.
    let slashed = weft_chain::Market::provider(&m.developer, m.accounts[0]).await;
    let slashed = slashed.unwrap();
    let slash = U256::from(COLLATERAL) * U256::from(params.slash_bps) / U256::from(10_000u64);
    assert_eq!(slashed.collateral, U256::from(COLLATERAL) - slash);
}
