//! Escrow, accrual per epoch, withdrawals and the end of a deal.

use weft_chain::{DealStatus, Market, Revert};

use super::{OfferSpec, balance, deal_terms, provider, refused, units, usd};
use crate::harness::Chain;

pub async fn payments_accrue_per_epoch<C: Chain>(chain: &C) -> Vec<String> {
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
            price: 5,
            ..OfferSpec::default()
        },
    )
    .await;
    let dev = chain.account("dev", usd(1_000)).await;
    let token = chain.token();

    // 10 CUs per replica: a earns 30 and b 50 per epoch, 80 from the escrow.
    let deal = dev
        .create_deal(&deal_terms(chain, 2, 10, 5), units(1_000))
        .await
        .unwrap();
    assert_eq!(
        balance(chain, &dev, dev.account()).await,
        usd(1_000) - units(1_000)
    );
    dev.settle(deal).await.unwrap();
    assert_eq!(a.earnings(a.account(), token).await.unwrap(), units(0));

    chain.advance_epochs(1).await;
    dev.settle(deal).await.unwrap();
    assert_eq!(a.earnings(a.account(), token).await.unwrap(), units(30));
    assert_eq!(a.earnings(b.account(), token).await.unwrap(), units(50));
    let info = dev.deal(deal).await.unwrap().unwrap();
    assert_eq!((info.escrow, info.settled_epoch), (units(920), 1));

    // A heartbeat settles too.
    chain.advance_epochs(3).await;
    a.heartbeat(deal).await.unwrap();
    assert_eq!(a.earnings(a.account(), token).await.unwrap(), units(120));
    assert_eq!(a.earnings(b.account(), token).await.unwrap(), units(200));
    let info = dev.deal(deal).await.unwrap().unwrap();
    assert_eq!((info.escrow, info.settled_epoch), (units(680), 4));
    assert_eq!(dev.current_epoch().await.unwrap(), 4);

    assert_eq!(
        refused(a.withdraw_earnings(token, units(121)).await),
        Revert::InsufficientEarnings {
            available: units(120),
            requested: units(121)
        }
    );
    assert_eq!(
        refused(a.withdraw_earnings(token, units(0)).await),
        Revert::ZeroAmount
    );
    a.withdraw_earnings(token, units(100)).await.unwrap();
    b.withdraw_earnings(token, units(200)).await.unwrap();
    assert_eq!(a.earnings(a.account(), token).await.unwrap(), units(20));
    assert_eq!(balance(chain, &a, a.account()).await, usd(800) + units(100));
    assert_eq!(balance(chain, &b, b.account()).await, usd(800) + units(200));

    chain.log(&dev).await
}

pub async fn developer_escrow<C: Chain>(chain: &C) -> Vec<String> {
    let (a, offer) = provider(
        chain,
        "a",
        OfferSpec {
            price: 10,
            ..OfferSpec::default()
        },
    )
    .await;
    let dev = chain.account("dev", usd(1_000)).await;
    let poor = chain.account("poor", units(10)).await;
    // One replica of 1 CU at 10 per epoch; the reserve is 2 epochs at the max price: 20.
    let terms = deal_terms(chain, 1, 1, 10);

    assert_eq!(
        refused(dev.create_deal(&terms, units(19)).await),
        Revert::EscrowBelowReserve {
            escrow: units(19),
            reserve: units(20)
        }
    );
    for replicas in [0, 17] {
        let bad = weft_chain::DealTerms {
            replicas,
            ..terms.clone()
        };
        assert_eq!(
            refused(dev.create_deal(&bad, units(100)).await),
            Revert::InvalidDealTerms
        );
    }
    // The token's own reason comes through the market.
    assert_eq!(
        refused(poor.create_deal(&terms, units(100)).await),
        Revert::InsufficientBalance {
            owner: poor.account(),
            balance: units(10),
            needed: units(100)
        }
    );

    let deal = dev.create_deal(&terms, units(100)).await.unwrap();
    assert_eq!(
        refused(dev.top_up(deal, units(0)).await),
        Revert::ZeroAmount
    );
    dev.top_up(deal, units(50)).await.unwrap();
    assert_eq!(dev.deal(deal).await.unwrap().unwrap().escrow, units(150));
    assert_eq!(
        refused(a.withdraw_unused(deal, units(1)).await),
        Revert::NotDeveloper(deal)
    );

    chain.advance_epochs(2).await;
    // 20 paid for two epochs leaves 130, of which 20 must stay.
    assert_eq!(
        refused(dev.withdraw_unused(deal, units(200)).await),
        Revert::EscrowBelowReserve {
            escrow: units(0),
            reserve: units(20)
        }
    );
    assert_eq!(
        refused(dev.withdraw_unused(deal, units(111)).await),
        Revert::EscrowBelowReserve {
            escrow: units(19),
            reserve: units(20)
        }
    );
    dev.withdraw_unused(deal, units(110)).await.unwrap();
    assert_eq!(dev.deal(deal).await.unwrap().unwrap().escrow, units(20));

    assert_eq!(refused(a.stop_deal(deal).await), Revert::NotDeveloper(deal));
    dev.stop_deal(deal).await.unwrap();
    let info = dev.deal(deal).await.unwrap().unwrap();
    assert_eq!((info.status, info.escrow), (DealStatus::Stopped, units(0)));
    // Paid 20, got back 110 + 20 of the 150 deposited.
    assert_eq!(
        balance(chain, &dev, dev.account()).await,
        usd(1_000) - units(20)
    );
    assert_eq!(
        a.earnings(a.account(), chain.token()).await.unwrap(),
        units(20)
    );
    assert_eq!(dev.provider(a.account()).await.unwrap().active_replicas, 0);
    assert_eq!(
        dev.offer(offer).await.unwrap().unwrap().terms.compute_units,
        10
    );

    assert_eq!(
        refused(dev.stop_deal(deal).await),
        Revert::DealNotActive(deal)
    );
    assert_eq!(
        refused(dev.top_up(deal, units(5)).await),
        Revert::DealNotActive(deal)
    );
    assert_eq!(
        refused(a.heartbeat(deal).await),
        Revert::DealNotActive(deal)
    );

    chain.log(&dev).await
}

pub async fn escrow_exhaustion_stops_the_deal<C: Chain>(chain: &C) -> Vec<String> {
    let (a, _) = provider(
        chain,
        "a",
        OfferSpec {
            price: 10,
            ..OfferSpec::default()
        },
    )
    .await;
    let (b, _) = provider(
        chain,
        "b",
        OfferSpec {
            price: 10,
            ..OfferSpec::default()
        },
    )
    .await;
    let dev = chain.account("dev", usd(1_000)).await;
    // Two replicas at 10 per epoch: 20 per epoch from 90.
    let deal = dev
        .create_deal(&deal_terms(chain, 2, 1, 10), units(90))
        .await
        .unwrap();

    chain.advance_epochs(2).await;
    dev.settle(deal).await.unwrap();
    assert_eq!(dev.deal(deal).await.unwrap().unwrap().escrow, units(50));

    // Three epochs are due, two are affordable; 10 left cannot pay the running epoch.
    chain.advance_epochs(3).await;
    b.settle(deal).await.unwrap();
    let info = dev.deal(deal).await.unwrap().unwrap();
    assert_eq!(
        (info.status, info.escrow, info.settled_epoch),
        (DealStatus::Stopped, units(10), 4)
    );
    for p in [&a, &b] {
        assert_eq!(
            p.earnings(p.account(), chain.token()).await.unwrap(),
            units(40)
        );
        assert_eq!(p.provider(p.account()).await.unwrap().active_replicas, 0);
    }
    assert_eq!(
        refused(a.heartbeat(deal).await),
        Revert::DealNotActive(deal)
    );
    assert_eq!(
        refused(dev.top_up(deal, units(100)).await),
        Revert::DealNotActive(deal)
    );

    // The rest is the developer's, reserve or not.
    assert_eq!(
        refused(dev.withdraw_unused(deal, units(11)).await),
        Revert::EscrowBelowReserve {
            escrow: units(0),
            reserve: units(0)
        }
    );
    dev.withdraw_unused(deal, units(10)).await.unwrap();
    assert_eq!(
        balance(chain, &dev, dev.account()).await,
        usd(1_000) - units(80)
    );

    chain.log(&dev).await
}
