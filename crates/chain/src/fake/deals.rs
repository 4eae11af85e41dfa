//! Deals, settlement and matching of the fake market (the second half of `Market.sol`).

use alloy::primitives::{Address, U256};

use super::ledger::{Ledger, reserve, valid_deal_terms};
use crate::{
    Deal, DealId, DealStatus, DealTerms, Failure, MarketEvent, OfferId, Replica, Revert, StopReason,
};

type Outcome<T = ()> = Result<T, Revert>;

impl Ledger {
    pub(crate) fn create_deal(
        &mut self,
        sender: Address,
        terms: &DealTerms,
        deposit: U256,
    ) -> Outcome<DealId> {
        if !valid_deal_terms(terms) {
            return Err(Revert::InvalidDealTerms);
        }
        let reserve = reserve(terms, self.params.reserve_epochs);
        if deposit < reserve {
            return Err(Revert::EscrowBelowReserve {
                escrow: deposit,
                reserve,
            });
        }
        let id = DealId(self.deals.len() as u64 + 1);
        let deal = Deal {
            id,
            developer: sender,
            status: DealStatus::Active,
            settled_epoch: self.epoch(),
            terms: terms.clone(),
            escrow: deposit,
            replicas: vec![Replica::default(); terms.replicas as usize],
        };
        self.deals.insert(id, deal);
        self.emit(MarketEvent::DealCreated {
            deal: id,
            developer: sender,
            terms: terms.clone(),
            escrow: deposit,
        });
        self.match_deal_replicas(id);
        self.pull(terms.token, sender, deposit)?;
        Ok(id)
    }

    pub(crate) fn top_up(&mut self, sender: Address, id: DealId, amount: U256) -> Outcome {
        self.active_deal(id)?;
        if amount.is_zero() {
            return Err(Revert::ZeroAmount);
        }
        self.settle(id);
        let deal = self.active_deal(id)?;
        deal.escrow += amount;
        let (escrow, token) = (deal.escrow, deal.terms.token);
        self.emit(MarketEvent::EscrowDeposited {
            deal: id,
            amount,
            escrow,
        });
        self.pull(token, sender, amount)
    }

    pub(crate) fn withdraw_unused(&mut self, sender: Address, id: DealId, amount: U256) -> Outcome {
        if self.deal_mut(id)?.developer != sender {
            return Err(Revert::NotDeveloper(id));
        }
        if amount.is_zero() {
            return Err(Revert::ZeroAmount);
        }
        self.settle(id);
        let reserve_epochs = self.params.reserve_epochs;
        let deal = self.deal_mut(id)?;
        let keep = match deal.status {
            DealStatus::Active => reserve(&deal.terms, reserve_epochs),
            DealStatus::Stopped => U256::ZERO,
        };
        if amount > deal.escrow || deal.escrow - amount < keep {
            let escrow = deal.escrow - amount.min(deal.escrow);
            return Err(Revert::EscrowBelowReserve {
                escrow,
                reserve: keep,
            });
        }
        deal.escrow -= amount;
        let (escrow, token) = (deal.escrow, deal.terms.token);
        self.emit(MarketEvent::EscrowWithdrawn {
            deal: id,
            amount,
            escrow,
        });
        self.push(token, sender, amount)
    }

    pub(crate) fn stop_deal(&mut self, sender: Address, id: DealId) -> Outcome {
        if self.active_deal(id)?.developer != sender {
            return Err(Revert::NotDeveloper(id));
        }
        self.settle(id);
        if self.is_active(id) {
            self.stop(id, StopReason::ByDeveloper);
        }
        let deal = self.deal_mut(id)?;
        let refund = std::mem::take(&mut deal.escrow);
        let token = deal.terms.token;
        if !refund.is_zero() {
            self.emit(MarketEvent::EscrowWithdrawn {
                deal: id,
                amount: refund,
                escrow: U256::ZERO,
            });
            self.push(token, sender, refund)?;
        }
        Ok(())
    }

    pub(crate) fn report_failure(&mut self, sender: Address, id: DealId, index: u32) -> Outcome {
        if self.active_deal(id)?.developer != sender {
            return Err(Revert::NotDeveloper(id));
        }
        self.settle(id);
        self.active_deal(id)?;
        self.fail(id, index, Failure::Reported)
    }

    pub(crate) fn match_deal(&mut self, id: DealId) -> Outcome {
        self.active_deal(id)?;
        self.settle(id);
        if self.is_active(id) {
            self.match_deal_replicas(id);
        }
        Ok(())
    }

    pub(crate) fn settle_deal(&mut self, id: DealId) -> Outcome {
        self.deal_mut(id)?;
        self.settle(id);
        Ok(())
    }

    pub(crate) fn report_missed_heartbeat(&mut self, id: DealId, index: u32) -> Outcome {
        self.active_deal(id)?;
        self.settle(id);
        self.active_deal(id)?;
        let window = u64::from(self.params.heartbeat_epochs) * self.params.epoch_seconds;
        let now = self.now;
        let replica = self.replica(id, index)?;
        let deadline = replica.last_heartbeat + window;
        if replica.provider.is_none() {
            return Err(Revert::ReplicaNotMatched { deal: id, index });
        }
        if now <= deadline {
            return Err(Revert::HeartbeatNotMissed {
                deal: id,
                index,
                deadline,
            });
        }
        self.fail(id, index, Failure::MissedHeartbeat)
    }

    /// Pays the ended epochs the escrow affords; stops the deal when it cannot pay the next.
    pub(crate) fn settle(&mut self, id: DealId) {
        let epoch = self.epoch();
        let Some(deal) = self
            .deals
            .get_mut(&id)
            .filter(|d| d.status == DealStatus::Active)
        else {
            return;
        };
        let cost = deal.cost_per_epoch();
        if cost.is_zero() {
            deal.settled_epoch = epoch;
            return;
        }
        let due = epoch - deal.settled_epoch;
        let affordable = deal.escrow / cost;
        let paid = if affordable < U256::from(due) {
            affordable.to::<u64>()
        } else {
            due
        };
        if paid > 0 {
            for replica in &deal.replicas {
                if let Some(provider) = replica.provider {
                    let owed = replica.price_per_epoch * U256::from(paid);
                    *self
                        .earnings
                        .entry((provider, deal.terms.token))
                        .or_default() += owed;
                }
            }
            let amount = cost * U256::from(paid);
            deal.escrow -= amount;
            deal.settled_epoch += paid;
            let escrow = deal.escrow;
            self.emit(MarketEvent::Settled {
                deal: id,
                epochs: paid,
                paid: amount,
                escrow,
            });
        }
        if self.deals.get(&id).is_some_and(|d| d.escrow < cost) {
            self.stop(id, StopReason::EscrowExhausted);
        }
    }

    fn stop(&mut self, id: DealId, reason: StopReason) {
        let Some(deal) = self.deals.get_mut(&id) else {
            return;
        };
        deal.status = DealStatus::Stopped;
        let units = deal.terms.compute_units;
        let escrow = deal.escrow;
        for replica in &deal.replicas {
            let (Some(provider), Some(offer)) = (replica.provider, replica.offer) else {
                continue;
            };
            if let Some(p) = self.providers.get_mut(&provider) {
                p.active_replicas -= 1;
            }
            if let Some(o) = self.offers.get_mut(&offer).filter(|o| o.active) {
                o.terms.compute_units += units;
            }
        }
        self.emit(MarketEvent::DealStopped {
            deal: id,
            reason,
            escrow,
        });
    }

    fn fail(&mut self, id: DealId, index: u32, failure: Failure) -> Outcome {
        let replica = self.replica(id, index)?;
        let failed = replica
            .provider
            .ok_or(Revert::ReplicaNotMatched { deal: id, index })?;
        *replica = Replica::default();
        self.excluded.insert((id, failed));
        let slash_bps = U256::from(self.params.slash_bps);
        let slash = match self.providers.get_mut(&failed) {
            Some(p) => {
                p.active_replicas -= 1;
                let slash = p.collateral * slash_bps / U256::from(10_000);
                p.collateral -= slash;
                slash
            }
            None => U256::ZERO,
        };
        self.emit(MarketEvent::ReplicaRematched {
            deal: id,
            index,
            failed_provider: failed,
            failure,
        });
        self.emit(MarketEvent::Slashed {
            provider: failed,
            deal: id,
            amount: slash,
        });
        self.match_replica(id, index);
        if !slash.is_zero() {
            self.push(self.params.collateral_token, self.params.treasury, slash)?;
        }
        Ok(())
    }

    fn match_deal_replicas(&mut self, id: DealId) {
        let Some(deal) = self.deals.get(&id) else {
            return;
        };
        let empty: Vec<u32> = (0..deal.replicas.len() as u32)
            .filter(|&i| deal.replicas[i as usize].provider.is_none())
            .collect();
        for index in empty {
            self.match_replica(id, index);
        }
    }

    /// The cheapest eligible offer (the older one on a tie) takes the empty slot.
    fn match_replica(&mut self, id: DealId, index: u32) {
        let Some(deal) = self.deals.get(&id) else {
            return;
        };
        let best = self
            .offers
            .values()
            .filter(|o| self.eligible(deal, o.id))
            .min_by_key(|o| (o.terms.price_per_cu, o.id))
            .map(|o| o.id);
        let Some(best) = best else { return };
        let (units, component) = (deal.terms.compute_units, deal.terms.component);
        let Some(offer) = self.offers.get_mut(&best) else {
            return;
        };
        offer.terms.compute_units -= units;
        let provider = offer.provider;
        let price_per_epoch = offer.terms.price_per_cu * U256::from(units);
        let peer_id = offer.terms.peer_id.clone();
        if let Some(p) = self.providers.get_mut(&provider) {
            p.active_replicas += 1;
        }
        let now = self.now;
        if let Some(slot) = self
            .deals
            .get_mut(&id)
            .and_then(|d| d.replicas.get_mut(index as usize))
        {
            *slot = Replica {
                provider: Some(provider),
                offer: Some(best),
                price_per_epoch,
                last_heartbeat: now,
                peer_id: peer_id.clone(),
                worker_id: Default::default(),
            };
        }
        self.emit(MarketEvent::ReplicaMatched {
            deal: id,
            index,
            provider,
            offer: best,
            peer_id,
            component,
            price_per_epoch,
        });
    }

    fn eligible(&self, deal: &Deal, offer: OfferId) -> bool {
        let (Some(o), t) = (self.offers.get(&offer), &deal.terms) else {
            return false;
        };
        let p = &o.terms;
        o.active
            && p.token == t.token
            && p.price_per_cu <= t.max_price_per_cu
            && p.compute_units >= t.compute_units
            && (t.region.is_zero() || p.region == t.region)
            && p.attributes & t.required_attributes == t.required_attributes
            && !self.excluded.contains(&(deal.id, o.provider))
            && self
                .providers
                .get(&o.provider)
                .is_some_and(|pi| pi.collateral >= self.params.min_collateral)
            && deal.replicas.iter().all(|r| r.provider != Some(o.provider))
    }
}
