//! The task that owns the Swarm: commands in, Swarm events, periodic cleanup.

mod commands;
mod content;
mod delivery;
mod inbound;

use std::{collections::HashMap, sync::Arc, time::Duration};

use futures::StreamExt;
use libp2p::{
    Multiaddr, Swarm,
    core::ConnectedPoint,
    identify, kad,
    multiaddr::Protocol,
    swarm::{ConnectionId, SwarmEvent},
};
use tokio::sync::{mpsc, oneshot, watch};
use weft_core::PeerId;

use crate::{
    Inbound, NetConfig, NetError,
    address_book::AddressBook,
    behaviour::{self, Behaviour, BehaviourEvent, KAD_PROTOCOL},
    identity,
    stats::Stats,
};

/// How often abandoned requests (their caller timed out) are dropped.
const SWEEP_PERIOD: Duration = Duration::from_secs(1);
/// How long `spawn` waits for the listeners to bind.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);
/// Listen addresses taken from one identify message: a peer cannot fill our tables.
const MAX_IDENTIFY_ADDRS: usize = 8;

pub(crate) type Reply<T> = oneshot::Sender<T>;
type NeighborhoodReply = Reply<Result<Vec<PeerId>, NetError>>;
type DialReply = Reply<Result<PeerId, NetError>>;

pub(crate) use commands::Command;

pub(crate) struct SwarmTask {
    swarm: Swarm<Behaviour>,
    local: PeerId,
    commands: mpsc::Receiver<Command>,
    stop: watch::Receiver<bool>,
    inbox: mpsc::Sender<Inbound>,
    stats: Arc<Stats>,
    book: AddressBook,
    deliveries: delivery::Deliveries,
    /// `Network::dial` calls waiting for their connection and then for the
    /// remote's identify on it, after which the remote is in the routing table: a
    /// dial that returned is ready for lookups through it.
    dials: HashMap<ConnectionId, DialReply>,
    /// `Network::block` calls waiting for the last connection with the peer to close.
    blocking: HashMap<libp2p::PeerId, Vec<Reply<()>>>,
    neighborhoods: HashMap<kad::QueryId, (usize, NeighborhoodReply)>,
    content: content::Content,
    answers: mpsc::Receiver<content::Answer>,
}

/// What woke the task; lives for one loop turn on the stack, so its size is moot.
#[allow(clippy::large_enum_variant)]
enum Step {
    Command(Option<Command>),
    Event(SwarmEvent<BehaviourEvent>),
    Answer(content::Answer),
    Sweep,
}

impl SwarmTask {
    /// Builds the Swarm, binds the listeners and dials the bootstrap peers.
    pub(crate) async fn start(
        config: &NetConfig,
        commands: mpsc::Receiver<Command>,
        stop: watch::Receiver<bool>,
        inbox: mpsc::Sender<Inbound>,
        stats: Arc<Stats>,
    ) -> Result<Self, NetError> {
        let mut swarm = behaviour::build_swarm(config, stats.clone())?;
        bind_listeners(&mut swarm, &config.listen).await?;
        let (content, answers) = content::Content::new();
        let mut task = Self {
            swarm,
            local: config.keypair.peer_id(),
            commands,
            stop,
            inbox,
            stats,
            book: AddressBook::default(),
            deliveries: delivery::Deliveries::default(),
            dials: HashMap::new(),
            blocking: HashMap::new(),
            neighborhoods: HashMap::new(),
            content,
            answers,
        };
        task.bootstrap(&config.bootstrap);
        Ok(task)
    }

    fn bootstrap(&mut self, addrs: &[Multiaddr]) {
        for addr in addrs {
            match addr.iter().last() {
                Some(Protocol::P2p(peer)) => {
                    self.book.add(peer, addr.clone());
                    self.swarm
                        .behaviour_mut()
                        .kad
                        .add_address(&peer, addr.clone());
                }
                _ => {
                    tracing::warn!(%addr, "bootstrap address has no /p2p/<peer id>; dialing it anyway")
                }
            }
            if let Err(error) = self.swarm.dial(addr.clone()) {
                tracing::warn!(%addr, "cannot dial bootstrap peer: {error}");
            }
        }
        // Fills the routing table from the bootstrap peers' tables. With no known
        // peer there is nothing to ask, which is fine for the first node.
        let _ = self.swarm.behaviour_mut().kad.bootstrap();
    }

    pub(crate) async fn run(mut self) {
        let mut sweep = tokio::time::interval(SWEEP_PERIOD);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // Stopping comes first; commands and Swarm events are then served fairly,
            // so neither a flood of commands nor of events starves the other.
            let step = tokio::select! {
                biased;
                _ = self.stop.wait_for(|stop| *stop) => break,
                step = next_step(&mut self.commands, &mut self.answers, &mut self.swarm, &mut sweep) => step,
            };
            match step {
                Step::Command(Some(command)) => self.on_command(command),
                // Every handle is gone: nobody can use the network any more.
                Step::Command(None) => break,
                Step::Event(event) => self.on_swarm_event(event),
                Step::Answer(answer) => self.on_answer(answer),
                Step::Sweep => self.sweep(),
            }
        }
        tracing::debug!(peer = %self.local, "network task stopped");
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::Behaviour(event) => self.on_behaviour_event(event),
            SwarmEvent::ConnectionEstablished {
                peer_id, endpoint, ..
            } => {
                Stats::bump(&self.stats.connections);
                if let ConnectedPoint::Dialer { address, .. } = &endpoint {
                    self.book.add(peer_id, address.clone());
                }
                self.on_connected(peer_id);
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                connection_id,
                num_established,
                cause,
                ..
            } => {
                self.stats
                    .connections
                    .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                if let Some(reply) = self.dials.remove(&connection_id) {
                    let reason = cause.map_or_else(|| "closed".to_owned(), |e| e.to_string());
                    let _ = reply.send(Err(NetError::Dial {
                        target: peer_id.to_string(),
                        reason: format!("the connection closed before identify: {reason}"),
                    }));
                }
                if num_established == 0 {
                    for reply in self.blocking.remove(&peer_id).unwrap_or_default() {
                        let _ = reply.send(());
                    }
                }
            }
            SwarmEvent::OutgoingConnectionError {
                connection_id,
                peer_id,
                error,
            } => {
                if let Some(reply) = self.dials.remove(&connection_id) {
                    let target = peer_id.map_or_else(|| "an address".to_owned(), |p| p.to_string());
                    let _ = reply.send(Err(NetError::Dial {
                        target,
                        reason: error.to_string(),
                    }));
                }
                if let Some(peer) = peer_id {
                    self.on_dial_failed(peer, &error.to_string());
                }
            }
            SwarmEvent::IncomingConnectionError {
                error,
                send_back_addr,
                ..
            } => {
                tracing::debug!(%send_back_addr, "incoming connection failed: {error}");
            }
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(peer = %self.local, %address, "listening");
            }
            _ => {}
        }
    }

    fn on_behaviour_event(&mut self, event: BehaviourEvent) {
        match event {
            BehaviourEvent::Particles(event) => self.on_particle_event(event),
            BehaviourEvent::Content(event) => self.on_content_event(event),
            BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed {
                id,
                result: kad::QueryResult::GetProviders(result),
                step,
                ..
            }) => self.on_providers(id, result, step.last),
            BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed {
                id,
                result: kad::QueryResult::StartProviding(result),
                ..
            }) => self.on_provided(id, result),
            BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed {
                id,
                result: kad::QueryResult::GetClosestPeers(result),
                ..
            }) => {
                let peers = match result {
                    Ok(ok) => ok.peers,
                    Err(kad::GetClosestPeersError::Timeout { peers, .. }) => peers,
                };
                if let Some((count, reply)) = self.neighborhoods.remove(&id) {
                    let ids = peers
                        .iter()
                        .filter_map(|p| identity::to_weft(&p.peer_id).ok());
                    let _ = reply.send(Ok(ids.take(count).collect()));
                } else {
                    self.on_lookup_done(id, peers);
                }
            }
            BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                connection_id,
            }) => {
                let is_dht_server = info.protocols.contains(&KAD_PROTOCOL);
                for addr in info.listen_addrs.into_iter().take(MAX_IDENTIFY_ADDRS) {
                    self.book.add(peer_id, addr.clone());
                    if is_dht_server {
                        self.swarm.behaviour_mut().kad.add_address(&peer_id, addr);
                    }
                }
                self.identified(connection_id, &peer_id);
            }
            // A peer that does not speak identify is still connected.
            BehaviourEvent::Identify(identify::Event::Error {
                connection_id,
                peer_id,
                ..
            }) => self.identified(connection_id, &peer_id),
            BehaviourEvent::Links(never)
            | BehaviourEvent::Blocked(never)
            | BehaviourEvent::Limits(never) => match never {},
            BehaviourEvent::Kad(_) | BehaviourEvent::Identify(_) | BehaviourEvent::Ping(_) => {}
        }
    }

    fn identified(&mut self, connection: ConnectionId, peer: &libp2p::PeerId) {
        if let Some(reply) = self.dials.remove(&connection) {
            let _ = reply.send(identity::to_weft(peer));
        }
    }

    /// Forgets requests whose callers gave up (their send timeout passed).
    fn sweep(&mut self) {
        self.dials.retain(|_, reply| !reply.is_closed());
        for replies in self.blocking.values_mut() {
            replies.retain(|reply| !reply.is_closed());
        }
        self.blocking.retain(|_, replies| !replies.is_empty());
        self.neighborhoods
            .retain(|_, (_, reply)| !reply.is_closed());
        self.deliveries.sweep();
        self.content.sweep();
    }
}

async fn next_step(
    commands: &mut mpsc::Receiver<Command>,
    answers: &mut mpsc::Receiver<content::Answer>,
    swarm: &mut Swarm<Behaviour>,
    sweep: &mut tokio::time::Interval,
) -> Step {
    tokio::select! {
        command = commands.recv() => Step::Command(command),
        event = swarm.select_next_some() => Step::Event(event),
        Some(answer) = answers.recv() => Step::Answer(answer),
        _ = sweep.tick() => Step::Sweep,
    }
}

/// Listens on every address and waits until each listener has bound, so the
/// caller can read the actual ports.
async fn bind_listeners(swarm: &mut Swarm<Behaviour>, addrs: &[Multiaddr]) -> Result<(), NetError> {
    let mut pending = HashMap::new();
    for addr in addrs {
        let id = swarm
            .listen_on(addr.clone())
            .map_err(|error| NetError::Listen {
                addr: addr.clone(),
                reason: error.to_string(),
            })?;
        pending.insert(id, addr.clone());
    }
    let bound = async {
        while !pending.is_empty() {
            match swarm.select_next_some().await {
                SwarmEvent::NewListenAddr {
                    listener_id,
                    address,
                } => {
                    tracing::info!(%address, "listening");
                    pending.remove(&listener_id);
                }
                SwarmEvent::ListenerClosed {
                    listener_id,
                    reason,
                    ..
                } => {
                    if let Some(addr) = pending.remove(&listener_id) {
                        let reason = match reason {
                            Ok(()) => "the listener closed".to_owned(),
                            Err(error) => error.to_string(),
                        };
                        return Err(NetError::Listen { addr, reason });
                    }
                }
                SwarmEvent::ListenerError { listener_id, error } => {
                    if let Some(addr) = pending.remove(&listener_id) {
                        return Err(NetError::Listen {
                            addr,
                            reason: error.to_string(),
                        });
                    }
                }
                _ => {}
            }
        }
        Ok(())
    };
    match tokio::time::timeout(LISTEN_TIMEOUT, bound).await {
        Ok(result) => result,
        Err(_) => Err(NetError::Transport(format!(
            "listeners did not bind within {LISTEN_TIMEOUT:?}"
        ))),
    }
}
