//! Market scenarios, generic over the backend. Each asserts as it goes (balances to the token
//! unit, states, revert reasons) and returns the event log for the backends to be compared.

mod deals;
mod failures;
mod payments;
mod providers;

pub use deals::{matching_picks_cheapest_eligible, one_replica_per_provider};
pub use failures::{missed_heartbeat_rematches_and_slashes, reported_failure_rematches};
pub use payments::{developer_escrow, escrow_exhaustion_stops_the_deal, payments_accrue_per_epoch};
pub use providers::providers_and_offers;

use std::fmt::Debug;

use weft_chain::{Address, B256, DealId, DealTerms, Market, OfferId, OfferTerms, Revert, U256};

use crate::harness::{Chain, USD};

pub fn usd(dollars: u64) -> U256 {
    U256::from(dollars * USD)
}

pub fn units(n: u64) -> U256 {
    U256::from(n)
}

/// A region name as the contract's bytes32.
pub fn region(name: &str) -> B256 {
    let mut bytes = [0u8; 32];
    bytes[..name.len()].copy_from_slice(name.as_bytes());
    B256::from(bytes)
}

/// The contract's reason for refusing `result`.
#[track_caller]
pub fn refused<T: Debug>(result: weft_chain::Result<T>) -> Revert {
    let error = result.expect_err("the call should have been refused");
    error
        .revert()
        .cloned()
        .unwrap_or_else(|| panic!("expected a revert, got: {error}"))
}

/// What a provider offers in the scenarios unless they say otherwise.
pub struct OfferSpec {
    pub price: u64,
    pub units: u64,
    pub region: &'static str,
    pub attributes: u64,
}

impl Default for OfferSpec {
    fn default() -> Self {
        Self {
            price: 3,
            units: 10,
            region: "us",
            attributes: 0b11,
        }
    }
}

pub fn offer_terms(token: Address, peer: &str, spec: &OfferSpec) -> OfferTerms {
    OfferTerms {
        token,
        price_per_cu: units(spec.price),
        compute_units: spec.units,
        region: region(spec.region),
        attributes: U256::from(spec.attributes),
        peer_id: peer.as_bytes().to_vec().into(),
    }
}

/// A registered provider `name` (200 USD collateral, 800 USD left) with one offer.
pub async fn provider<C: Chain>(chain: &C, name: &str, spec: OfferSpec) -> (C::M, OfferId) {
    let market = chain.account(name, usd(1_000)).await;
    market
        .register_provider(usd(200))
        .await
        .expect("register provider");
    let terms = offer_terms(chain.token(), &format!("peer-{name}"), &spec);
    let offer = market.publish_offer(&terms).await.expect("publish offer");
    (market, offer)
}

/// Deal terms for `replicas` replicas of `cu` compute units at up to `max_price`.
pub fn deal_terms<C: Chain>(chain: &C, replicas: u32, cu: u64, max_price: u64) -> DealTerms {
    DealTerms {
        token: chain.token(),
        component: B256::repeat_byte(0xc0),
        replicas,
        compute_units: cu,
        max_price_per_cu: units(max_price),
        region: B256::ZERO,
        required_attributes: U256::ZERO,
    }
}

/// The providers of the deal's replicas, `None` for unmatched ones.
pub async fn holders<M: Market>(market: &M, deal: DealId) -> Vec<Option<Address>> {
    let deal = market.deal(deal).await.unwrap().expect("deal exists");
    deal.replicas.iter().map(|r| r.provider).collect()
}

pub async fn balance<C: Chain>(chain: &C, market: &C::M, who: Address) -> U256 {
    market.token_balance(chain.token(), who).await.unwrap()
}
