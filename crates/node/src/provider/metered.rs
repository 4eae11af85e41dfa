//! [`Metered`]: a [`Market`] that tells the provider's status what the agent withdrew. The
//! agent in `weft-chain` withdraws on its own schedule and reports nothing back, so the
//! node learns the amounts by watching the one call that moves them.

use std::sync::Arc;

use weft_chain::{
    Address, Deal, DealId, DealTerms, EventBatch, Market, MarketParams, Offer, OfferId, OfferTerms,
    ProviderInfo, Result, U256,
};

use super::StatusCell;

pub(crate) struct Metered<M> {
    pub(crate) inner: M,
    pub(crate) status: Arc<StatusCell>,
}

impl<M: Market> Market for Metered<M> {
    fn account(&self) -> Address {
        self.inner.account()
    }

    async fn withdraw_earnings(&self, token: Address, amount: U256) -> Result<()> {
        self.inner.withdraw_earnings(token, amount).await?;
        self.status
            .update(|s| s.withdrawn = s.withdrawn.saturating_add(amount));
        tracing::info!(%amount, %token, "provider: earnings withdrawn");
        Ok(())
    }

    // Everything else passes through.

    async fn register_provider(&self, collateral: U256) -> Result<()> {
        self.inner.register_provider(collateral).await
    }
    async fn add_collateral(&self, amount: U256) -> Result<()> {
        self.inner.add_collateral(amount).await
    }
    async fn withdraw_collateral(&self, amount: U256) -> Result<()> {
        self.inner.withdraw_collateral(amount).await
    }
    async fn publish_offer(&self, terms: &OfferTerms) -> Result<OfferId> {
        self.inner.publish_offer(terms).await
    }
    async fn update_offer(&self, offer: OfferId, price: U256, units: u64) -> Result<()> {
        self.inner.update_offer(offer, price, units).await
    }
    async fn withdraw_offer(&self, offer: OfferId) -> Result<()> {
        self.inner.withdraw_offer(offer).await
    }
    async fn register_worker(&self, deal: DealId, index: u32, worker_id: &[u8]) -> Result<()> {
        self.inner.register_worker(deal, index, worker_id).await
    }
    async fn heartbeat(&self, deal: DealId) -> Result<()> {
        self.inner.heartbeat(deal).await
    }
    async fn create_deal(&self, terms: &DealTerms, deposit: U256) -> Result<DealId> {
        self.inner.create_deal(terms, deposit).await
    }
    async fn top_up(&self, deal: DealId, amount: U256) -> Result<()> {
        self.inner.top_up(deal, amount).await
    }
    async fn withdraw_unused(&self, deal: DealId, amount: U256) -> Result<()> {
        self.inner.withdraw_unused(deal, amount).await
    }
    async fn stop_deal(&self, deal: DealId) -> Result<()> {
        self.inner.stop_deal(deal).await
    }
    async fn report_failure(&self, deal: DealId, index: u32) -> Result<()> {
        self.inner.report_failure(deal, index).await
    }
    async fn match_deal(&self, deal: DealId) -> Result<()> {
        self.inner.match_deal(deal).await
    }
    async fn settle(&self, deal: DealId) -> Result<()> {
        self.inner.settle(deal).await
    }
    async fn report_missed_heartbeat(&self, deal: DealId, index: u32) -> Result<()> {
        self.inner.report_missed_heartbeat(deal, index).await
    }
    async fn params(&self) -> Result<MarketParams> {
        self.inner.params().await
    }
    async fn current_epoch(&self) -> Result<u64> {
        self.inner.current_epoch().await
    }
    async fn provider(&self, provider: Address) -> Result<ProviderInfo> {
        self.inner.provider(provider).await
    }
    async fn offer(&self, offer: OfferId) -> Result<Option<Offer>> {
        self.inner.offer(offer).await
    }
    async fn active_offers(&self) -> Result<Vec<OfferId>> {
        self.inner.active_offers().await
    }
    async fn deal(&self, deal: DealId) -> Result<Option<Deal>> {
        self.inner.deal(deal).await
    }
    async fn earnings(&self, provider: Address, token: Address) -> Result<U256> {
        self.inner.earnings(provider, token).await
    }
    async fn token_balance(&self, token: Address, owner: Address) -> Result<U256> {
        self.inner.token_balance(token, owner).await
    }
    async fn events(&self, from: u64) -> Result<EventBatch> {
        self.inner.events(from).await
    }
}
