//! Provider mode: the node sells compute on the market contract and runs what it is matched.
//!
//! With a `[provider]` section in its config the node, at start, loads (or creates) its
//! wallet and spawns one task that makes sure the wallet is a registered provider with an
//! offer for this node's peer id (`weft_chain::ensure_offer`, retried with backoff while the
//! chain is unreachable or the wallet unfunded), then starts `weft_chain::ProviderAgent` and
//! turns its assignments into hosted services:
//!
//! ```text
//! ProviderAgent ──Assignment──▶ Deployer ──spawn_blocking──▶ Services (create, alias, remove)
//!      ▲                          │ one task per deal (retries with backoff)
//!      └──── worker_started ──────┘
//! ```
//!
//! A deal's component is the blake3 hash of its bytes, the same hash the node names modules
//! by, so a module in the node's store *is* the verified component. The service is owned by
//! the node's own peer id (the chain, not a peer, decides its life; the management key may
//! still remove it), aliased `deal-<id>` so flows call `(call provider ("deal-7" "fn") ...)`,
//! and its service id is the worker id registered on chain.

mod config;
mod deploy;
mod metered;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use weft_chain::{
    Address, AlloyMarket, Bytes, DealId, Market, OfferId, OfferTerms, ProviderAgent,
    ProviderConfig, RpcConfig, U256, ensure_offer, keys,
};
use weft_core::PeerId;

pub use config::{ProviderModeConfig, ProviderSettings};

use crate::NodeError;
use crate::services::Services;
use crate::transport::Transport;
use deploy::Deployer;
use metered::Metered;

/// What a provider node is doing now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderStatus {
    /// The node's offer, once registered on chain.
    pub offer: Option<OfferId>,
    /// The deals this node serves, each with the id of the service that runs it.
    pub serving: BTreeMap<DealId, String>,
    /// Replicas deployed and registered on chain since start.
    pub deployed_total: u64,
    /// Failed attempts to deploy or register a replica (each is retried).
    pub deploy_failures: u64,
    /// Earnings withdrawn since start, in the offer's token.
    pub withdrawn: U256,
}

/// The status, shared by the tasks that change it and the readers that watch it.
/// Where a provider gets a deal's component it does not hold: from a peer that announces
/// it, checked against its hash, at most `max_bytes` long.
#[derive(Debug, Clone)]
pub(crate) struct Fetcher {
    pub transport: Arc<dyn Transport>,
    pub max_bytes: u64,
}

#[derive(Debug)]
pub(crate) struct StatusCell(watch::Sender<ProviderStatus>);

impl StatusCell {
    pub(crate) fn update(&self, change: impl FnOnce(&mut ProviderStatus)) {
        self.0.send_modify(change);
    }

    pub(crate) fn get(&self) -> ProviderStatus {
        self.0.borrow().clone()
    }
}

/// A node's provider mode (see the module docs).
#[derive(Debug)]
pub struct Provider {
    account: Address,
    status: Arc<StatusCell>,
    task: JoinHandle<()>,
}

impl Provider {
    /// Loads the wallet and starts the provider task; chain errors after this point are
    /// logged and retried, never fatal.
    pub(crate) fn start(
        settings: ProviderSettings,
        services: Arc<Services>,
        peer: PeerId,
        fetcher: Fetcher,
    ) -> Result<Provider, NodeError> {
        let signer = keys::load_or_generate(&settings.wallet).map_err(|e| {
            NodeError::InvalidConfig(format!(
                "provider.wallet_key_file {}: {e}",
                settings.wallet.display()
            ))
        })?;
        let account = signer.address();
        let market = AlloyMarket::connect(
            &settings.rpc_url,
            signer,
            settings.market,
            RpcConfig::default(),
        )
        .map_err(|e| NodeError::InvalidConfig(format!("provider.rpc_url: {e}")))?;
        let (sender, _) = watch::channel(ProviderStatus::default());
        let status = Arc::new(StatusCell(sender));
        let market = Metered {
            inner: market,
            status: Arc::clone(&status),
        };
        let task = tokio::spawn(run(
            settings,
            market,
            services,
            peer,
            fetcher,
            Arc::clone(&status),
        ));
        tracing::info!(%account, "provider mode started");
        Ok(Provider {
            account,
            status,
            task,
        })
    }

    /// The wallet the node signs market transactions with.
    pub fn account(&self) -> Address {
        self.account
    }

    pub fn status(&self) -> ProviderStatus {
        self.status.get()
    }

    /// Changes of the status, to wait for one (`wait_for`).
    pub fn watch(&self) -> watch::Receiver<ProviderStatus> {
        self.status.0.subscribe()
    }

    pub(crate) fn status_cell(&self) -> Arc<StatusCell> {
        Arc::clone(&self.status)
    }

    /// Stops the agent and every deploy in progress; running services stay (they are in the
    /// registry and come back with the node).
    pub(crate) async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

async fn run<M: Market + 'static>(
    settings: ProviderSettings,
    market: Metered<M>,
    services: Arc<Services>,
    peer: PeerId,
    fetcher: Fetcher,
    status: Arc<StatusCell>,
) {
    let terms = OfferTerms {
        token: settings.token,
        price_per_cu: settings.price_per_cu,
        compute_units: settings.compute_units,
        region: settings.region,
        attributes: settings.attributes,
        peer_id: Bytes::from(peer.to_bytes().to_vec()),
    };
    let mut backoff = Backoff::new(settings.retry, settings.retry_max);
    let offer = loop {
        match ensure_offer(&market.inner, settings.collateral, &terms).await {
            Ok(offer) => break offer,
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    "provider: registering with the market failed; retrying (is the chain up and the wallet funded?)"
                );
                tokio::time::sleep(backoff.next_pause()).await;
            }
        }
    };
    status.update(|s| s.offer = Some(offer));
    tracing::info!(%offer, price_per_cu = %settings.price_per_cu, "provider: offer active");
    let agent_config = ProviderConfig {
        poll_interval: settings.poll_interval,
        heartbeat_interval: settings.heartbeat_interval,
        withdraw_interval: settings.withdraw_interval,
        earnings_token: settings.token,
        from_block: settings.from_block,
    };
    let (handle, assignments, agent) = ProviderAgent::spawn(market, agent_config);
    let deployer = Deployer {
        services,
        peer,
        fetcher,
        handle,
        status,
        retry: (settings.retry, settings.retry_max),
        wanted: Default::default(),
        changing: Default::default(),
    };
    // Aborting this task drops the deployer, whose drop ends the agent too.
    let _agent = AbortOnDrop(agent);
    Arc::new(deployer).run(assignments).await;
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Pauses that double from `first` up to `max`.
#[derive(Debug)]
pub(crate) struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    pub(crate) fn new(first: Duration, max: Duration) -> Self {
        Self { next: first, max }
    }

    pub(crate) fn next_pause(&mut self) -> Duration {
        let pause = self.next;
        self.next = (self.next * 2).min(self.max);
        pause
    }
}

/// The alias a deal's service answers to.
pub fn deal_alias(deal: DealId) -> String {
    format!("deal-{}", deal.0)
}
