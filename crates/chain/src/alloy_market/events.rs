//! Market logs as [`MarketEvent`]s.

use alloy::rpc::types::Log;

use super::{
    bindings::Market::{self as M, MarketEvents as E},
    convert::{deal_id, deal_terms, failure, offer_id, offer_terms, stop_reason},
};
use crate::MarketEvent;

/// The event in `log`, or `None` for a log the market's ABI does not describe.
pub(crate) fn decode(log: &Log) -> Option<MarketEvent> {
    use alloy::sol_types::SolEventInterface;
    let event = E::decode_log(&log.inner).ok()?.data;
    Some(match event {
        E::ProviderRegistered(e) => MarketEvent::ProviderRegistered {
            provider: e.provider,
            collateral: e.collateral,
        },
        E::CollateralChanged(e) => MarketEvent::CollateralChanged {
            provider: e.provider,
            collateral: e.collateral,
        },
        E::OfferRegistered(e) => MarketEvent::OfferRegistered {
            offer: offer_id(e.offerId),
            provider: e.provider,
            terms: offer_terms(e.terms),
        },
        E::OfferUpdated(e) => MarketEvent::OfferUpdated {
            offer: offer_id(e.offerId),
            price_per_cu: e.pricePerCU,
            compute_units: e.computeUnits,
        },
        E::OfferWithdrawn(e) => MarketEvent::OfferWithdrawn {
            offer: offer_id(e.offerId),
        },
        E::DealCreated(e) => MarketEvent::DealCreated {
            deal: deal_id(e.dealId),
            developer: e.developer,
            terms: deal_terms(e.terms),
            escrow: e.escrow,
        },
        E::ReplicaMatched(e) => replica_matched(e),
        E::WorkerRegistered(e) => MarketEvent::WorkerRegistered {
            deal: deal_id(e.dealId),
            index: e.index,
            provider: e.provider,
            worker_id: e.workerId,
        },
        E::EscrowDeposited(e) => MarketEvent::EscrowDeposited {
            deal: deal_id(e.dealId),
            amount: e.amount,
            escrow: e.escrow,
        },
        E::EscrowWithdrawn(e) => MarketEvent::EscrowWithdrawn {
            deal: deal_id(e.dealId),
            amount: e.amount,
            escrow: e.escrow,
        },
        E::Settled(e) => MarketEvent::Settled {
            deal: deal_id(e.dealId),
            epochs: e.epochs,
            paid: e.paid,
            escrow: e.escrow,
        },
        E::DealStopped(e) => MarketEvent::DealStopped {
            deal: deal_id(e.dealId),
            reason: stop_reason(e.reason),
            escrow: e.escrow,
        },
        E::ReplicaRematched(e) => MarketEvent::ReplicaRematched {
            deal: deal_id(e.dealId),
            index: e.index,
            failed_provider: e.failedProvider,
            failure: failure(e.failure),
        },
        E::Slashed(e) => MarketEvent::Slashed {
            provider: e.provider,
            deal: deal_id(e.dealId),
            amount: e.amount,
        },
        E::EarningsWithdrawn(e) => MarketEvent::EarningsWithdrawn {
            provider: e.provider,
            token: e.token,
            amount: e.amount,
        },
    })
}

fn replica_matched(e: M::ReplicaMatched) -> MarketEvent {
    MarketEvent::ReplicaMatched {
        deal: deal_id(e.dealId),
        index: e.index,
        provider: e.provider,
        offer: offer_id(e.offerId),
        peer_id: e.peerId,
        component: e.component,
        price_per_epoch: e.pricePerEpoch,
    }
}
