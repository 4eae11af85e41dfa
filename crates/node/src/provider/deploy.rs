//! [`Deployer`]: turns the agent's assignments into hosted services, one task per deal.
//!
//! A Deploy gets the component into the node's store (the developer uploads it to the
//! matched providers with `dist.add_module` or a chunked upload, or the node fetches it
//! from a peer that announces it, checked against the deal's hash), creates the service,
//! aliases it `deal-<id>` and registers the service id as the worker on chain, retrying
//! each failed step with backoff. An Undeploy cancels the deal's attempt and removes its
//! service. Both are idempotent, so replaying the market's events after a restart finds the
//! services already there.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};
use weft_chain::{Assignment, B256, DealId, ProviderHandle};
use weft_core::PeerId;

use super::{Backoff, Fetcher, StatusCell, deal_alias};
use crate::services::Services;

pub(crate) struct Deployer {
    pub(crate) services: Arc<Services>,
    /// The node's own peer id: the owner of every deal's service.
    pub(crate) peer: PeerId,
    pub(crate) fetcher: Fetcher,
    pub(crate) handle: ProviderHandle,
    pub(crate) status: Arc<StatusCell>,
    pub(crate) retry: (Duration, Duration),
    /// The deals whose latest assignment is Deploy.
    pub(crate) wanted: Mutex<HashSet<DealId>>,
    /// Held by every deploy and undeploy while it changes services: a deploy aborted while
    /// its blocking work runs finishes before the undeploy looks, or sees that its deal is
    /// no longer wanted, so no service outlives its deal.
    pub(crate) changing: Mutex<()>,
}

/// Where a deploy attempt got to.
enum Step {
    /// The service runs; its id.
    Running(String),
    /// The component is not in the store yet.
    NoComponent,
}

impl Deployer {
    /// Runs until the agent stops sending assignments (or this task is aborted, which
    /// aborts every deal's task with it).
    pub(crate) async fn run(self: Arc<Self>, mut assignments: mpsc::Receiver<Assignment>) {
        let mut tasks = JoinSet::new();
        let mut by_deal: HashMap<DealId, AbortHandle> = HashMap::new();
        loop {
            tokio::select! {
                assignment = assignments.recv() => {
                    let Some(assignment) = assignment else { break };
                    self.want(&assignment);
                    let (deal, work) = match assignment {
                        Assignment::Deploy { deal, index, component } => {
                            (deal, tasks.spawn(Arc::clone(&self).deploy(deal, index, component)))
                        }
                        Assignment::Undeploy { deal, .. } => {
                            (deal, tasks.spawn(Arc::clone(&self).undeploy(deal)))
                        }
                    };
                    // The newer assignment of a deal replaces whatever its older one was doing.
                    if let Some(previous) = by_deal.insert(deal, work) {
                        previous.abort();
                    }
                }
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {
                    by_deal.retain(|_, work| !work.is_finished());
                }
            }
        }
    }

    fn want(&self, assignment: &Assignment) {
        let mut wanted = self.wanted.lock().unwrap_or_else(PoisonError::into_inner);
        match assignment {
            Assignment::Deploy { deal, .. } => wanted.insert(*deal),
            Assignment::Undeploy { deal, .. } => wanted.remove(deal),
        };
    }

    fn is_wanted(&self, deal: DealId) -> bool {
        let wanted = self.wanted.lock().unwrap_or_else(PoisonError::into_inner);
        wanted.contains(&deal)
    }

    async fn deploy(self: Arc<Self>, deal: DealId, index: u32, component: B256) {
        let hash = module_hash(component);
        let mut backoff = Backoff::new(self.retry.0, self.retry.1);
        let mut told_waiting = false;
        loop {
            let attempt = hash.clone();
            match self.blocking(move |d| d.try_deploy(deal, &attempt)).await {
                Ok(Step::Running(service)) => {
                    let worker = service.clone().into_bytes();
                    match self.handle.worker_started(deal, index, worker).await {
                        Ok(()) => {
                            tracing::info!(%deal, index, %service, "provider: serving the deal");
                            self.status.update(|s| {
                                s.serving.insert(deal, service);
                                s.deployed_total += 1;
                            });
                            return;
                        }
                        Err(e) => {
                            tracing::warn!(%deal, error = %e, "provider: registering the worker failed; retrying");
                            self.status.update(|s| s.deploy_failures += 1);
                        }
                    }
                }
                Ok(Step::NoComponent) => match self.fetch(deal, component).await {
                    // The next attempt finds it in the store.
                    Ok(()) => continue,
                    Err(e) if !told_waiting => {
                        told_waiting = true;
                        tracing::info!(%deal, component = %hash, reason = %e, "provider: waiting for the component; upload it to any node (dist.add_module)");
                    }
                    Err(_) => {}
                },
                Err(e) => {
                    tracing::warn!(%deal, error = %e, "provider: deploying failed; retrying");
                    self.status.update(|s| s.deploy_failures += 1);
                }
            }
            tokio::time::sleep(backoff.next_pause()).await;
        }
    }

    /// The deal's component from a peer that announces it, into the store (which announces
    /// it from here too).
    async fn fetch(self: &Arc<Self>, deal: DealId, component: B256) -> Result<(), String> {
        let hash = component.0;
        let Fetcher {
            transport,
            max_bytes,
        } = &self.fetcher;
        let wasm = transport.fetch(hash, *max_bytes).await?;
        let name = deal_alias(deal);
        self.blocking(move |d| d.services.add_module(&wasm, &name))
            .await?;
        tracing::info!(%deal, component = %module_hash(component), "provider: fetched the component from a peer");
        Ok(())
    }

    async fn undeploy(self: Arc<Self>, deal: DealId) {
        let mut backoff = Backoff::new(self.retry.0, self.retry.1);
        loop {
            match self.blocking(move |d| d.try_undeploy(deal)).await {
                Ok(()) => {
                    tracing::info!(%deal, "provider: the deal's service is removed");
                    self.status.update(|s| {
                        s.serving.remove(&deal);
                    });
                    return;
                }
                Err(e) => {
                    tracing::warn!(%deal, error = %e, "provider: removing the service failed; retrying");
                }
            }
            tokio::time::sleep(backoff.next_pause()).await;
        }
    }

    /// Services work on a blocking thread (file I/O, compilation).
    async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&Deployer) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || work(&me))
            .await
            .map_err(|e| format!("the deploy thread failed: {e}"))?
    }

    fn try_deploy(&self, deal: DealId, hash: &str) -> Result<Step, String> {
        let _changing = self.changing.lock().unwrap_or_else(PoisonError::into_inner);
        if !self.is_wanted(deal) {
            return Err("the deal was undeployed meanwhile".into());
        }
        let alias = deal_alias(deal);
        if let Some(id) = self.ours(&alias, Some(hash))? {
            return Ok(Step::Running(id));
        }
        if !self.has_module(hash) {
            return Ok(Step::NoComponent);
        }
        let id = self.services.create(hash, &self.peer)?;
        if let Err(e) = self.services.add_alias(&alias, &id, &self.peer) {
            let _ = self.services.remove(&id, &self.peer);
            return Err(format!("aliasing service {id} as {alias}: {e}"));
        }
        Ok(Step::Running(id))
    }

    fn try_undeploy(&self, deal: DealId) -> Result<(), String> {
        let _changing = self.changing.lock().unwrap_or_else(PoisonError::into_inner);
        match self.ours(&deal_alias(deal), None)? {
            Some(id) => self.services.remove(&id, &self.peer),
            None => Ok(()),
        }
    }

    /// The service `alias` names, when this node made it for a deal; a stale one of another
    /// component (a deal id reused by a new market) is removed and `None` returned. A
    /// service someone else aliased so is an error: the deal's callers would reach it.
    fn ours(&self, alias: &str, component: Option<&str>) -> Result<Option<String>, String> {
        let Ok(info) = self.services.info(alias) else {
            return Ok(None);
        };
        let field = |name: &str| info.get(name).and_then(Value::as_str).unwrap_or_default();
        let id = field("id").to_owned();
        if field("owner_id") != self.peer.to_string() {
            return Err(format!(
                "alias {alias} names service {id} of {}; remove that alias so the deal's service can take it",
                field("owner_id")
            ));
        }
        match component {
            Some(hash) if field("blueprint_id") != hash => {
                self.services.remove(&id, &self.peer)?;
                Ok(None)
            }
            _ => Ok(Some(id)),
        }
    }

    fn has_module(&self, hash: &str) -> bool {
        match self.services.list_modules() {
            Value::Array(modules) => modules
                .iter()
                .any(|m| m.get("hash").and_then(Value::as_str) == Some(hash)),
            _ => false,
        }
    }
}

/// The node's name for a component: the hash's 64 lowercase hex digits.
fn module_hash(component: B256) -> String {
    let text = component.to_string();
    text.strip_prefix("0x")
        .unwrap_or(&text)
        .to_ascii_lowercase()
}
