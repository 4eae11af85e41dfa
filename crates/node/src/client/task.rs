//! The client task: owns the particles, reads the inbox and the commands, runs deliveries.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use serde_json::Value;
use tokio::sync::{Semaphore, mpsc, oneshot};
use weft_air::{Data, Script};
use weft_core::{Particle, PeerId};
use weft_net::{Inbound, Inbox, Network};

use super::{
    ClientConfig, ClientError,
    local::Services,
    particle::{Env, Tracked, Waiter},
    send::{Sender, now_ms},
};

/// How often expired particles are forgotten.
const SWEEP: Duration = Duration::from_millis(250);

pub(crate) enum Command {
    Submit(Box<Submit>),
    Shutdown(oneshot::Sender<()>),
}

/// A flow to start.
pub(crate) struct Submit {
    pub(crate) source: String,
    pub(crate) script: Arc<Script>,
    pub(crate) args: BTreeMap<String, Value>,
    pub(crate) response: Option<Waiter>,
    /// Answered with the particle id once it is started, or why it was not.
    pub(crate) accepted: oneshot::Sender<Result<String, ClientError>>,
}

pub(crate) struct Setup {
    pub(crate) config: ClientConfig,
    pub(crate) relay: PeerId,
    pub(crate) network: Network,
    pub(crate) inbox: Inbox,
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) services: Services,
}

struct Task {
    config: ClientConfig,
    me: PeerId,
    relay: PeerId,
    network: Network,
    services: Services,
    sender: Sender,
    particles: HashMap<String, Tracked>,
    /// Own particles whose caller has its answer, oldest first. They stay tracked for late
    /// deliveries (a flow may go on after it answered) but do not count against
    /// `max_particles`; beyond that many, the oldest is forgotten.
    settled: VecDeque<String>,
    /// Set while a redial of the relay is in progress, so checks do not pile up.
    redialing: Arc<AtomicBool>,
}

pub(crate) fn spawn(setup: Setup) {
    let Setup {
        config,
        relay,
        network,
        mut inbox,
        mut commands,
        services,
    } = setup;
    let sender = Sender {
        network: network.clone(),
        relay,
        relay_addr: config.relay.clone(),
        permits: Arc::new(Semaphore::new(config.max_sends.max(1))),
    };
    let mut task = Task {
        me: config.keypair.peer_id(),
        config,
        relay,
        network,
        services,
        sender,
        particles: HashMap::new(),
        settled: VecDeque::new(),
        redialing: Arc::new(AtomicBool::new(false)),
    };
    tokio::spawn(async move {
        let mut sweep = tokio::time::interval(SWEEP);
        let mut relay_check = tokio::time::interval(task.config.reconnect_interval);
        let done = loop {
            tokio::select! {
                biased;
                command = commands.recv() => match command {
                    Some(Command::Submit(submit)) => task.submit(*submit),
                    Some(Command::Shutdown(done)) => break Some(done),
                    None => break None,
                },
                Some(inbound) = inbox.recv() => task.inbound(inbound),
                _ = sweep.tick() => task.sweep(),
                _ = relay_check.tick() => task.check_relay(),
            }
        };
        for tracked in task.particles.values_mut() {
            tracked.fail(ClientError::Closed);
        }
        let _ = task.network.shutdown().await;
        if let Some(done) = done {
            let _ = done.send(());
        }
    });
}

impl Task {
    fn env(&self) -> Env<'_> {
        Env {
            keypair: &self.config.keypair,
            me: self.me,
            relay: self.relay,
            services: &self.services,
            limits: &self.config.limits,
        }
    }

    fn submit(&mut self, submit: Submit) {
        let Submit {
            source,
            script,
            args,
            response,
            accepted,
        } = submit;
        if self.active() >= self.config.max_particles {
            let _ = accepted.send(Err(ClientError::Busy(self.active())));
            return;
        }
        let id = format!("{:032x}", rand::random::<u128>());
        let envelope = Particle::new(
            &self.config.keypair,
            id.clone(),
            now_ms(),
            self.config.ttl_ms(),
            source,
        );
        self.particles
            .insert(id.clone(), Tracked::own(envelope, script, args, response));
        let _ = accepted.send(Ok(id.clone()));
        self.run(&id, Data::default());
    }

    fn inbound(&mut self, Inbound { from, particle }: Inbound) {
        let span = tracing::debug_span!("particle", id = %particle.id, %from);
        let _entered = span.enter();
        if particle.is_expired(now_ms()) {
            tracing::debug!("dropped an expired particle");
            return;
        }
        match self.particles.get(&particle.id) {
            Some(tracked) if !tracked.is_same(&particle) => {
                tracing::warn!("dropped a particle reusing another particle's id");
                return;
            }
            Some(_) => {}
            None => {
                if !self.admit(&particle) {
                    return;
                }
            }
        }
        // No bytes at all: a particle fresh from an init peer that produced nothing yet.
        let decoded = if particle.data.is_empty() {
            Ok(Data::default())
        } else {
            Data::from_bytes(&particle.data, &self.config.limits)
        };
        let incoming = match decoded {
            Ok(data) => data,
            Err(error) => {
                tracing::warn!(%error, "dropped particle data that does not decode");
                return;
            }
        };
        self.run(&particle.id, incoming);
    }

    /// Starts tracking a particle another peer started; false when it is refused.
    fn admit(&mut self, particle: &Particle) -> bool {
        if particle.init_peer == self.me {
            // One of ours that was forgotten (expired or from a previous session).
            tracing::debug!("dropped a particle of ours that is no longer tracked");
            return false;
        }
        if self.active() >= self.config.max_particles {
            tracing::warn!("dropped a particle: too many particles in flight");
            return false;
        }
        if let Err(error) = particle.verify() {
            tracing::warn!(%error, "dropped a particle");
            return false;
        }
        let script = match weft_air::parse_with_limits(&particle.script, &self.config.limits) {
            Ok(script) => script,
            Err(error) => {
                tracing::warn!(%error, "dropped a particle whose script does not parse");
                return false;
            }
        };
        let envelope = Particle {
            data: Vec::new(),
            ..particle.clone()
        };
        self.particles
            .insert(particle.id.clone(), Tracked::foreign(envelope, script));
        true
    }

    /// Particles in progress: every tracked one but the settled.
    fn active(&self) -> usize {
        self.particles.len() - self.settled.len()
    }

    fn run(&mut self, id: &str, incoming: Data) {
        let mut particles = std::mem::take(&mut self.particles);
        let mut settled_now = false;
        if let Some(tracked) = particles.get_mut(id) {
            let was_settled = tracked.is_settled();
            let delivery = tracked.deliver(incoming, &self.env());
            if !delivery.next_peers.is_empty() {
                let particle = Arc::new(tracked.envelope.clone());
                for peer in delivery.next_peers {
                    self.sender.spawn(peer, Arc::clone(&particle));
                }
            }
            settled_now = !was_settled && tracked.is_settled();
        }
        self.particles = particles;
        if settled_now {
            self.settled.push_back(id.to_owned());
            if self.settled.len() > self.config.max_particles
                && let Some(oldest) = self.settled.pop_front()
            {
                self.particles.remove(&oldest);
            }
        }
    }

    /// Forgets expired particles; their waiters learn the flow timed out.
    fn sweep(&mut self) {
        let now = now_ms();
        self.particles.retain(|_, tracked| {
            if !tracked.envelope.is_expired(now) {
                return true;
            }
            let ttl = Duration::from_millis(u64::from(tracked.envelope.ttl));
            tracked.fail(ClientError::Timeout(ttl));
            false
        });
        let particles = &self.particles;
        self.settled.retain(|id| particles.contains_key(id));
    }

    /// Redials the relay when the connection is gone, so it can deliver particles here.
    fn check_relay(&self) {
        if self.redialing.swap(true, Ordering::AcqRel) {
            return;
        }
        let network = self.network.clone();
        let relay = self.relay;
        let addr = self.config.relay.clone();
        let redialing = Arc::clone(&self.redialing);
        tokio::spawn(async move {
            if let Ok(false) = network.is_connected(relay).await
                && let Err(error) = network.dial(addr).await
            {
                tracing::debug!(%relay, %error, "relay still unreachable");
            }
            redialing.store(false, Ordering::Release);
        });
    }
}
