//! The market contract's state and rules, transcribed from `contracts/Market.sol`: same checks
//! in the same order, same arithmetic, same events. A function that fails leaves no trace
//! because the caller runs it on a copy (`FakeMarket::transact`).

use std::collections::{BTreeMap, HashMap, HashSet};

use alloy::primitives::{Address, U256};

use crate::{
    Deal, DealId, DealStatus, DealTerms, MarketEvent, MarketParams, Offer, OfferId, OfferTerms,
    ProviderInfo, Replica, Revert,
};

pub(crate) const MAX_REPLICAS: u32 = 16;
const MAX_ID_BYTES: usize = 256;

#[derive(Debug, Clone)]
pub(crate) struct Ledger {
    pub(crate) params: MarketParams,
    /// The address the market's tokens are held at.
    pub(crate) market: Address,
    pub(crate) genesis: u64,
    pub(crate) now: u64,
    pub(crate) block: u64,
    pub(crate) balances: HashMap<(Address, Address), U256>,
    pub(crate) providers: HashMap<Address, ProviderInfo>,
    pub(crate) offers: BTreeMap<OfferId, Offer>,
    pub(crate) deals: BTreeMap<DealId, Deal>,
    pub(crate) excluded: HashSet<(DealId, Address)>,
    pub(crate) earnings: HashMap<(Address, Address), U256>,
    pub(crate) events: Vec<(u64, MarketEvent)>,
}

type Outcome<T = ()> = Result<T, Revert>;

impl Ledger {
    pub(crate) fn new(params: MarketParams, market: Address, now: u64) -> Self {
        Self {
            params,
            market,
            genesis: now,
            now,
            block: 1,
            balances: HashMap::new(),
            providers: HashMap::new(),
            offers: BTreeMap::new(),
            deals: BTreeMap::new(),
            excluded: HashSet::new(),
            earnings: HashMap::new(),
            events: Vec::new(),
        }
    }

    pub(crate) fn epoch(&self) -> u64 {
        (self.now - self.genesis) / self.params.epoch_seconds
    }

    pub(crate) fn emit(&mut self, event: MarketEvent) {
        self.events.push((self.block, event));
    }

    pub(crate) fn balance(&self, token: Address, owner: Address) -> U256 {
        self.balances
            .get(&(token, owner))
            .copied()
            .unwrap_or_default()
    }

    pub(crate) fn transfer(
        &mut self,
        token: Address,
        from: Address,
        to: Address,
        amount: U256,
    ) -> Outcome {
        if to == Address::ZERO {
            return Err(Revert::TransferToZeroAddress);
        }
        let balance = self.balance(token, from);
        if balance < amount {
            return Err(Revert::InsufficientBalance {
                owner: from,
                balance,
                needed: amount,
            });
        }
        self.balances.insert((token, from), balance - amount);
        *self.balances.entry((token, to)).or_default() += amount;
        Ok(())
    }

    pub(crate) fn pull(&mut self, token: Address, from: Address, amount: U256) -> Outcome {
        if amount.is_zero() {
            return Ok(());
        }
        self.transfer(token, from, self.market, amount)
    }

    pub(crate) fn push(&mut self, token: Address, to: Address, amount: U256) -> Outcome {
        self.transfer(token, self.market, to, amount)
    }

    fn registered(&mut self, who: Address) -> Outcome<&mut ProviderInfo> {
        match self.providers.get_mut(&who) {
            Some(p) if p.registered => Ok(p),
            _ => Err(Revert::NotRegistered(who)),
        }
    }

    fn own_offer(&mut self, sender: Address, id: OfferId) -> Outcome<&mut Offer> {
        match self.offers.get_mut(&id) {
            Some(o) if o.active && o.provider == sender => Ok(o),
            Some(o) if o.active => Err(Revert::NotOfferOwner(id)),
            _ => Err(Revert::OfferNotFound(id)),
        }
    }

    pub(crate) fn deal_mut(&mut self, id: DealId) -> Outcome<&mut Deal> {
        self.deals.get_mut(&id).ok_or(Revert::DealNotFound(id))
    }

    pub(crate) fn active_deal(&mut self, id: DealId) -> Outcome<&mut Deal> {
        let deal = self.deal_mut(id)?;
        if deal.status != DealStatus::Active {
            return Err(Revert::DealNotActive(id));
        }
        Ok(deal)
    }

    pub(crate) fn replica(&mut self, id: DealId, index: u32) -> Outcome<&mut Replica> {
        let deal = self.deal_mut(id)?;
        deal.replicas
            .get_mut(index as usize)
            .ok_or(Revert::ReplicaNotFound { deal: id, index })
    }

    pub(crate) fn is_active(&self, id: DealId) -> bool {
        self.deals
            .get(&id)
            .is_some_and(|d| d.status == DealStatus::Active)
    }

    // ------------------------------------------------------------- providers

    pub(crate) fn register_provider(&mut self, sender: Address, collateral: U256) -> Outcome {
        if self.providers.get(&sender).is_some_and(|p| p.registered) {
            return Err(Revert::AlreadyRegistered(sender));
        }
        let minimum = self.params.min_collateral;
        if collateral < minimum {
            return Err(Revert::CollateralTooLow {
                collateral,
                minimum,
            });
        }
        self.providers.insert(
            sender,
            ProviderInfo {
                registered: true,
                collateral,
                active_replicas: 0,
            },
        );
        self.emit(MarketEvent::ProviderRegistered {
            provider: sender,
            collateral,
        });
        self.pull(self.params.collateral_token, sender, collateral)
    }

    pub(crate) fn add_collateral(&mut self, sender: Address, amount: U256) -> Outcome {
        self.registered(sender)?;
        if amount.is_zero() {
            return Err(Revert::ZeroAmount);
        }
        let p = self.registered(sender)?;
        p.collateral += amount;
        let collateral = p.collateral;
        self.emit(MarketEvent::CollateralChanged {
            provider: sender,
            collateral,
        });
        self.pull(self.params.collateral_token, sender, amount)
    }

    pub(crate) fn withdraw_collateral(&mut self, sender: Address, amount: U256) -> Outcome {
        let minimum = self.params.min_collateral;
        let p = self.registered(sender)?;
        if amount.is_zero() {
            return Err(Revert::ZeroAmount);
        }
        if amount > p.collateral {
            return Err(Revert::CollateralTooLow {
                collateral: p.collateral,
                minimum: amount,
            });
        }
        if p.active_replicas > 0 && p.collateral - amount < minimum {
            return Err(Revert::CollateralLocked {
                active_replicas: p.active_replicas,
            });
        }
        p.collateral -= amount;
        let collateral = p.collateral;
        self.emit(MarketEvent::CollateralChanged {
            provider: sender,
            collateral,
        });
        self.push(self.params.collateral_token, sender, amount)
    }

    pub(crate) fn publish_offer(
        &mut self,
        sender: Address,
        terms: &OfferTerms,
    ) -> Outcome<OfferId> {
        self.registered(sender)?;
        if terms.price_per_cu.is_zero()
            || terms.peer_id.is_empty()
            || terms.peer_id.len() > MAX_ID_BYTES
        {
            return Err(Revert::InvalidOffer);
        }
        let id = OfferId(self.offers.len() as u64 + 1);
        let offer = Offer {
            id,
            provider: sender,
            terms: terms.clone(),
            active: true,
        };
        self.offers.insert(id, offer);
        self.emit(MarketEvent::OfferRegistered {
            offer: id,
            provider: sender,
            terms: terms.clone(),
        });
        Ok(id)
    }

    pub(crate) fn update_offer(
        &mut self,
        sender: Address,
        id: OfferId,
        price: U256,
        units: u64,
    ) -> Outcome {
        let offer = self.own_offer(sender, id)?;
        if price.is_zero() {
            return Err(Revert::InvalidOffer);
        }
        offer.terms.price_per_cu = price;
        offer.terms.compute_units = units;
        self.emit(MarketEvent::OfferUpdated {
            offer: id,
            price_per_cu: price,
            compute_units: units,
        });
        Ok(())
    }

    pub(crate) fn withdraw_offer(&mut self, sender: Address, id: OfferId) -> Outcome {
        self.own_offer(sender, id)?.active = false;
        self.emit(MarketEvent::OfferWithdrawn { offer: id });
        Ok(())
    }

    pub(crate) fn register_worker(
        &mut self,
        sender: Address,
        id: DealId,
        index: u32,
        worker: &[u8],
    ) -> Outcome {
        if worker.is_empty() || worker.len() > MAX_ID_BYTES {
            return Err(Revert::InvalidWorkerId);
        }
        self.active_deal(id)?;
        let now = self.now;
        let replica = self.replica(id, index)?;
        if replica.provider != Some(sender) {
            return Err(Revert::NotReplicaProvider { deal: id, index });
        }
        replica.worker_id = worker.to_vec().into();
        replica.last_heartbeat = now;
        self.emit(MarketEvent::WorkerRegistered {
            deal: id,
            index,
            provider: sender,
            worker_id: worker.to_vec().into(),
        });
        Ok(())
    }

    pub(crate) fn heartbeat(&mut self, sender: Address, id: DealId) -> Outcome {
        self.active_deal(id)?;
        self.settle(id);
        if !self.is_active(id) {
            return Ok(());
        }
        let now = self.now;
        let deal = self.deal_mut(id)?;
        match deal
            .replicas
            .iter_mut()
            .find(|r| r.provider == Some(sender))
        {
            Some(replica) => {
                replica.last_heartbeat = now;
                Ok(())
            }
            None => Err(Revert::NotReplicaProvider {
                deal: id,
                index: u32::MAX,
            }),
        }
    }

    pub(crate) fn withdraw_earnings(
        &mut self,
        sender: Address,
        token: Address,
        amount: U256,
    ) -> Outcome {
        let available = self
            .earnings
            .get(&(sender, token))
            .copied()
            .unwrap_or_default();
        if amount.is_zero() {
            return Err(Revert::ZeroAmount);
        }
        if amount > available {
            return Err(Revert::InsufficientEarnings {
                available,
                requested: amount,
            });
        }
        self.earnings.insert((sender, token), available - amount);
        self.emit(MarketEvent::EarningsWithdrawn {
            provider: sender,
            token,
            amount,
        });
        self.push(token, sender, amount)
    }
}

pub(crate) fn reserve(terms: &DealTerms, reserve_epochs: u32) -> U256 {
    U256::from(terms.replicas)
        * U256::from(terms.compute_units)
        * terms.max_price_per_cu
        * U256::from(reserve_epochs)
}

pub(crate) fn valid_deal_terms(terms: &DealTerms) -> bool {
    (1..=MAX_REPLICAS).contains(&terms.replicas)
        && terms.compute_units > 0
        && !terms.max_price_per_cu.is_zero()
}
