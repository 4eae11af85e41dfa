//! The composed libp2p behaviour and the Swarm built around it.

use std::sync::Arc;

use libp2p::{
    StreamProtocol, Swarm, SwarmBuilder, allow_block_list,
    connection_limits::{self, ConnectionLimits},
    core::{Transport, transport::MemoryTransport, upgrade::Version},
    identify, kad, noise, ping,
    request_response::{self, ProtocolSupport},
    swarm::NetworkBehaviour,
    tcp, yamux,
};

use crate::{
    NetConfig, NetError, Role,
    codec::{self, ParticleCodec},
    content::{self, ContentCodec},
    identity,
    links::Links,
    stats::Stats,
};

pub(crate) const KAD_PROTOCOL: StreamProtocol = StreamProtocol::new("/weft/kad/1.0.0");
const IDENTIFY_PROTOCOL: &str = "/weft/id/1.0.0";
/// Particle streams one connection may carry at once; more wait in libp2p's queue.
const MAX_PARTICLE_STREAMS_PER_CONNECTION: usize = 256;
/// Connections being set up at once, each way: enough for bursts, bounded against floods.
const MAX_PENDING_CONNECTIONS: u32 = 128;

#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    // Checks that deny connections come first, before any other behaviour sees them.
    pub(crate) links: Links,
    pub(crate) blocked: allow_block_list::Behaviour<allow_block_list::BlockedPeers>,
    pub(crate) limits: connection_limits::Behaviour,
    pub(crate) identify: identify::Behaviour,
    pub(crate) ping: ping::Behaviour,
    pub(crate) kad: kad::Behaviour<kad::store::MemoryStore>,
    pub(crate) particles: request_response::Behaviour<ParticleCodec>,
    pub(crate) content: request_response::Behaviour<ContentCodec>,
}

impl Behaviour {
    fn new(key: &libp2p::identity::Keypair, config: &NetConfig, stats: Arc<Stats>) -> Self {
        let local = key.public().to_peer_id();
        let limits = ConnectionLimits::default()
            .with_max_established(Some(config.max_connections.max(1)))
            .with_max_established_per_peer(Some(config.max_connections_per_peer.max(1)))
            .with_max_pending_incoming(Some(MAX_PENDING_CONNECTIONS))
            .with_max_pending_outgoing(Some(MAX_PENDING_CONNECTIONS));

        let mut kad_config = kad::Config::new(KAD_PROTOCOL);
        kad_config.set_query_timeout(config.send_timeout);
        let mut kad =
            kad::Behaviour::with_config(local, kad::store::MemoryStore::new(local), kad_config);
        // Set explicitly: left alone, Kademlia waits for a confirmed external address
        // before serving, which peers on loopback or behind NAT never get.
        kad.set_mode(Some(match config.role {
            Role::Node => kad::Mode::Server,
            Role::Client => kad::Mode::Client,
        }));

        let particles = request_response::Behaviour::with_codec(
            ParticleCodec::new(config.particle_limits.clone(), stats),
            [(codec::PROTOCOL, ProtocolSupport::Full)],
            request_response::Config::default()
                .with_request_timeout(config.send_timeout)
                .with_max_concurrent_streams(MAX_PARTICLE_STREAMS_PER_CONNECTION),
        );

        let content = request_response::Behaviour::with_codec(
            ContentCodec,
            [(content::PROTOCOL, ProtocolSupport::Full)],
            request_response::Config::default().with_request_timeout(config.send_timeout),
        );

        Self {
            links: Links::new(config.role),
            blocked: allow_block_list::Behaviour::default(),
            limits: connection_limits::Behaviour::new(limits),
            identify: identify::Behaviour::new(
                identify::Config::new(IDENTIFY_PROTOCOL.to_owned(), key.public())
                    .with_agent_version(format!("weft/{}", env!("CARGO_PKG_VERSION"))),
            ),
            ping: ping::Behaviour::default(),
            kad,
            particles,
            content,
        }
    }
}

/// TCP (Noise, Yamux), QUIC and the in-process memory transport, all in one Swarm.
pub(crate) fn build_swarm(
    config: &NetConfig,
    stats: Arc<Stats>,
) -> Result<Swarm<Behaviour>, NetError> {
    let key = identity::to_libp2p_keypair(&config.keypair)?;
    let transport_error = |error: &dyn std::fmt::Display| NetError::Transport(error.to_string());
    let swarm = SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| transport_error(&e))?
        .with_quic()
        .with_other_transport(|key| {
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
                MemoryTransport::default()
                    .upgrade(Version::V1Lazy)
                    .authenticate(noise::Config::new(key)?)
                    .multiplex(yamux::Config::default()),
            )
        })
        .map_err(|e| transport_error(&e))?
        .with_behaviour(|key| Behaviour::new(key, config, stats))
        .map_err(|e| transport_error(&e))?
        .with_swarm_config(|swarm| {
            swarm
                .with_idle_connection_timeout(config.idle_timeout)
                // A stream carries one protocol, known in advance: send the first
                // frame with the protocol proposal instead of a round trip later.
                .with_substream_upgrade_protocol_override(Version::V1Lazy)
        })
        .build();
    Ok(swarm)
}
