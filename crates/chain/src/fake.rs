//! [`FakeMarket`]: the market in memory, for tests of code that uses a [`Market`].
//!
//! It follows `contracts/Market.sol` rule by rule (the same scenario runs against both in
//! `tests/parity.rs`), with a clock the test moves and a ledger of token balances. Every call is
//! one "block": it runs on a copy of the state, which replaces the state only if the call
//! succeeds, so a refused call changes nothing, as on chain.

mod deals;
mod ledger;

use std::sync::{Arc, Mutex, MutexGuard};

use alloy::primitives::{Address, U256};

use crate::{
    Deal, DealId, DealTerms, Error, EventBatch, Market, MarketParams, Offer, OfferId, OfferTerms,
    ProviderInfo, Result, Revert,
};
use ledger::Ledger;

/// An in-memory market acting as one account; clones made with [`FakeMarket::as_account`]
/// share the same state.
#[derive(Debug, Clone)]
pub struct FakeMarket {
    ledger: Arc<Mutex<Ledger>>,
    account: Address,
}

impl FakeMarket {
    /// A market with `params`, whose clock starts (and whose epoch 0 begins) at `now`.
    pub fn new(params: MarketParams, now: u64) -> Self {
        let market = Address::repeat_byte(0x3a);
        Self {
            ledger: Arc::new(Mutex::new(Ledger::new(params, market, now))),
            account: Address::ZERO,
        }
    }

    /// A handle on the same market acting as `account`.
    pub fn as_account(&self, account: Address) -> Self {
        Self {
            ledger: Arc::clone(&self.ledger),
            account,
        }
    }

    /// Moves the clock forward (and mines a block, as `evm_increaseTime` + `evm_mine` do).
    pub fn advance_time(&self, seconds: u64) {
        let mut ledger = self.lock();
        ledger.now += seconds;
        ledger.block += 1;
    }

    /// The clock, in unix seconds.
    pub fn now(&self) -> u64 {
        self.lock().now
    }

    /// Creates `amount` of `token` for `to`; any address can be a token here.
    pub fn mint(&self, token: Address, to: Address, amount: U256) {
        *self.lock().balances.entry((token, to)).or_default() += amount;
    }

    fn lock(&self) -> MutexGuard<'_, Ledger> {
        // A panic while holding the lock can only come from a bug in a test; keep going with
        // the state as it was (each call replaces it whole, so it is never half-updated).
        self.ledger
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs one call as one block on a copy of the state, keeping the copy only on success.
    fn transact<T>(
        &self,
        call: &'static str,
        f: impl FnOnce(&mut Ledger, Address) -> Result<T, Revert>,
    ) -> Result<T> {
        let mut ledger = self.lock();
        let mut next = ledger.clone();
        next.block += 1;
        let value = f(&mut next, self.account).map_err(|reason| Error::reverted(call, reason))?;
        *ledger = next;
        Ok(value)
    }

    fn read<T>(&self, f: impl FnOnce(&Ledger) -> T) -> Result<T> {
        Ok(f(&self.lock()))
    }
}

impl Market for FakeMarket {
    fn account(&self) -> Address {
        self.account
    }

    async fn register_provider(&self, collateral: U256) -> Result<()> {
        self.transact("registerProvider", |l, who| {
            l.register_provider(who, collateral)
        })
    }

    async fn add_collateral(&self, amount: U256) -> Result<()> {
        self.transact("addCollateral", |l, who| l.add_collateral(who, amount))
    }

    async fn withdraw_collateral(&self, amount: U256) -> Result<()> {
        self.transact("withdrawCollateral", |l, who| {
            l.withdraw_collateral(who, amount)
        })
    }

    async fn publish_offer(&self, terms: &OfferTerms) -> Result<OfferId> {
        self.transact("publishOffer", |l, who| l.publish_offer(who, terms))
    }

    async fn update_offer(
        &self,
        offer: OfferId,
        price_per_cu: U256,
        compute_units: u64,
    ) -> Result<()> {
        self.transact("updateOffer", |l, who| {
            l.update_offer(who, offer, price_per_cu, compute_units)
        })
    }

    async fn withdraw_offer(&self, offer: OfferId) -> Result<()> {
        self.transact("withdrawOffer", |l, who| l.withdraw_offer(who, offer))
    }

    async fn register_worker(&self, deal: DealId, index: u32, worker_id: &[u8]) -> Result<()> {
        self.transact("registerWorker", |l, who| {
            l.register_worker(who, deal, index, worker_id)
        })
    }

    async fn heartbeat(&self, deal: DealId) -> Result<()> {
        self.transact("heartbeat", |l, who| l.heartbeat(who, deal))
    }

    async fn withdraw_earnings(&self, token: Address, amount: U256) -> Result<()> {
        self.transact("withdrawEarnings", |l, who| {
            l.withdraw_earnings(who, token, amount)
        })
    }

    async fn create_deal(&self, terms: &DealTerms, deposit: U256) -> Result<DealId> {
        self.transact("createDeal", |l, who| l.create_deal(who, terms, deposit))
    }

    async fn top_up(&self, deal: DealId, amount: U256) -> Result<()> {
        self.transact("topUp", |l, who| l.top_up(who, deal, amount))
    }

    async fn withdraw_unused(&self, deal: DealId, amount: U256) -> Result<()> {
        self.transact("withdrawUnused", |l, who| {
            l.withdraw_unused(who, deal, amount)
        })
    }

    async fn stop_deal(&self, deal: DealId) -> Result<()> {
        self.transact("stopDeal", |l, who| l.stop_deal(who, deal))
    }

    async fn report_failure(&self, deal: DealId, index: u32) -> Result<()> {
        self.transact("reportFailure", |l, who| l.report_failure(who, deal, index))
    }

    async fn match_deal(&self, deal: DealId) -> Result<()> {
        self.transact("matchDeal", |l, _| l.match_deal(deal))
    }

    async fn settle(&self, deal: DealId) -> Result<()> {
        self.transact("settle", |l, _| l.settle_deal(deal))
    }

    async fn report_missed_heartbeat(&self, deal: DealId, index: u32) -> Result<()> {
        self.transact("reportMissedHeartbeat", |l, _| {
            l.report_missed_heartbeat(deal, index)
        })
    }

    async fn params(&self) -> Result<MarketParams> {
        self.read(|l| l.params.clone())
    }

    async fn current_epoch(&self) -> Result<u64> {
        self.read(Ledger::epoch)
    }

    async fn provider(&self, provider: Address) -> Result<ProviderInfo> {
        self.read(|l| l.providers.get(&provider).cloned().unwrap_or_default())
    }

    async fn offer(&self, offer: OfferId) -> Result<Option<Offer>> {
        self.read(|l| l.offers.get(&offer).cloned())
    }

    async fn active_offers(&self) -> Result<Vec<OfferId>> {
        self.read(|l| {
            l.offers
                .values()
                .filter(|o| o.active)
                .map(|o| o.id)
                .collect()
        })
    }

    async fn deal(&self, deal: DealId) -> Result<Option<Deal>> {
        self.read(|l| l.deals.get(&deal).cloned())
    }

    async fn earnings(&self, provider: Address, token: Address) -> Result<U256> {
        self.read(|l| {
            l.earnings
                .get(&(provider, token))
                .copied()
                .unwrap_or_default()
        })
    }

    async fn token_balance(&self, token: Address, owner: Address) -> Result<U256> {
        self.read(|l| l.balance(token, owner))
    }

    async fn events(&self, from: u64) -> Result<EventBatch> {
        self.read(|l| EventBatch {
            events: l
                .events
                .iter()
                .filter(|(block, _)| *block >= from)
                .cloned()
                .collect(),
            next_block: l.block + 1,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use alloy::primitives::B256;

    use super::*;
    use crate::{DealStatus, MarketEvent};

    const TOKEN: Address = Address::repeat_byte(0x70);

    fn market() -> FakeMarket {
        let params = MarketParams {
            collateral_token: TOKEN,
            treasury: Address::repeat_byte(0x7e),
            epoch_seconds: 10,
            min_collateral: U256::from(100),
            slash_bps: 5_000,
            heartbeat_epochs: 1,
            reserve_epochs: 1,
        };
        FakeMarket::new(params, 1_000)
    }

    fn funded(root: &FakeMarket, byte: u8) -> FakeMarket {
        let account = Address::with_last_byte(byte);
        root.mint(TOKEN, account, U256::from(1_000));
        root.as_account(account)
    }

    fn offer(price: u64) -> OfferTerms {
        OfferTerms {
            token: TOKEN,
            price_per_cu: U256::from(price),
            compute_units: 4,
            region: B256::ZERO,
            attributes: U256::ZERO,
            peer_id: vec![1, 2, 3].into(),
        }
    }

    fn terms(replicas: u32) -> DealTerms {
        DealTerms {
            token: TOKEN,
            component: B256::repeat_byte(9),
            replicas,
            compute_units: 1,
            max_price_per_cu: U256::from(10),
            region: B256::ZERO,
            required_attributes: U256::ZERO,
        }
    }

    #[tokio::test]
    async fn a_refused_call_changes_nothing() {
        let root = market();
        let dev = funded(&root, 1);
        // The reserve check passes but the token refuses: the deal must not half-exist.
        let err = dev
            .create_deal(&terms(1), U256::from(5_000))
            .await
            .unwrap_err();
        assert!(
            matches!(err.revert(), Some(Revert::InsufficientBalance { .. })),
            "{err}"
        );
        assert_eq!(dev.deal(DealId(1)).await.unwrap(), None);
        assert!(dev.events(0).await.unwrap().events.is_empty());
        assert_eq!(
            dev.token_balance(TOKEN, dev.account()).await.unwrap(),
            U256::from(1_000)
        );
        // The id is still free for the next deal.
        assert_eq!(
            dev.create_deal(&terms(1), U256::from(50)).await.unwrap(),
            DealId(1)
        );
    }

    #[tokio::test]
    async fn handles_share_one_market_and_clock() {
        let root = market();
        let p = funded(&root, 1);
        let dev = funded(&root, 2);
        p.register_provider(U256::from(100)).await.unwrap();
        p.publish_offer(&offer(2)).await.unwrap();
        let deal = dev.create_deal(&terms(1), U256::from(100)).await.unwrap();
        assert_eq!(
            root.deal(deal).await.unwrap().unwrap().replicas[0].provider,
            Some(p.account())
        );
        root.advance_time(25);
        assert_eq!(dev.current_epoch().await.unwrap(), 2);
        p.heartbeat(deal).await.unwrap();
        assert_eq!(
            dev.earnings(p.account(), TOKEN).await.unwrap(),
            U256::from(4)
        );
        assert_eq!(root.now(), 1_025);
    }

    #[tokio::test]
    async fn events_are_read_from_a_block_on() {
        let root = market();
        let p = funded(&root, 1);
        p.register_provider(U256::from(100)).await.unwrap();
        let first = p.events(0).await.unwrap();
        assert_eq!(first.events.len(), 1);
        p.publish_offer(&offer(2)).await.unwrap();
        let next = p.events(first.next_block).await.unwrap();
        assert!(
            matches!(
                next.events.as_slice(),
                [(_, MarketEvent::OfferRegistered { .. })]
            ),
            "{next:?}"
        );
        assert!(p.events(next.next_block).await.unwrap().events.is_empty());
    }

    #[tokio::test]
    async fn heartbeat_that_exhausts_the_escrow_stops_the_deal_and_succeeds() {
        let root = market();
        let p = funded(&root, 1);
        let dev = funded(&root, 2);
        p.register_provider(U256::from(100)).await.unwrap();
        p.publish_offer(&offer(10)).await.unwrap();
        let deal = dev.create_deal(&terms(1), U256::from(25)).await.unwrap();
        root.advance_time(100);
        p.heartbeat(deal).await.unwrap();
        let info = dev.deal(deal).await.unwrap().unwrap();
        assert_eq!(
            (info.status, info.escrow),
            (DealStatus::Stopped, U256::from(5))
        );
        assert_eq!(
            dev.earnings(p.account(), TOKEN).await.unwrap(),
            U256::from(20)
        );
        let err = dev.report_failure(deal, 0).await.unwrap_err();
        assert_eq!(err.revert(), Some(&Revert::DealNotActive(deal)));
    }
}
