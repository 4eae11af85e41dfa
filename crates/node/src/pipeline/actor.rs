//! One particle's actor: owns the particle's data on this peer from its first delivery to
//! its deadline, and runs the interpreter each time something new arrives (a delivery of the
//! particle or results of calls), one run at a time.

use std::collections::{BTreeMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::Instrument;
use weft_air::{CallId, CallRequest, CallResult, Data, PeerKeys, RunParams, Script};
use weft_core::{Particle, PeerId, PublicKey};

use super::{ActorKey, EndRequest, Shared, now_ms};
use crate::calls::{ParticleInfo, fail};
use crate::metrics::{Dropped, Metrics};

/// Scripts name peers by their libp2p-style ids, which hold the public key.
struct PeerIdKeys;

impl PeerKeys for PeerIdKeys {
    fn public_key(&self, peer: &str) -> Option<PublicKey> {
        peer.parse::<PeerId>().ok().map(|id| id.public_key())
    }
}

/// What wakes the actor.
enum Event {
    /// The data of a new delivery of the particle.
    Delivery(Vec<u8>),
    Results(BTreeMap<CallId, CallResult>),
}

struct Actor {
    shared: Arc<Shared>,
    script: Script,
    /// The particle as received, without data: the envelope of every forward.
    envelope: Particle,
    init_peer: String,
    info: Arc<ParticleInfo>,
    data: Data,
    /// Calls requested and not answered yet: a rerun must not start them twice.
    pending: HashSet<CallId>,
    calls: JoinSet<(CallId, CallResult)>,
}

/// How an actor asks the dispatcher to end before its deadline.
pub(super) struct Ending {
    pub key: ActorKey,
    pub requests: mpsc::Sender<EndRequest>,
}

/// Runs the actor of the particle whose first delivery is waiting in `inbox`.
pub(super) async fn run(
    shared: Arc<Shared>,
    mut inbox: mpsc::Receiver<Particle>,
    ending: Ending,
    mut shutdown: watch::Receiver<bool>,
) {
    let Some(first) = inbox.recv().await else {
        return;
    };
    let mut received: u64 = 1;
    let ttl_left = first.deadline().saturating_sub(now_ms());
    let deadline = Instant::now() + Duration::from_millis(ttl_left);
    let script = match weft_air::parse_with_limits(&first.script, &shared.air_limits) {
        Ok(script) => script,
        Err(e) => {
            shared.metrics.dropped(Dropped::BadScript);
            tracing::warn!(error = %e, "particle dropped: its script does not parse");
            return;
        }
    };
    let info = Arc::new(ParticleInfo {
        id: first.id.clone(),
        init_peer: first.init_peer,
        deadline,
    });
    // The particle without its data is the envelope of every forward.
    let mut envelope = first;
    let first_data = std::mem::take(&mut envelope.data);
    let mut actor = Actor {
        init_peer: envelope.init_peer.to_string(),
        envelope,
        shared,
        script,
        info,
        data: Data::default(),
        pending: HashSet::new(),
        calls: JoinSet::new(),
    };
    let mut event = Event::Delivery(first_data);
    loop {
        match event {
            Event::Delivery(data) => actor.deliver(&data),
            Event::Results(results) => actor.step(Data::default(), results),
        }
        if actor.holds_nothing() {
            // Best effort: when the dispatcher is too busy to take the request, the
            // actor ends at its deadline as it would without one.
            let _ = ending.requests.try_send(EndRequest {
                key: ending.key,
                received,
            });
        }
        event = tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            () = tokio::time::sleep_until(deadline) => break,
            Some(joined) = actor.calls.join_next(), if !actor.calls.is_empty() => {
                let mut results = BTreeMap::new();
                let mut next = Some(joined);
                // Batch the results that are ready: one run for all of them.
                while let Some(joined) = next {
                    if let Ok((id, result)) = joined {
                        results.insert(id, result);
                    }
                    next = actor.calls.try_join_next();
                }
                Event::Results(results)
            }
            delivery = inbox.recv() => match delivery {
                Some(particle) => {
                    received += 1;
                    Event::Delivery(particle.data)
                }
                // The dispatcher let this actor end (it holds nothing).
                None => break,
            },
        };
    }
    tracing::debug!("particle state forgotten");
}

impl Actor {
    /// Nothing recorded here and nothing running: ending now loses nothing.
    fn holds_nothing(&self) -> bool {
        self.data.is_empty() && self.pending.is_empty() && self.calls.is_empty()
    }

    fn deliver(&mut self, data: &[u8]) {
        // No bytes at all is a particle fresh from an init peer that produced nothing yet.
        let decoded = if data.is_empty() {
            Ok(Data::default())
        } else {
            Data::from_bytes(data, &self.shared.air_limits)
        };
        match decoded {
            Ok(incoming) => self.step(incoming, BTreeMap::new()),
            Err(e) => {
                self.shared.metrics.dropped(Dropped::BadData);
                tracing::warn!(error = %e, "particle dropped: its data does not decode");
            }
        }
    }

    /// One interpreter run, then its effects: forward, then start the calls it asks for.
    fn step(&mut self, incoming: Data, results: BTreeMap<CallId, CallResult>) {
        for id in results.keys() {
            self.pending.remove(id);
        }
        let shared = Arc::clone(&self.shared);
        let params = RunParams {
            current_peer: &shared.peer_text,
            keypair: &shared.keypair,
            init_peer: &self.init_peer,
            particle_id: &self.envelope.id,
            timestamp: self.envelope.timestamp,
            ttl: self.envelope.ttl,
            limits: &shared.air_limits,
        };
        let prev = std::mem::take(&mut self.data);
        let outcome = weft_air::run(&self.script, prev, incoming, results, &PeerIdKeys, &params);
        Metrics::bump(&shared.metrics.runs);
        self.data = outcome.data;
        if outcome.ret_code != 0 {
            Metrics::bump(&shared.metrics.run_errors);
            tracing::debug!(ret_code = outcome.ret_code, error = ?outcome.error, "run ended with an error");
        }
        if !outcome.next_peers.is_empty() {
            self.forward(&outcome.next_peers);
        }
        for request in outcome.call_requests {
            if self.pending.insert(request.id) {
                self.start_call(request);
            }
        }
    }

    fn forward(&self, next_peers: &[String]) {
        let particle = Arc::new(Particle {
            data: self.data.to_bytes(),
            ..self.envelope.clone()
        });
        for peer in next_peers {
            // The interpreter never names the current peer, so every next peer is remote.
            let to: PeerId = match peer.parse() {
                Ok(to) => to,
                Err(e) => {
                    tracing::warn!(peer, error = %e, "next peer is not a peer id; not sent");
                    continue;
                }
            };
            let shared = Arc::clone(&self.shared);
            let particle = Arc::clone(&particle);
            let send = async move {
                match shared.calls.transport.send(to, particle).await {
                    Ok(()) => Metrics::bump(&shared.metrics.forwarded),
                    Err(e) => {
                        Metrics::bump(&shared.metrics.send_failures);
                        tracing::warn!(%to, error = %e, "particle not delivered");
                    }
                }
            };
            // Deliveries are bounded by the transport's send timeout; they need not hold
            // the actor, which may run again meanwhile.
            tokio::spawn(send.in_current_span());
        }
    }

    fn start_call(&mut self, request: CallRequest) {
        let shared = Arc::clone(&self.shared);
        let info = Arc::clone(&self.info);
        let id = request.id;
        let call = async move {
            let result = AssertUnwindSafe(shared.calls.execute(&info, request))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| {
                    let (ret_code, message) = fail("the call panicked inside the node");
                    CallResult::Err {
                        ret_code,
                        message: message.into(),
                    }
                });
            (id, result)
        };
        self.calls.spawn(call.in_current_span());
    }
}
