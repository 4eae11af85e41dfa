//! One particle as the client knows it, and one delivery: merge what arrived, run the
//! interpreter, answer the calls addressed to this peer, run again until nothing is pending.

use std::{
    collections::{BTreeMap, BTreeSet, HashSet},
    sync::Arc,
};

use serde_json::Value;
use tokio::sync::oneshot;
use weft_air::{CallResult, Data, Outcome, PeerKeys, RunParams, Script};
use weft_core::{KeyPair, Particle, PeerId, PublicKey};

use super::{
    ClientError,
    local::{CallScope, Event, Services},
};

/// Catchable errors are 10000..20000; 20000 and above are hard errors (refused data).
const HARD_ERRORS: i64 = 20_000;

/// Resolves the peer ids scripts name to their keys: an ed25519 peer id holds its key.
struct IdKeys;

impl PeerKeys for IdKeys {
    fn public_key(&self, peer: &str) -> Option<PublicKey> {
        peer.parse::<PeerId>().ok().map(|id| id.public_key())
    }
}

pub(crate) type Waiter = oneshot::Sender<Result<Vec<Value>, ClientError>>;

/// A particle the client started or received.
pub(crate) struct Tracked {
    /// The envelope, with the data as this client last sent or received it.
    pub(crate) envelope: Particle,
    script: Arc<Script>,
    data: Data,
    /// The flow's arguments, for particles started here.
    args: Option<BTreeMap<String, Value>>,
    waiter: Option<Waiter>,
}

/// The result of one delivery.
#[derive(Debug, Default)]
pub(crate) struct Delivery {
    /// Peers to send the particle to now.
    pub(crate) next_peers: Vec<PeerId>,
}

/// What a run needs from the client.
pub(crate) struct Env<'a> {
    pub(crate) keypair: &'a KeyPair,
    pub(crate) me: PeerId,
    pub(crate) relay: PeerId,
    pub(crate) services: &'a Services,
    pub(crate) limits: &'a weft_air::Limits,
}

impl Tracked {
    /// A particle started here.
    pub(crate) fn own(
        envelope: Particle,
        script: Arc<Script>,
        args: BTreeMap<String, Value>,
        waiter: Option<Waiter>,
    ) -> Self {
        Self {
            envelope,
            script,
            data: Data::default(),
            args: Some(args),
            waiter,
        }
    }

    /// A particle another peer started, which reached this client.
    pub(crate) fn foreign(envelope: Particle, script: Script) -> Self {
        Self {
            envelope,
            script: Arc::new(script),
            data: Data::default(),
            args: None,
            waiter: None,
        }
    }

    /// True when `other` is the same particle (same init peer and signature, so the same
    /// id, timestamp, ttl and script).
    pub(crate) fn is_same(&self, other: &Particle) -> bool {
        self.envelope.init_peer == other.init_peer && self.envelope.signature == other.signature
    }

    /// An own particle whose caller has its answer (or gave up waiting).
    pub(crate) fn is_settled(&self) -> bool {
        self.args.is_some() && self.waiter.as_ref().is_none_or(|w| w.is_closed())
    }

    /// Ends the wait for a response with `error` (the particle expired, the client stops).
    pub(crate) fn fail(&mut self, error: ClientError) {
        if let Some(waiter) = self.waiter.take() {
            let _ = waiter.send(Err(error));
        }
    }

    /// Merges `incoming`, runs until no call on this peer is pending, and updates the
    /// envelope's data when there is somewhere to send it.
    pub(crate) fn deliver(&mut self, incoming: Data, env: &Env<'_>) -> Delivery {
        let me = env.me.to_string();
        let init_peer = self.envelope.init_peer.to_string();
        let params = RunParams {
            current_peer: &me,
            keypair: env.keypair,
            init_peer: &init_peer,
            particle_id: &self.envelope.id,
            timestamp: self.envelope.timestamp,
            ttl: self.envelope.ttl,
            limits: env.limits,
        };
        let scope = CallScope {
            services: env.services,
            particle_id: &self.envelope.id,
            init_peer: self.envelope.init_peer,
            relay: env.relay,
            args: self.args.as_ref(),
        };
        let prev = std::mem::take(&mut self.data);
        let mut outcome = weft_air::run(
            &self.script,
            prev,
            incoming,
            BTreeMap::new(),
            &IdKeys,
            &params,
        );
        let mut next_peers = BTreeSet::new();
        let mut answered = HashSet::new();
        let mut events = Vec::new();
        let outcome = loop {
            next_peers.extend(std::mem::take(&mut outcome.next_peers));
            // The interpreter re-emits a request until it sees the answer; answering each
            // once also guarantees the loop ends.
            let results: BTreeMap<_, CallResult> = std::mem::take(&mut outcome.call_requests)
                .into_iter()
                .filter(|request| answered.insert(request.id))
                .map(|request| (request.id, scope.answer(request, &mut events)))
                .collect();
            if results.is_empty() {
                break outcome;
            }
            outcome = weft_air::run(
                &self.script,
                outcome.data,
                Data::default(),
                results,
                &IdKeys,
                &params,
            );
        };
        let Outcome {
            data,
            ret_code,
            error,
            ..
        } = outcome;
        self.data = data;
        if ret_code >= HARD_ERRORS {
            tracing::warn!(particle = %self.envelope.id, ret_code, ?error, "refused particle data");
        } else if ret_code != 0 {
            events.push(Event::Error(ClientError::Flow {
                code: ret_code,
                message: error.unwrap_or_default(),
                peer: me.clone(),
                instruction: String::new(),
            }));
        }
        self.notify(events);
        let next_peers: Vec<PeerId> = next_peers
            .into_iter()
            .filter_map(|peer| match peer.parse() {
                Ok(id) => Some(id),
                Err(_) => {
                    tracing::warn!(particle = %self.envelope.id, %peer, "next peer is not a peer id");
                    None
                }
            })
            .collect();
        if !next_peers.is_empty() {
            self.envelope.data = self.data.to_bytes();
        }
        Delivery { next_peers }
    }

    /// Hands the first response or error to the waiter.
    fn notify(&mut self, events: Vec<Event>) {
        let Some(event) = events.into_iter().next() else {
            return;
        };
        if let Some(waiter) = self.waiter.take() {
            let _ = waiter.send(match event {
                Event::Response(values) => Ok(values),
                Event::Error(error) => Err(error),
            });
        }
    }
}
