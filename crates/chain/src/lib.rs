//! Weft's EVM compute marketplace client.
//!
//! Providers earn and developers pay through the `Market` contract (`contracts/Market.sol`,
//! described in `docs/chain.md`): providers stake collateral and publish offers, developers
//! create deals for a component with an escrow in an ERC-20 stablecoin, deals are matched to
//! the cheapest eligible offers, and payment accrues per replica per epoch.
//!
//! This crate is the only place that knows about the chain:
//! - [`Market`]: the contract as one account sees it, as a small async trait;
//! - [`AlloyMarket`]: the real implementation over any JSON-RPC endpoint (alloy);
//! - [`FakeMarket`]: the same rules in memory, for unit tests of code that uses a market;
//! - [`keys`]: secp256k1 key files for providers and developers;
//! - [`ProviderAgent`]: the chain side of a provider node (deploy/undeploy assignments,
//!   worker registration, heartbeats, withdrawals);
//! - [`DevChain`]: a local anvil chain with the contracts deployed, for `weft up` and tests.
//!
//! ```no_run
//! # async fn example() -> weft_chain::Result<()> {
//! use weft_chain::{DevChain, DevChainConfig, Market, U256};
//!
//! let chain = DevChain::start(DevChainConfig::default()).await?;
//! let provider = chain.funded_market(U256::from(1_000_000_000u64)).await?;
//! provider.register_provider(U256::from(100_000_000u64)).await?;
//! # Ok(())
//! # }
//! ```

mod alloy_market;
mod devchain;
mod error;
mod fake;
pub mod keys;
mod market;
mod provider;
mod types;

pub use alloy::primitives::{Address, B256, Bytes, U256};
pub use alloy::signers::local::PrivateKeySigner;

pub use alloy_market::{AlloyMarket, Contracts, RpcConfig};
pub use devchain::{DevChain, DevChainConfig, bundled_anvil};
pub use error::{Error, Result, Revert};
pub use fake::FakeMarket;
pub use market::Market;
pub use provider::{Assignment, ProviderAgent, ProviderConfig, ProviderHandle, ensure_offer};
pub use types::{
    Deal, DealId, DealStatus, DealTerms, EventBatch, Failure, MarketEvent, MarketParams, Offer,
    OfferId, OfferTerms, ProviderInfo, Replica, StopReason,
};
