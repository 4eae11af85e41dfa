//! Between the contract's ABI values and the crate's domain values.

use alloy::{
    primitives::{Address, U256},
    sol_types::{SolError, SolInterface},
};

use super::bindings::{Market as M, USDToken as T};
use crate::{
    Deal, DealId, DealStatus, DealTerms, Failure, MarketParams, Offer, OfferId, OfferTerms,
    ProviderInfo, Replica, Revert, StopReason,
};

/// Ids count up from 1 and one transaction makes at most one, so they never leave u64.
pub(crate) fn id_from(value: U256) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

pub(crate) fn deal_id(value: U256) -> DealId {
    DealId(id_from(value))
}

pub(crate) fn offer_id(value: U256) -> OfferId {
    OfferId(id_from(value))
}

pub(crate) fn stop_reason(value: u8) -> StopReason {
    match value {
        0 => StopReason::ByDeveloper,
        _ => StopReason::EscrowExhausted,
    }
}

pub(crate) fn failure(value: u8) -> Failure {
    match value {
        0 => Failure::MissedHeartbeat,
        _ => Failure::Reported,
    }
}

pub(crate) fn params(p: M::Params) -> MarketParams {
    MarketParams {
        collateral_token: p.collateralToken,
        treasury: p.treasury,
        epoch_seconds: p.epochSeconds,
        min_collateral: p.minCollateral,
        slash_bps: p.slashBps,
        heartbeat_epochs: p.heartbeatEpochs,
        reserve_epochs: p.reserveEpochs,
    }
}

pub(crate) fn to_params(p: &MarketParams) -> M::Params {
    M::Params {
        collateralToken: p.collateral_token,
        treasury: p.treasury,
        epochSeconds: p.epoch_seconds,
        minCollateral: p.min_collateral,
        slashBps: p.slash_bps,
        heartbeatEpochs: p.heartbeat_epochs,
        reserveEpochs: p.reserve_epochs,
    }
}

pub(crate) fn provider(p: M::Provider) -> ProviderInfo {
    ProviderInfo {
        registered: p.registered,
        collateral: p.collateral,
        active_replicas: p.activeReplicas,
    }
}

pub(crate) fn offer_terms(t: M::OfferTerms) -> OfferTerms {
    OfferTerms {
        token: t.token,
        price_per_cu: t.pricePerCU,
        compute_units: t.computeUnits,
        region: t.region,
        attributes: t.attributes,
        peer_id: t.peerId,
    }
}

pub(crate) fn to_offer_terms(t: &OfferTerms) -> M::OfferTerms {
    M::OfferTerms {
        token: t.token,
        pricePerCU: t.price_per_cu,
        computeUnits: t.compute_units,
        region: t.region,
        attributes: t.attributes,
        peerId: t.peer_id.clone(),
    }
}

/// `None` for an id no offer ever had (its provider is zero).
pub(crate) fn offer(id: OfferId, o: M::Offer) -> Option<Offer> {
    (o.provider != Address::ZERO).then(|| Offer {
        id,
        provider: o.provider,
        terms: OfferTerms {
            token: o.token,
            price_per_cu: o.pricePerCU,
            compute_units: o.computeUnits,
            region: o.region,
            attributes: o.attributes,
            peer_id: o.peerId,
        },
        active: o.active,
    })
}

pub(crate) fn deal_terms(t: M::DealTerms) -> DealTerms {
    DealTerms {
        token: t.token,
        component: t.component,
        replicas: t.replicas,
        compute_units: t.computeUnits,
        max_price_per_cu: t.maxPricePerCU,
        region: t.region,
        required_attributes: t.requiredAttributes,
    }
}

pub(crate) fn to_deal_terms(t: &DealTerms) -> M::DealTerms {
    M::DealTerms {
        token: t.token,
        component: t.component,
        replicas: t.replicas,
        computeUnits: t.compute_units,
        maxPricePerCU: t.max_price_per_cu,
        region: t.region,
        requiredAttributes: t.required_attributes,
    }
}

/// `None` for an id no deal ever had (status `None` on chain).
pub(crate) fn deal(id: DealId, d: M::Deal, replicas: Vec<M::Replica>) -> Option<Deal> {
    let status = match d.status {
        0 => return None,
        1 => DealStatus::Active,
        _ => DealStatus::Stopped,
    };
    Some(Deal {
        id,
        developer: d.developer,
        status,
        settled_epoch: d.settledEpoch,
        terms: deal_terms(d.terms),
        escrow: d.escrow,
        replicas: replicas.into_iter().map(replica).collect(),
    })
}

fn replica(r: M::Replica) -> Replica {
    let matched = r.provider != Address::ZERO;
    Replica {
        provider: matched.then_some(r.provider),
        offer: matched.then(|| offer_id(r.offerId)),
        price_per_epoch: r.pricePerEpoch,
        last_heartbeat: r.lastHeartbeat,
        peer_id: r.peerId,
        worker_id: r.workerId,
    }
}

/// The reason in a revert's data: a custom error of the market or the token, a reason string
/// or a panic of any contract, or the raw bytes.
pub(crate) fn revert(data: &[u8]) -> Revert {
    use M::MarketErrors as E;
    if let Ok(e) = E::abi_decode(data) {
        return match e {
            E::InvalidParams(_) => Revert::InvalidParams,
            E::Reentrancy(_) => Revert::Reentrancy,
            E::ZeroAmount(_) => Revert::ZeroAmount,
            E::AlreadyRegistered(e) => Revert::AlreadyRegistered(e.provider),
            E::NotRegistered(e) => Revert::NotRegistered(e.provider),
            E::CollateralTooLow(e) => Revert::CollateralTooLow {
                collateral: e.collateral,
                minimum: e.minimum,
            },
            E::CollateralLocked(e) => Revert::CollateralLocked {
                active_replicas: e.activeReplicas,
            },
            E::InvalidOffer(_) => Revert::InvalidOffer,
            E::OfferNotFound(e) => Revert::OfferNotFound(offer_id(e.offerId)),
            E::NotOfferOwner(e) => Revert::NotOfferOwner(offer_id(e.offerId)),
            E::InvalidWorkerId(_) => Revert::InvalidWorkerId,
            E::InvalidDealTerms(_) => Revert::InvalidDealTerms,
            E::EscrowBelowReserve(e) => Revert::EscrowBelowReserve {
                escrow: e.escrow,
                reserve: e.reserve,
            },
            E::DealNotFound(e) => Revert::DealNotFound(deal_id(e.dealId)),
            E::DealNotActive(e) => Revert::DealNotActive(deal_id(e.dealId)),
            E::NotDeveloper(e) => Revert::NotDeveloper(deal_id(e.dealId)),
            E::ReplicaNotFound(e) => Revert::ReplicaNotFound {
                deal: deal_id(e.dealId),
                index: e.index,
            },
            E::ReplicaNotMatched(e) => Revert::ReplicaNotMatched {
                deal: deal_id(e.dealId),
                index: e.index,
            },
            E::NotReplicaProvider(e) => Revert::NotReplicaProvider {
                deal: deal_id(e.dealId),
                index: e.index,
            },
            E::HeartbeatNotMissed(e) => Revert::HeartbeatNotMissed {
                deal: deal_id(e.dealId),
                index: e.index,
                deadline: e.deadline,
            },
            E::InsufficientEarnings(e) => Revert::InsufficientEarnings {
                available: e.available,
                requested: e.requested,
            },
            E::TokenTransferFailed(e) => Revert::TokenTransferFailed(e.token),
        };
    }
    use T::USDTokenErrors as TE;
    if let Ok(e) = TE::abi_decode(data) {
        return match e {
            TE::InsufficientBalance(e) => Revert::InsufficientBalance {
                owner: e.owner,
                balance: e.balance,
                needed: e.needed,
            },
            TE::InsufficientAllowance(e) => Revert::InsufficientAllowance {
                owner: e.owner,
                spender: e.spender,
                allowance: e.allowance,
                needed: e.needed,
            },
            TE::TransferToZeroAddress(_) => Revert::TransferToZeroAddress,
        };
    }
    if let Ok(reason) = alloy::sol_types::Revert::abi_decode(data) {
        return Revert::Other(reason.reason);
    }
    if let Ok(panic) = alloy::sol_types::Panic::abi_decode(data) {
        return Revert::Other(panic.to_string());
    }
    Revert::Other(format!(
        "unknown revert data {}",
        alloy::primitives::hex::encode_prefixed(data)
    ))
}
