//! The crate's one error type, and the contracts' revert reasons as Rust values.

use std::{path::PathBuf, time::Duration};

use alloy::primitives::{Address, B256, U256};

use crate::{DealId, OfferId};

/// What can go wrong talking to the market.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The contract refused the call; nothing changed on chain.
    #[error("{call} reverted: {reason}")]
    Reverted {
        call: &'static str,
        reason: Box<Revert>,
    },
    /// The endpoint failed or answered nonsense (after the bounded retries).
    #[error("{call}: RPC failed: {message}")]
    Rpc { call: &'static str, message: String },
    /// The transaction was sent but no receipt came in time; it may still be mined.
    #[error(
        "{call}: no receipt for transaction {tx} within {timeout:?}; check the endpoint and retry"
    )]
    ReceiptTimeout {
        call: &'static str,
        tx: B256,
        timeout: Duration,
    },
    /// The endpoint URL does not parse.
    #[error("invalid RPC URL {url:?}: {message}")]
    InvalidUrl { url: String, message: String },
    /// A key file could not be read, parsed or written.
    #[error("key file {}: {message}", path.display())]
    Key { path: PathBuf, message: String },
    /// The local anvil chain could not be started or prepared.
    #[error("dev chain: {0}")]
    DevChain(String),
}

impl Error {
    /// The contract's reason, if the call was refused.
    pub fn revert(&self) -> Option<&Revert> {
        match self {
            Error::Reverted { reason, .. } => Some(reason),
            _ => None,
        }
    }

    pub(crate) fn reverted(call: &'static str, reason: Revert) -> Self {
        Error::Reverted {
            call,
            reason: Box::new(reason),
        }
    }
}

/// Why a contract call reverted: the custom errors of `Market` and `USDToken`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Revert {
    #[error("invalid market parameters")]
    InvalidParams,
    #[error("re-entrant call")]
    Reentrancy,
    #[error("amount is zero")]
    ZeroAmount,
    #[error("provider {0} is already registered")]
    AlreadyRegistered(Address),
    #[error("{0} is not a registered provider")]
    NotRegistered(Address),
    #[error("collateral {collateral} is below {minimum}")]
    CollateralTooLow { collateral: U256, minimum: U256 },
    #[error("collateral is locked by {active_replicas} active replicas")]
    CollateralLocked { active_replicas: u32 },
    #[error("invalid offer (zero price, or peer id empty or too long)")]
    InvalidOffer,
    #[error("{0} does not exist or was withdrawn")]
    OfferNotFound(OfferId),
    #[error("{0} belongs to another provider")]
    NotOfferOwner(OfferId),
    #[error("worker id is empty or too long")]
    InvalidWorkerId,
    #[error("invalid deal terms (replicas not in 1..=16, zero compute units or zero price)")]
    InvalidDealTerms,
    #[error("escrow {escrow} would be below the reserve {reserve}")]
    EscrowBelowReserve { escrow: U256, reserve: U256 },
    #[error("{0} does not exist")]
    DealNotFound(DealId),
    #[error("{0} is not active")]
    DealNotActive(DealId),
    #[error("only the developer of {0} may do this")]
    NotDeveloper(DealId),
    #[error("{deal} has no replica {index}")]
    ReplicaNotFound { deal: DealId, index: u32 },
    #[error("replica {index} of {deal} is not matched")]
    ReplicaNotMatched { deal: DealId, index: u32 },
    /// `index` is `u32::MAX` when the caller holds no replica of the deal at all.
    #[error("the caller does not serve replica {index} of {deal}")]
    NotReplicaProvider { deal: DealId, index: u32 },
    #[error("replica {index} of {deal} heartbeat deadline {deadline} has not passed")]
    HeartbeatNotMissed {
        deal: DealId,
        index: u32,
        deadline: u64,
    },
    #[error("requested {requested} but only {available} was earned")]
    InsufficientEarnings { available: U256, requested: U256 },
    #[error("token {0} refused the transfer")]
    TokenTransferFailed(Address),
    #[error("{owner} holds {balance}, needs {needed}")]
    InsufficientBalance {
        owner: Address,
        balance: U256,
        needed: U256,
    },
    #[error("{spender} may move {allowance} of {owner}'s tokens, needs {needed}")]
    InsufficientAllowance {
        owner: Address,
        spender: Address,
        allowance: U256,
        needed: U256,
    },
    #[error("transfer to the zero address")]
    TransferToZeroAddress,
    /// A revert the bindings do not know: a reason string, a panic, or raw data.
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
