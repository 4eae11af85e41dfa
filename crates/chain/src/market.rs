//! The `Market` trait: the marketplace contract as one account sees it.

use std::future::Future;

use alloy::primitives::{Address, U256};

use crate::{
    Deal, DealId, DealTerms, EventBatch, MarketParams, Offer, OfferId, OfferTerms, ProviderInfo,
    Result,
};

/// The marketplace, acting as one account ([`Market::account`]).
///
/// Calls that move tokens into the market (registering, adding collateral, creating or topping
/// up a deal) approve exactly the amount moved first, so callers never handle allowances.
/// Every state-changing call returns once its transaction is in a block; a refused call is
/// [`crate::Error::Reverted`] with the contract's reason.
pub trait Market: Send + Sync {
    /// The account this handle signs for.
    fn account(&self) -> Address;

    // Providers.

    /// Registers the account as a provider, staking `collateral` of the collateral token.
    fn register_provider(&self, collateral: U256) -> impl Future<Output = Result<()>> + Send;
    fn add_collateral(&self, amount: U256) -> impl Future<Output = Result<()>> + Send;
    /// Returns collateral; while serving replicas the provider keeps the minimum.
    fn withdraw_collateral(&self, amount: U256) -> impl Future<Output = Result<()>> + Send;
    fn publish_offer(&self, terms: &OfferTerms) -> impl Future<Output = Result<OfferId>> + Send;
    /// New price and free capacity; matched replicas keep their price.
    fn update_offer(
        &self,
        offer: OfferId,
        price_per_cu: U256,
        compute_units: u64,
    ) -> impl Future<Output = Result<()>> + Send;
    fn withdraw_offer(&self, offer: OfferId) -> impl Future<Output = Result<()>> + Send;
    /// Tells the market which worker serves the account's replica `index` of `deal`.
    fn register_worker(
        &self,
        deal: DealId,
        index: u32,
        worker_id: &[u8],
    ) -> impl Future<Output = Result<()>> + Send;
    /// Proves the account still serves its replica of `deal`; also settles the deal.
    fn heartbeat(&self, deal: DealId) -> impl Future<Output = Result<()>> + Send;
    fn withdraw_earnings(
        &self,
        token: Address,
        amount: U256,
    ) -> impl Future<Output = Result<()>> + Send;

    // Developers.

    /// Creates a deal with `deposit` of `terms.token` in escrow and matches what it can.
    fn create_deal(
        &self,
        terms: &DealTerms,
        deposit: U256,
    ) -> impl Future<Output = Result<DealId>> + Send;
    fn top_up(&self, deal: DealId, amount: U256) -> impl Future<Output = Result<()>> + Send;
    /// Takes escrow back: down to the reserve while the deal runs, all of it once stopped.
    fn withdraw_unused(
        &self,
        deal: DealId,
        amount: U256,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Stops the deal and refunds the escrow left after paying the ended epochs.
    fn stop_deal(&self, deal: DealId) -> impl Future<Output = Result<()>> + Send;
    /// Reports that replica `index` does not serve; its provider is slashed and replaced.
    fn report_failure(&self, deal: DealId, index: u32) -> impl Future<Output = Result<()>> + Send;

    // Anyone.

    /// Matches the deal's unmatched replicas to the cheapest eligible offers.
    fn match_deal(&self, deal: DealId) -> impl Future<Output = Result<()>> + Send;
    /// Pays the ended epochs; stops the deal if its escrow ran out.
    fn settle(&self, deal: DealId) -> impl Future<Output = Result<()>> + Send;
    /// Takes replica `index` from a provider whose heartbeats stopped, and re-matches it.
    fn report_missed_heartbeat(
        &self,
        deal: DealId,
        index: u32,
    ) -> impl Future<Output = Result<()>> + Send;

    // Queries (as of the latest block).

    fn params(&self) -> impl Future<Output = Result<MarketParams>> + Send;
    fn current_epoch(&self) -> impl Future<Output = Result<u64>> + Send;
    fn provider(&self, provider: Address) -> impl Future<Output = Result<ProviderInfo>> + Send;
    fn offer(&self, offer: OfferId) -> impl Future<Output = Result<Option<Offer>>> + Send;
    /// Ids of the offers not withdrawn, in no particular order.
    fn active_offers(&self) -> impl Future<Output = Result<Vec<OfferId>>> + Send;
    fn deal(&self, deal: DealId) -> impl Future<Output = Result<Option<Deal>>> + Send;
    /// Settled earnings `provider` may withdraw in `token`.
    fn earnings(
        &self,
        provider: Address,
        token: Address,
    ) -> impl Future<Output = Result<U256>> + Send;
    fn token_balance(
        &self,
        token: Address,
        owner: Address,
    ) -> impl Future<Output = Result<U256>> + Send;
    /// The market's events from block `from` on (a bounded range per call; poll again from
    /// [`EventBatch::next_block`]).
    fn events(&self, from: u64) -> impl Future<Output = Result<EventBatch>> + Send;
}
