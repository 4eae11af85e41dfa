//! [`ProviderAgent`]: the chain side of a provider node.
//!
//! One task owns the provider's market handle. It polls the market's events and tells the node,
//! through a bounded channel of [`Assignment`]s, which components to deploy (a replica was
//! matched to this provider) and which to remove (the deal stopped or the replica was taken
//! away). The node answers with [`ProviderHandle::worker_started`] once the worker runs, and
//! the task registers it on chain. On its own schedule the task sends a heartbeat for every
//! deal it serves and withdraws settled earnings.
//!
//! ```text
//! node ──worker_started──▶ ProviderHandle ──Command──▶ agent task ──▶ Market (chain)
//! node ◀──────────────── Assignment (Deploy / Undeploy) ◀──┘
//! ```

use std::{collections::BTreeMap, time::Duration};

use alloy::primitives::{Address, B256, U256};
use tokio::{
    sync::{mpsc, oneshot},
    task::JoinHandle,
    time::{MissedTickBehavior, interval},
};

#[cfg(test)]
mod tests;

use crate::{DealId, Error, Market, MarketEvent, OfferId, OfferTerms, Result, Revert};

/// The agent's schedule.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// How often to read new market events.
    pub poll_interval: Duration,
    /// How often to heartbeat each served deal; keep it well under the market's deadline.
    pub heartbeat_interval: Duration,
    /// How often to withdraw settled earnings in `earnings_token`.
    pub withdraw_interval: Duration,
    pub earnings_token: Address,
    /// The first block to read events from (the block the offer was published in, or 0).
    pub from_block: u64,
}

impl ProviderConfig {
    pub fn new(earnings_token: Address) -> Self {
        Self {
            poll_interval: Duration::from_secs(2),
            heartbeat_interval: Duration::from_secs(30),
            withdraw_interval: Duration::from_secs(600),
            earnings_token,
            from_block: 0,
        }
    }
}

/// What the node must do for the market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// Run `component` (fetch it by hash) for replica `index` of `deal`, then report the worker.
    Deploy {
        deal: DealId,
        index: u32,
        component: B256,
    },
    /// Stop the worker of replica `index` of `deal`: the deal ended or the replica moved.
    Undeploy { deal: DealId, index: u32 },
}

/// Pending assignments the node has not taken yet; the agent waits when they pile up.
const ASSIGNMENTS: usize = 64;
const COMMANDS: usize = 16;

enum Command {
    WorkerStarted {
        deal: DealId,
        index: u32,
        worker_id: Vec<u8>,
        reply: oneshot::Sender<Result<()>>,
    },
}

/// Talks to a running [`ProviderAgent`].
#[derive(Debug, Clone)]
pub struct ProviderHandle {
    commands: mpsc::Sender<Command>,
}

impl ProviderHandle {
    /// Registers the worker the node started for an [`Assignment::Deploy`].
    pub async fn worker_started(&self, deal: DealId, index: u32, worker_id: Vec<u8>) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        let stopped = || Error::Rpc {
            call: "registerWorker",
            message: "the provider agent has stopped".into(),
        };
        self.commands
            .send(Command::WorkerStarted {
                deal,
                index,
                worker_id,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The task behind a [`ProviderHandle`]; see the module docs.
#[derive(Debug)]
pub struct ProviderAgent;

impl ProviderAgent {
    /// Starts the agent for the provider `market` signs as. It runs until the handle and the
    /// assignment receiver are both dropped.
    pub fn spawn<M: Market + 'static>(
        market: M,
        config: ProviderConfig,
    ) -> (ProviderHandle, mpsc::Receiver<Assignment>, JoinHandle<()>) {
        let (commands, inbox) = mpsc::channel(COMMANDS);
        let (assignments, outbox) = mpsc::channel(ASSIGNMENTS);
        let task = Task {
            market,
            next_block: config.from_block,
            config,
            serving: BTreeMap::new(),
            assignments,
        };
        (
            ProviderHandle { commands },
            outbox,
            tokio::spawn(task.run(inbox)),
        )
    }
}

struct Task<M> {
    market: M,
    config: ProviderConfig,
    next_block: u64,
    /// The replica this provider holds in each deal (one per deal, by the market's rules).
    serving: BTreeMap<DealId, u32>,
    assignments: mpsc::Sender<Assignment>,
}

impl<M: Market> Task<M> {
    async fn run(mut self, mut inbox: mpsc::Receiver<Command>) {
        let mut poll = interval(self.config.poll_interval);
        let mut heartbeat = interval(self.config.heartbeat_interval);
        let mut withdraw = interval(self.config.withdraw_interval);
        for timer in [&mut poll, &mut heartbeat, &mut withdraw] {
            timer.set_missed_tick_behavior(MissedTickBehavior::Delay);
        }
        loop {
            tokio::select! {
                biased;
                () = self.assignments.closed() => return,
                command = inbox.recv() => match command {
                    Some(Command::WorkerStarted { deal, index, worker_id, reply }) => {
                        let _ = reply.send(self.market.register_worker(deal, index, &worker_id).await);
                    }
                    None => return,
                },
                _ = poll.tick() => {
                    if self.poll().await.is_err() {
                        return;
                    }
                }
                _ = heartbeat.tick() => {
                    if self.heartbeats().await.is_err() {
                        return;
                    }
                }
                _ = withdraw.tick() => self.withdraw().await,
            }
        }
    }

    /// Reads new events; `Err` when the node stopped listening.
    async fn poll(&mut self) -> Result<(), ()> {
        let batch = match self.market.events(self.next_block).await {
            Ok(batch) => batch,
            Err(e) => {
                tracing::warn!(error = %e, "provider agent: reading market events failed");
                return Ok(());
            }
        };
        self.next_block = batch.next_block;
        let me = self.market.account();
        for (_, event) in batch.events {
            match event {
                MarketEvent::ReplicaMatched {
                    deal,
                    index,
                    provider,
                    component,
                    ..
                } if provider == me => {
                    self.serving.insert(deal, index);
                    self.assign(Assignment::Deploy {
                        deal,
                        index,
                        component,
                    })
                    .await?;
                }
                MarketEvent::ReplicaRematched {
                    deal,
                    index,
                    failed_provider,
                    ..
                } if failed_provider == me => {
                    self.serving.remove(&deal);
                    self.assign(Assignment::Undeploy { deal, index }).await?;
                }
                MarketEvent::DealStopped { deal, .. } => self.release(deal).await?,
                _ => {}
            }
        }
        Ok(())
    }

    async fn heartbeats(&mut self) -> Result<(), ()> {
        let deals: Vec<DealId> = self.serving.keys().copied().collect();
        for deal in deals {
            match self.market.heartbeat(deal).await {
                Ok(()) => {}
                // The deal ended (or the replica moved) before its event was read.
                Err(e)
                    if matches!(
                        e.revert(),
                        Some(Revert::DealNotActive(_) | Revert::NotReplicaProvider { .. })
                    ) =>
                {
                    self.release(deal).await?;
                }
                Err(e) => tracing::warn!(%deal, error = %e, "provider agent: heartbeat failed"),
            }
        }
        Ok(())
    }

    async fn withdraw(&mut self) {
        let token = self.config.earnings_token;
        let result = match self.market.earnings(self.market.account(), token).await {
            Ok(amount) if amount > U256::ZERO => self.market.withdraw_earnings(token, amount).await,
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "provider agent: withdrawing earnings failed");
        }
    }

    async fn release(&mut self, deal: DealId) -> Result<(), ()> {
        match self.serving.remove(&deal) {
            Some(index) => self.assign(Assignment::Undeploy { deal, index }).await,
            None => Ok(()),
        }
    }

    async fn assign(&self, assignment: Assignment) -> Result<(), ()> {
        self.assignments.send(assignment).await.map_err(drop)
    }
}

/// Makes sure the market's account is a registered provider with an active offer for
/// `terms.peer_id`, registering with `collateral` and publishing or updating as needed. An
/// existing offer keeps its free capacity (change it with [`Market::update_offer`]).
pub async fn ensure_offer<M: Market>(
    market: &M,
    collateral: U256,
    terms: &OfferTerms,
) -> Result<OfferId> {
    let me = market.account();
    if !market.provider(me).await?.registered {
        market.register_provider(collateral).await?;
    }
    for id in market.active_offers().await? {
        let Some(offer) = market.offer(id).await? else {
            continue;
        };
        if offer.provider != me || offer.terms.peer_id != terms.peer_id {
            continue;
        }
        let current = &offer.terms;
        if current.token == terms.token
            && current.region == terms.region
            && current.attributes == terms.attributes
        {
            // The free capacity on chain already counts the replicas being served; only the
            // price is taken from `terms`.
            if current.price_per_cu != terms.price_per_cu {
                market
                    .update_offer(id, terms.price_per_cu, current.compute_units)
                    .await?;
            }
            return Ok(id);
        }
        // Token, region or attributes changed, which an offer cannot: publish anew.
        market.withdraw_offer(id).await?;
    }
    market.publish_offer(terms).await
}
