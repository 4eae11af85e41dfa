//! Provider registration, collateral and offers.

use weft_chain::{Market, OfferId, ProviderInfo, Revert};

use super::{OfferSpec, balance, offer_terms, refused, units, usd};
use crate::harness::Chain;

pub async fn providers_and_offers<C: Chain>(chain: &C) -> Vec<String> {
    let p = chain.account("p", usd(1_000)).await;
    let q = chain.account("q", usd(1_000)).await;
    let me = p.account();
    let terms = offer_terms(chain.token(), "peer-p", &OfferSpec::default());

    assert_eq!(
        refused(p.publish_offer(&terms).await),
        Revert::NotRegistered(me)
    );
    assert_eq!(
        refused(p.register_provider(usd(50)).await),
        Revert::CollateralTooLow {
            collateral: usd(50),
            minimum: usd(100)
        }
    );
    p.register_provider(usd(200)).await.unwrap();
    assert_eq!(
        p.provider(me).await.unwrap(),
        ProviderInfo {
            registered: true,
            collateral: usd(200),
            active_replicas: 0
        }
    );
    assert_eq!(balance(chain, &p, me).await, usd(800));
    assert_eq!(
        refused(p.register_provider(usd(200)).await),
        Revert::AlreadyRegistered(me)
    );

    let mut free = terms.clone();
    free.price_per_cu = units(0);
    assert_eq!(refused(p.publish_offer(&free).await), Revert::InvalidOffer);
    let mut anonymous = terms.clone();
    anonymous.peer_id = Default::default();
    assert_eq!(
        refused(p.publish_offer(&anonymous).await),
        Revert::InvalidOffer
    );

    let first = p.publish_offer(&terms).await.unwrap();
    assert_eq!(first, OfferId(1));
    let offer = p.offer(first).await.unwrap().expect("offer 1 exists");
    assert_eq!(
        (offer.provider, offer.active, &offer.terms),
        (me, true, &terms)
    );
    assert_eq!(p.offer(OfferId(99)).await.unwrap(), None);

    q.register_provider(usd(100)).await.unwrap();
    assert_eq!(
        refused(q.update_offer(first, units(4), 8).await),
        Revert::NotOfferOwner(first)
    );
    assert_eq!(
        refused(p.update_offer(first, units(0), 8).await),
        Revert::InvalidOffer
    );
    p.update_offer(first, units(4), 8).await.unwrap();
    let offer = p.offer(first).await.unwrap().unwrap();
    assert_eq!(
        (offer.terms.price_per_cu, offer.terms.compute_units),
        (units(4), 8)
    );

    let second = q
        .publish_offer(&offer_terms(chain.token(), "peer-q", &OfferSpec::default()))
        .await
        .unwrap();
    assert_eq!(second, OfferId(2));
    let mut active = p.active_offers().await.unwrap();
    active.sort();
    assert_eq!(active, vec![first, second]);
    assert_eq!(
        refused(q.withdraw_offer(first).await),
        Revert::NotOfferOwner(first)
    );
    p.withdraw_offer(first).await.unwrap();
    assert_eq!(p.active_offers().await.unwrap(), vec![second]);
    assert!(!p.offer(first).await.unwrap().unwrap().active);
    assert_eq!(
        refused(p.withdraw_offer(first).await),
        Revert::OfferNotFound(first)
    );
    assert_eq!(
        refused(p.update_offer(first, units(4), 8).await),
        Revert::OfferNotFound(first)
    );

    assert_eq!(refused(p.add_collateral(usd(0)).await), Revert::ZeroAmount);
    p.add_collateral(usd(50)).await.unwrap();
    assert_eq!(p.provider(me).await.unwrap().collateral, usd(250));
    assert_eq!(
        refused(p.withdraw_collateral(usd(300)).await),
        Revert::CollateralTooLow {
            collateral: usd(250),
            minimum: usd(300)
        }
    );
    // No replicas: all of it may go.
    p.withdraw_collateral(usd(250)).await.unwrap();
    assert_eq!(balance(chain, &p, me).await, usd(1_000));
    assert_eq!(p.provider(me).await.unwrap().collateral, usd(0));

    chain.log(&p).await
}
