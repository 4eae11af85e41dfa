//! The provider agent against the real contracts.

use std::time::Duration;

use tokio::time::timeout;
use weft_chain::{Assignment, Market, ProviderAgent, ProviderConfig, ensure_offer};

use crate::harness::{AnvilChain, Chain};
use crate::scenarios::{OfferSpec, deal_terms, offer_terms, usd};

/// Generous bound for a few polls of a local chain.
const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_follows_a_deal_on_anvil() {
    let chain = AnvilChain::start().await;
    let p = chain.account("p", usd(1_000)).await;
    let dev = chain.account("dev", usd(1_000)).await;
    let terms = offer_terms(chain.token(), "peer-p", &OfferSpec::default());
    ensure_offer(&p, usd(200), &terms).await.unwrap();
    let config = ProviderConfig {
        poll_interval: Duration::from_millis(50),
        ..ProviderConfig::new(chain.token())
    };
    let (handle, mut assignments, _task) = ProviderAgent::spawn(p.clone(), config);

    let deal = dev
        .create_deal(&deal_terms(&chain, 1, 2, 3), usd(1))
        .await
        .unwrap();
    let deploy = timeout(WAIT, assignments.recv())
        .await
        .expect("a deploy in time")
        .unwrap();
    let Assignment::Deploy {
        deal: got,
        index,
        component,
    } = deploy
    else {
        panic!("expected a deploy, got {deploy:?}");
    };
    assert_eq!(
        (got, index, component),
        (deal, 0, deal_terms(&chain, 1, 2, 3).component)
    );
    handle
        .worker_started(deal, 0, b"worker-p".to_vec())
        .await
        .unwrap();
    let info = dev.deal(deal).await.unwrap().unwrap();
    assert_eq!(info.replicas[0].worker_id.as_ref(), b"worker-p");

    dev.stop_deal(deal).await.unwrap();
    let undeploy = timeout(WAIT, assignments.recv())
        .await
        .expect("an undeploy in time")
        .unwrap();
    assert_eq!(undeploy, Assignment::Undeploy { deal, index: 0 });
}
