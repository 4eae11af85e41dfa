//! The compute market end to end on anvil: three provider nodes publish offers at different
//! prices, a developer creates a deal for two replicas, the two cheapest providers deploy the
//! component by themselves and register their workers on chain, a client calls both
//! replicas through the network, a provider withdraws what it earned once the chain's clock
//! moves, and stopping the deal removes the services.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::watch;
use tokio::time::timeout;
use weft_chain::{B256, DealStatus, DealTerms, DevChain, DevChainConfig, Market, U256, keys};
use weft_core::PeerId;
use weft_node::{ProviderModeConfig, ProviderStatus, deal_alias};
use weft_testkit::{TestNet, flows, guest, metrics};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_deploy_matched_deals_serve_them_get_paid_and_undeploy() {
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
    let provider = |i: usize| net.node(i).unwrap().provider().expect("a provider node");
    for i in 1..=3 {
        assert_eq!(provider(i).account(), accounts[i - 1]);
        wait_until("the offers", provider(i).watch(), |s| s.offer.is_some()).await;
    }

    // The developer uploads the component to a node and names it by the hash it got back.
    let client = net.client(0).await.unwrap();
    let wasm = guest("greeter-rust").unwrap();
    let upload = |peer: PeerId| {
        let (client, wasm) = (&client, &wasm);
        async move {
            let encoded = base64_standard(wasm);
            let hash = flows::call(client, peer, "dist", "add_module", vec![json!(encoded)]);
            timeout(WAIT, hash).await.unwrap().unwrap()
        }
    };
    let hash = upload(net.peer_id(0)).await;
    let hash = hash.as_str().expect("add_module returns the module hash");
    let component: B256 = format!("0x{hash}").parse().unwrap();

    let developer = chain.funded_market(U256::from(FUNDS)).await.unwrap();
    let terms = DealTerms {
        token,
        component,
        replicas: 2,
        compute_units: 1,
        max_price_per_cu: U256::from(100u64),
        region: B256::ZERO,
        required_attributes: U256::ZERO,
    };
    let created = Instant::now();
    let deal = developer
        .create_deal(&terms, U256::from(100_000u64))
        .await
        .unwrap();

    // The two cheapest offers win; the developer uploads to the peers the chain names.
    let matched = developer.deal(deal).await.unwrap().unwrap();
    let peers: Vec<PeerId> = matched
        .replicas
        .iter()
        .map(|r| PeerId::from_bytes(&r.peer_id).unwrap())
        .collect();
    let expected: HashSet<PeerId> = [net.peer_id(1), net.peer_id(2)].into();
    assert_eq!(peers.iter().copied().collect::<HashSet<_>>(), expected);
    for &peer in &peers {
        assert_eq!(upload(peer).await, json!(hash));
    }
    let alias = deal_alias(deal);
    let served = wait_until("provider 1 to serve", provider(1).watch(), |s| {
        s.serving.contains_key(&deal)
    })
    .await;
    let hello = flows::call(&client, net.peer_id(1), &alias, "hello", vec![json!("ann")]);
    let answer = timeout(WAIT, hello).await.unwrap().unwrap();
    println!(
        "deal creation to the first served call: {:?}",
        created.elapsed()
    );
    assert_eq!(answer, json!("Hello, ann!"));

    let second = wait_until("provider 2 to serve", provider(2).watch(), |s| {
        s.serving.contains_key(&deal)
    })
    .await;
    let hello = flows::call(&client, net.peer_id(2), &alias, "hello", vec![json!("bo")]);
    assert_eq!(
        timeout(WAIT, hello).await.unwrap().unwrap(),
        json!("Hello, bo!")
    );
    // The chain names each replica's worker: the service that runs it.
    let on_chain = developer.deal(deal).await.unwrap().unwrap();
    for replica in &on_chain.replicas {
        let on_1 = replica.peer_id.as_ref() == net.peer_id(1).to_bytes().as_slice();
        let status = if on_1 { &served } else { &second };
        assert_eq!(replica.worker_id.as_ref(), status.serving[&deal].as_bytes());
    }
    assert!(provider(3).status().serving.is_empty());
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
    let paid = wait_until("provider 1 to withdraw", provider(1).watch(), |s| {
        s.withdrawn > U256::ZERO
    })
    .await
    .withdrawn;
    assert_eq!(paid % U256::from(PRICES[0]), U256::ZERO, "paid {paid}");
    let balance = developer.token_balance(token, accounts[0]).await.unwrap();
    assert!(
        balance >= U256::from(FUNDS - COLLATERAL) + paid,
        "balance {balance}, withdrawn {paid}"
    );

    // Stopping the deal takes the service off both providers.
    developer.stop_deal(deal).await.unwrap();
    for i in 1..=2 {
        wait_until("the undeploy", provider(i).watch(), |s| {
            !s.serving.contains_key(&deal)
        })
        .await;
    }
    let stopped = developer.deal(deal).await.unwrap().unwrap();
    assert_eq!(stopped.status, DealStatus::Stopped);
    let gone = flows::call(&client, net.peer_id(1), &alias, "hello", vec![json!("cy")]);
    let err = timeout(WAIT, gone).await.unwrap().unwrap_err();
    assert!(err.to_string().contains(&alias), "{err}");
}

fn base64_standard(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
