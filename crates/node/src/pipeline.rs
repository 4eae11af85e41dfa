//! The particle pipeline, one straight path:
//!
//! 1. **receive**: particles arrive on one bounded channel (from the network, or handed in);
//! 2. **verify** ([`admission`]): alive, not from the future, TTL within bounds, signed by
//!    the init peer, not a replay; a dropped particle gets a log line and a metric;
//! 3. **the particle's own actor** ([`actor`]): one task per live particle, keyed by init
//!    peer, id and signature, holding the particle's data until its TTL ends. One particle's
//!    runs are sequential (the actor's loop); different particles run concurrently, at most
//!    `max_in_flight` of them; more are refused;
//! 4. inside the actor: **interpreter** run → **forward** to next peers → **call requests**
//!    executed concurrently (each under the call timeout) → their results start the next
//!    run, until nothing is pending; a delivery of the same particle with new data also
//!    starts a run;
//! 5. **forget**: at the particle's deadline the actor ends and its state is dropped. An
//!    actor that holds nothing (its deliveries did not decode, or its runs recorded
//!    nothing here) asks to end at once, so junk cannot hold `max_in_flight` slots; the
//!    dispatcher agrees only if every delivery it queued for the actor was received,
//!    so nothing queued behind the junk is lost.
//!
//! Task topology: one dispatcher task owns the admission state and the map of live actors
//! (each a bounded inbox); it spawns actors into a `JoinSet` and reaps them when they end.
//! Each actor owns its particle's data and a `JoinSet` of its running calls. Shutdown is a
//! `watch` flag every task selects on first.

mod actor;
pub(crate) mod admission;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tracing::Instrument;
use weft_core::{KeyPair, Particle, PeerId};

use crate::calls::CallHost;
use crate::metrics::{Dropped, Metrics};
use admission::{Admission, AdmissionConfig};

/// Deliveries of one particle queued for its actor; more are dropped (the sender retries
/// with merged data anyway when the flow needs it).
const ACTOR_QUEUE: usize = 16;

/// Requests to end early waiting for the dispatcher; more are dropped (that actor then
/// ends at its deadline, as without the request).
const END_REQUESTS: usize = 1024;

/// An actor that holds nothing asks to end: its key and how many deliveries it received.
#[derive(Debug)]
pub(crate) struct EndRequest {
    pub key: ActorKey,
    pub received: u64,
}

/// A live actor as the dispatcher sees it.
struct Live {
    sender: mpsc::Sender<Particle>,
    /// Deliveries queued for it so far.
    sent: u64,
}

/// A particle and the peer it came from.
#[derive(Debug)]
pub(crate) struct Inbound {
    pub from: PeerId,
    pub particle: Particle,
}

/// What every actor shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub keypair: KeyPair,
    /// This peer's id as scripts write it.
    pub peer_text: String,
    pub calls: CallHost,
    pub air_limits: weft_air::Limits,
    pub metrics: Arc<Metrics>,
}

#[derive(Debug, Clone)]
pub(crate) struct PipelineConfig {
    pub admission: AdmissionConfig,
    pub max_in_flight: usize,
}

/// Identifies a particle's actor: init peer, id and signature, hashed. Two particles with
/// one id but different scripts (only their init peer can sign both) get separate state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ActorKey([u8; 32]);

impl ActorKey {
    fn of(particle: &Particle) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&particle.init_peer.to_bytes());
        hasher.update(&particle.signature.to_bytes());
        hasher.update(particle.id.as_bytes());
        Self(*hasher.finalize().as_bytes())
    }
}

/// Starts the dispatcher; it runs until `shutdown` flips or `input` closes.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    config: PipelineConfig,
    input: mpsc::Receiver<Inbound>,
    shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let (end_requests, end_inbox) = mpsc::channel(END_REQUESTS);
    let dispatcher = Dispatcher {
        admission: Admission::new(config.admission.clone()),
        config,
        shared,
        live: HashMap::new(),
        actors: JoinSet::new(),
        end_requests,
        shutdown,
    };
    tokio::spawn(dispatcher.run(input, end_inbox))
}

struct Dispatcher {
    config: PipelineConfig,
    shared: Arc<Shared>,
    admission: Admission,
    live: HashMap<ActorKey, Live>,
    actors: JoinSet<ActorKey>,
    end_requests: mpsc::Sender<EndRequest>,
    shutdown: watch::Receiver<bool>,
}

impl Dispatcher {
    async fn run(
        mut self,
        mut input: mpsc::Receiver<Inbound>,
        mut end_inbox: mpsc::Receiver<EndRequest>,
    ) {
        loop {
            tokio::select! {
                biased;
                _ = self.shutdown.changed() => break,
                Some(ended) = self.actors.join_next(), if !self.actors.is_empty() => {
                    if let Ok(key) = ended {
                        self.reap(key);
                    }
                }
                Some(request) = end_inbox.recv() => self.end_early(request),
                inbound = input.recv() => match inbound {
                    Some(inbound) => self.receive(inbound),
                    None => break,
                },
            }
        }
        self.actors.shutdown().await;
        self.shared.metrics.in_flight.store(0, Ordering::Relaxed);
    }

    fn receive(&mut self, Inbound { from, particle }: Inbound) {
        let metrics = &self.shared.metrics;
        Metrics::bump(&metrics.received);
        let span = tracing::info_span!("particle", id = %particle.id);
        if let Err(why) = self.admission.check(&particle, now_ms()) {
            metrics.dropped(why);
            tracing::warn!(parent: &span, %from, init_peer = %particle.init_peer, reason = why.label(), "particle dropped");
            return;
        }
        let key = ActorKey::of(&particle);
        let particle = match self.live.get_mut(&key) {
            Some(actor) => match actor.sender.try_send(particle) {
                Ok(()) => {
                    actor.sent += 1;
                    return;
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    metrics.dropped(Dropped::ActorBusy);
                    tracing::warn!(parent: &span, %from, reason = Dropped::ActorBusy.label(), "particle dropped");
                    return;
                }
                // The actor is ending: this delivery starts a fresh one.
                Err(mpsc::error::TrySendError::Closed(particle)) => particle,
            },
            None => particle,
        };
        if self.live.len() >= self.config.max_in_flight && !self.live.contains_key(&key) {
            metrics.dropped(Dropped::Overloaded);
            tracing::warn!(parent: &span, %from, reason = Dropped::Overloaded.label(), "particle dropped");
            return;
        }
        let (sender, inbox) = mpsc::channel(ACTOR_QUEUE);
        // A fresh channel has room for one.
        let _ = sender.try_send(particle);
        self.live.insert(key, Live { sender, sent: 1 });
        metrics
            .in_flight
            .store(self.live.len() as u64, Ordering::Relaxed);
        let ending = actor::Ending {
            key,
            requests: self.end_requests.clone(),
        };
        let actor = actor::run(
            Arc::clone(&self.shared),
            inbox,
            ending,
            self.shutdown.clone(),
        );
        self.actors.spawn(
            async move {
                actor.await;
                key
            }
            .instrument(span),
        );
    }

    fn reap(&mut self, key: ActorKey) {
        // A newer actor may hold the key already (started when this one was ending).
        if self
            .live
            .get(&key)
            .is_some_and(|live| live.sender.is_closed())
        {
            self.live.remove(&key);
        }
        self.count_in_flight();
    }

    /// Lets an actor that holds nothing end now, if it received every delivery queued
    /// for it: dropping its sender ends its inbox, and a later delivery of the particle
    /// starts a fresh actor. Otherwise the actor goes on with what is queued.
    fn end_early(&mut self, EndRequest { key, received }: EndRequest) {
        if self
            .live
            .get(&key)
            .is_some_and(|live| live.sent == received)
        {
            self.live.remove(&key);
            self.count_in_flight();
        }
    }

    fn count_in_flight(&self) {
        self.shared
            .metrics
            .in_flight
            .store(self.live.len() as u64, Ordering::Relaxed);
    }
}

pub(crate) fn now_ms() -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(now.as_millis()).unwrap_or(u64::MAX)
}
