//! Matching deals to offers, and workers.

use weft_chain::{DealStatus, Market, Revert, U256};

use super::{OfferSpec, deal_terms, holders, provider, refused, region, units, usd};
use crate::harness::Chain;

pub async fn matching_picks_cheapest_eligible<C: Chain>(chain: &C) -> Vec<String> {
    let spec = |price, units, region, attributes| OfferSpec {
        price,
        units,
        region,
        attributes,
    };
    let (a, _) = provider(chain, "a", spec(5, 10, "us", 0b11)).await; // above the max price
    let (b, b_offer) = provider(chain, "b", spec(3, 10, "eu", 0b11)).await; // other region
    let (c, c_offer) = provider(chain, "c", spec(3, 10, "us", 0b01)).await;
    let (d, d_offer) = provider(chain, "d", spec(4, 10, "us", 0b11)).await;
    let (e, _) = provider(chain, "e", spec(2, 1, "us", 0b11)).await; // too little capacity
    let (f, _) = provider(chain, "f", spec(1, 10, "us", 0b10)).await; // lacks attribute 0b01
    let dev = chain.account("dev", usd(1_000)).await;

    let mut terms = deal_terms(chain, 2, 4, 4);
    terms.region = region("us");
    terms.required_attributes = U256::from(0b01);
    let deal = dev.create_deal(&terms, usd(10)).await.unwrap();
    assert_eq!(
        holders(&dev, deal).await,
        vec![Some(c.account()), Some(d.account())]
    );
    let info = dev.deal(deal).await.unwrap().unwrap();
    assert_eq!(info.replicas[0].offer, Some(c_offer));
    assert_eq!(info.replicas[0].price_per_epoch, units(12));
    assert_eq!(info.replicas[1].price_per_epoch, units(16));
    assert_eq!(info.replicas[0].peer_id.as_ref(), b"peer-c");
    assert_eq!(info.status, DealStatus::Active);
    assert_eq!(
        dev.offer(c_offer)
            .await
            .unwrap()
            .unwrap()
            .terms
            .compute_units,
        6
    );
    assert_eq!(dev.provider(d.account()).await.unwrap().active_replicas, 1);
    for idle in [&a, &b, &e, &f] {
        assert_eq!(
            dev.provider(idle.account()).await.unwrap().active_replicas,
            0
        );
    }

    // A tie on price goes to the older offer: b (any region now) before c.
    let mut anywhere = deal_terms(chain, 1, 4, 3);
    anywhere.required_attributes = U256::from(0b01);
    let tie = dev.create_deal(&anywhere, usd(10)).await.unwrap();
    let info = dev.deal(tie).await.unwrap().unwrap();
    assert_eq!(
        (info.replicas[0].provider, info.replicas[0].offer),
        (Some(b.account()), Some(b_offer))
    );

    // Only f asks as little as 1 per CU, and it lacks attribute 0b01: nothing fits.
    let mut cheap = deal_terms(chain, 1, 4, 1);
    cheap.required_attributes = U256::from(0b01);
    let waiting = dev.create_deal(&cheap, usd(10)).await.unwrap();
    assert_eq!(holders(&dev, waiting).await, vec![None]);
    dev.match_deal(waiting).await.unwrap();
    assert_eq!(holders(&dev, waiting).await, vec![None]);
    // d lowers its price; anyone may run the matching again.
    d.update_offer(d_offer, units(1), 6).await.unwrap();
    a.match_deal(waiting).await.unwrap();
    assert_eq!(holders(&dev, waiting).await, vec![Some(d.account())]);
    assert_eq!(
        dev.offer(d_offer)
            .await
            .unwrap()
            .unwrap()
            .terms
            .compute_units,
        2
    );

    chain.log(&dev).await
}

pub async fn one_replica_per_provider<C: Chain>(chain: &C) -> Vec<String> {
    let big = || OfferSpec {
        units: 100,
        ..OfferSpec::default()
    };
    let (a, _) = provider(chain, "a", big()).await;
    let (b, _) = provider(chain, "b", big()).await;
    let dev = chain.account("dev", usd(1_000)).await;

    let deal = dev
        .create_deal(&deal_terms(chain, 3, 1, 3), usd(10))
        .await
        .unwrap();
    assert_eq!(
        holders(&dev, deal).await,
        vec![Some(a.account()), Some(b.account()), None]
    );
    dev.match_deal(deal).await.unwrap();
    assert_eq!(holders(&dev, deal).await[2], None);

    // Workers: only the replica's provider registers one, for a replica that exists.
    a.register_worker(deal, 0, b"worker-a").await.unwrap();
    assert_eq!(
        refused(b.register_worker(deal, 0, b"worker-b").await),
        Revert::NotReplicaProvider { deal, index: 0 }
    );
    assert_eq!(
        refused(a.register_worker(deal, 2, b"worker-a").await),
        Revert::NotReplicaProvider { deal, index: 2 }
    );
    assert_eq!(
        refused(a.register_worker(deal, 7, b"worker-a").await),
        Revert::ReplicaNotFound { deal, index: 7 }
    );
    assert_eq!(
        refused(a.register_worker(deal, 0, b"").await),
        Revert::InvalidWorkerId
    );
    let info = dev.deal(deal).await.unwrap().unwrap();
    assert_eq!(info.replicas[0].worker_id.as_ref(), b"worker-a");
    assert!(info.replicas[1].worker_id.is_empty());
    assert_eq!(info.replica_of(b.account()), Some(1));
    assert_eq!(
        refused(dev.heartbeat(deal).await),
        Revert::NotReplicaProvider {
            deal,
            index: u32::MAX
        }
    );

    // Collateral stays at the minimum while serving.
    assert_eq!(
        refused(a.withdraw_collateral(usd(101)).await),
        Revert::CollateralLocked { active_replicas: 1 }
    );
    a.withdraw_collateral(usd(100)).await.unwrap();

    // A third provider fills the last replica.
    let (c, _) = provider(chain, "c", big()).await;
    c.match_deal(deal).await.unwrap();
    assert_eq!(
        holders(&dev, deal).await,
        vec![Some(a.account()), Some(b.account()), Some(c.account())]
    );

    chain.log(&dev).await
}
