//! The market's domain values, independent of how the chain is reached.

use std::fmt;

use alloy::primitives::{Address, B256, Bytes, U256};

/// An offer's id on chain (the first offer is 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OfferId(pub u64);

/// A deal's id on chain (the first deal is 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DealId(pub u64);

impl fmt::Display for OfferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "offer {}", self.0)
    }
}

impl fmt::Display for DealId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "deal {}", self.0)
    }
}

/// The parameters a market was deployed with (see `contracts/Market.sol` for their economics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketParams {
    /// The ERC-20 providers stake.
    pub collateral_token: Address,
    /// Receives slashed collateral.
    pub treasury: Address,
    pub epoch_seconds: u64,
    /// A provider with less collateral is not matched.
    pub min_collateral: U256,
    /// Share of a failing provider's collateral slashed, in basis points.
    pub slash_bps: u16,
    /// Epochs without a heartbeat after which a replica may be taken away.
    pub heartbeat_epochs: u32,
    /// Epochs of every replica at the maximum price a running deal must keep in escrow.
    pub reserve_epochs: u32,
}

/// A registered provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderInfo {
    pub registered: bool,
    pub collateral: U256,
    pub active_replicas: u32,
}

/// What a provider publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferTerms {
    /// The ERC-20 the provider wants to be paid in.
    pub token: Address,
    /// Price of one compute unit for one epoch, in the token's smallest unit.
    pub price_per_cu: U256,
    /// Compute units available for new replicas.
    pub compute_units: u64,
    pub region: B256,
    /// Bit mask of hardware attributes.
    pub attributes: U256,
    /// The provider node's peer id (its bytes), where matched workers run.
    pub peer_id: Bytes,
}

/// A published offer and its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub id: OfferId,
    pub provider: Address,
    /// The terms; `compute_units` is the capacity still free.
    pub terms: OfferTerms,
    /// False once withdrawn.
    pub active: bool,
}

/// What a developer asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealTerms {
    pub token: Address,
    /// Content hash of the component to run.
    pub component: B256,
    /// Number of replicas, each on a different provider.
    pub replicas: u32,
    /// Compute units per replica.
    pub compute_units: u64,
    pub max_price_per_cu: U256,
    /// Zero accepts any region.
    pub region: B256,
    /// Bits every matched offer's attributes must contain.
    pub required_attributes: U256,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealStatus {
    Active,
    Stopped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    ByDeveloper,
    EscrowExhausted,
}

/// Why a replica was taken from its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    MissedHeartbeat,
    Reported,
}

/// A deal and its replicas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deal {
    pub id: DealId,
    pub developer: Address,
    pub status: DealStatus,
    /// Epochs before this one are paid.
    pub settled_epoch: u64,
    pub terms: DealTerms,
    /// Escrow not yet paid to providers.
    pub escrow: U256,
    pub replicas: Vec<Replica>,
}

/// One replica slot of a deal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replica {
    /// `None` while unmatched.
    pub provider: Option<Address>,
    pub offer: Option<OfferId>,
    pub price_per_epoch: U256,
    /// Unix seconds of the last heartbeat, match or worker registration.
    pub last_heartbeat: u64,
    pub peer_id: Bytes,
    /// Empty until the provider's node registers its worker.
    pub worker_id: Bytes,
}

impl Deal {
    /// The index of `provider`'s replica, if it holds one.
    pub fn replica_of(&self, provider: Address) -> Option<u32> {
        let index = self
            .replicas
            .iter()
            .position(|r| r.provider == Some(provider))?;
        u32::try_from(index).ok()
    }

    /// What the matched replicas cost together per epoch.
    pub fn cost_per_epoch(&self) -> U256 {
        self.replicas.iter().map(|r| r.price_per_epoch).sum()
    }
}

/// Something the market did, as its contract logs it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MarketEvent {
    ProviderRegistered {
        provider: Address,
        collateral: U256,
    },
    CollateralChanged {
        provider: Address,
        collateral: U256,
    },
    OfferRegistered {
        offer: OfferId,
        provider: Address,
        terms: OfferTerms,
    },
    OfferUpdated {
        offer: OfferId,
        price_per_cu: U256,
        compute_units: u64,
    },
    OfferWithdrawn {
        offer: OfferId,
    },
    DealCreated {
        deal: DealId,
        developer: Address,
        terms: DealTerms,
        escrow: U256,
    },
    ReplicaMatched {
        deal: DealId,
        index: u32,
        provider: Address,
        offer: OfferId,
        peer_id: Bytes,
        component: B256,
        price_per_epoch: U256,
    },
    WorkerRegistered {
        deal: DealId,
        index: u32,
        provider: Address,
        worker_id: Bytes,
    },
    EscrowDeposited {
        deal: DealId,
        amount: U256,
        escrow: U256,
    },
    EscrowWithdrawn {
        deal: DealId,
        amount: U256,
        escrow: U256,
    },
    Settled {
        deal: DealId,
        epochs: u64,
        paid: U256,
        escrow: U256,
    },
    DealStopped {
        deal: DealId,
        reason: StopReason,
        escrow: U256,
    },
    ReplicaRematched {
        deal: DealId,
        index: u32,
        failed_provider: Address,
        failure: Failure,
    },
    Slashed {
        provider: Address,
        deal: DealId,
        amount: U256,
    },
    EarningsWithdrawn {
        provider: Address,
        token: Address,
        amount: U256,
    },
}

/// Events from a range of blocks, in chain order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventBatch {
    /// Each event with the block it is in.
    pub events: Vec<(u64, MarketEvent)>,
    /// Where the next poll starts.
    pub next_block: u64,
}
