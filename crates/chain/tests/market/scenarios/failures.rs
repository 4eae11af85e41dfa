//! Replicas whose providers stop serving: re-matching and slashing.

use weft_chain::{Market, Revert};

use super::{OfferSpec, balance, deal_terms, holders, provider, refused, units, usd};
use crate::harness::Chain;

pub async fn missed_heartbeat_rematches_and_slashes<C: Chain>(chain: &C) -> Vec<String> {
    let (a, _) = provider(
        chain,
        "a",
        OfferSpec {
            price: 3,
            ..OfferSpec::default()
        },
    )
    .await;
    let (b, _) = provider(
        chain,
        "b",
        OfferSpec {
            price: 4,
            ..OfferSpec::default()
        },
    )
    .await;
    let (c, _) = provider(
        chain,
        "c",
        OfferSpec {
            price: 5,
            ..OfferSpec::default()
        },
    )
    .await;
    let dev = chain.account("dev", usd(1_000)).await;
    let deal = dev
        .create_deal(&deal_terms(chain, 2, 1, 5), units(1_000))
        .await
        .unwrap();
    assert_eq!(
        holders(&dev, deal).await,
        vec![Some(a.account()), Some(b.account())]
    );

    chain.advance_epochs(1).await;
    a.heartbeat(deal).await.unwrap();
    b.heartbeat(deal).await.unwrap();
    chain.advance_epochs(1).await;
    a.heartbeat(deal).await.unwrap();
    // b's last heartbeat is one epoch old; the deadline is two.
    let early = refused(c.report_missed_heartbeat(deal, 1).await);
    assert!(
        matches!(early, Revert::HeartbeatNotMissed { index: 1, .. }),
        "{early}"
    );

    chain.advance_epochs(2).await;
    a.heartbeat(deal).await.unwrap();
    c.report_missed_heartbeat(deal, 1).await.unwrap();
    assert_eq!(
        holders(&dev, deal).await,
        vec![Some(a.account()), Some(c.account())]
    );
    // 10% of b's 200 USD went to the treasury; b keeps what it earned: 4 epochs at 4.
    let params = chain.params();
    assert_eq!(
        dev.provider(b.account()).await.unwrap().collateral,
        usd(180)
    );
    assert_eq!(balance(chain, &dev, params.treasury).await, usd(20));
    assert_eq!(
        b.earnings(b.account(), chain.token()).await.unwrap(),
        units(16)
    );
    assert_eq!(dev.provider(b.account()).await.unwrap().active_replicas, 0);
    assert_eq!(
        refused(b.heartbeat(deal).await),
        Revert::NotReplicaProvider {
            deal,
            index: u32::MAX
        }
    );

    // The new provider is paid from the same escrow.
    chain.advance_epochs(1).await;
    dev.settle(deal).await.unwrap();
    assert_eq!(
        c.earnings(c.account(), chain.token()).await.unwrap(),
        units(5)
    );
    assert_eq!(
        a.earnings(a.account(), chain.token()).await.unwrap(),
        units(15)
    );
    let info = dev.deal(deal).await.unwrap().unwrap();
    assert_eq!(info.escrow, units(1_000 - 5 * 3 - 4 * 4 - 5));

    let fresh = refused(a.report_missed_heartbeat(deal, 1).await);
    assert!(
        matches!(fresh, Revert::HeartbeatNotMissed { index: 1, .. }),
        "{fresh}"
    );
    assert_eq!(
        refused(a.report_missed_heartbeat(deal, 5).await),
        Revert::ReplicaNotFound { deal, index: 5 }
    );

    chain.log(&dev).await
}

pub async fn reported_failure_rematches<C: Chain>(chain: &C) -> Vec<String> {
    let (a, _) = provider(
        chain,
        "a",
        OfferSpec {
            price: 3,
            ..OfferSpec::default()
        },
    )
    .await;
    let (b, _) = provider(
        chain,
        "b",
        OfferSpec {
            price: 4,
            ..OfferSpec::default()
        },
    )
    .await;
    let dev = chain.account("dev", usd(1_000)).await;
    let deal = dev
        .create_deal(&deal_terms(chain, 1, 1, 5), units(1_000))
        .await
        .unwrap();
    assert_eq!(holders(&dev, deal).await, vec![Some(a.account())]);

    assert_eq!(
        refused(b.report_failure(deal, 0).await),
        Revert::NotDeveloper(deal)
    );
    dev.report_failure(deal, 0).await.unwrap();
    assert_eq!(holders(&dev, deal).await, vec![Some(b.account())]);
    assert_eq!(
        dev.provider(a.account()).await.unwrap().collateral,
        usd(180)
    );

    // b fails too; a is excluded from this deal, so nobody is left.
    dev.report_failure(deal, 0).await.unwrap();
    assert_eq!(holders(&dev, deal).await, vec![None]);
    assert_eq!(
        refused(dev.report_failure(deal, 0).await),
        Revert::ReplicaNotMatched { deal, index: 0 }
    );
    assert_eq!(
        refused(dev.report_missed_heartbeat(deal, 0).await),
        Revert::ReplicaNotMatched { deal, index: 0 }
    );
    dev.match_deal(deal).await.unwrap();
    assert_eq!(holders(&dev, deal).await, vec![None]);

    // Nobody serves, nobody is paid.
    chain.advance_epochs(3).await;
    dev.settle(deal).await.unwrap();
    assert_eq!(dev.deal(deal).await.unwrap().unwrap().escrow, units(1_000));

    chain.log(&dev).await
}
