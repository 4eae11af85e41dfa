//! The node's one TOML configuration file (`crates/node/node.example.toml` shows every field).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use weft_core::{ParticleLimits, PeerId};

use crate::NodeError;
use crate::provider::{ProviderModeConfig, ProviderSettings};

/// Everything a node is told at start. Every field has a default, so a file names only what
/// it changes; unknown fields are errors (a typo must not silently keep a default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeConfig {
    /// Multiaddrs to listen on, like `/ip4/0.0.0.0/tcp/7777` or `/ip4/0.0.0.0/udp/7777/quic-v1`.
    pub listen: Vec<String>,
    /// Peers to join the network through, each ending in `/p2p/<peer id>`.
    pub bootstrap: Vec<String>,
    /// Identity key, components, service registry and service state live here.
    pub data_dir: PathBuf,
    /// A peer id that may remove and re-alias every service, besides each service's owner.
    pub management_key: Option<String>,
    /// Where `/metrics` (Prometheus text) and `/health` are served; none when absent.
    pub http: Option<SocketAddr>,
    pub limits: LimitsConfig,
    pub host: HostLimitsConfig,
    /// Provider mode: sell compute on a market contract (none: the node only serves).
    pub provider: Option<ProviderModeConfig>,
}

/// Bounds on what peers can make the node hold or do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    pub max_particle_id_bytes: usize,
    pub max_script_bytes: usize,
    pub max_data_bytes: usize,
    /// Particles whose state the node holds at once (each until its TTL ends); more are
    /// refused until some expire.
    pub max_in_flight: usize,
    /// Longest TTL accepted; a particle asking for more is refused (it would pin state and a
    /// replay-cache entry for that long).
    pub max_ttl_ms: u32,
    /// How far in the future a particle's timestamp may be (clock skew between peers).
    pub max_clock_skew_ms: u64,
    /// Per service call, builtins and hosted services alike (`peer.timeout` excepted).
    pub call_timeout_ms: u64,
    /// Particles remembered to refuse replays; when full of live entries new particles
    /// are refused.
    pub max_replay_entries: usize,
    pub max_connections: u32,
    pub max_connections_per_peer: u32,
    /// Particles queued between the network and the pipeline.
    pub inbound_queue: usize,
    /// One delivery to a peer: dial, send and acknowledgement.
    pub send_timeout_ms: u64,
    pub max_services: usize,
    pub max_modules: usize,
}

/// Limits of every hosted service instance, mapped onto `weft_host`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostLimitsConfig {
    pub max_component_bytes: usize,
    pub max_memory_bytes: usize,
    /// Wall-clock CPU budget of one call.
    pub call_cpu_ms: u64,
    pub max_instances: u32,
    pub max_kv_value_bytes: usize,
    pub max_kv_service_bytes: u64,
    /// Hosts (`name` or `name:port`) the operator lets services reach over HTTP: the bound
    /// of every grant (`srv.create(blueprint_id, {"http": [...]})`). A service reaches only
    /// the hosts of its own grant; empty denies HTTP to every service.
    pub http_allow: Vec<String>,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            listen: vec![
                "/ip4/0.0.0.0/tcp/7777".into(),
                "/ip4/0.0.0.0/udp/7777/quic-v1".into(),
            ],
            bootstrap: Vec::new(),
            data_dir: PathBuf::from("weft-data"),
            management_key: None,
            http: None,
            limits: LimitsConfig::default(),
            host: HostLimitsConfig::default(),
            provider: None,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        let particle = ParticleLimits::default();
        Self {
            max_particle_id_bytes: particle.max_id_bytes,
            max_script_bytes: particle.max_script_bytes,
            max_data_bytes: particle.max_data_bytes,
            max_in_flight: 65_536,
            max_ttl_ms: 600_000,
            max_clock_skew_ms: 60_000,
            call_timeout_ms: 10_000,
            max_replay_entries: 262_144,
            max_connections: 1024,
            max_connections_per_peer: 4,
            inbound_queue: 4096,
            send_timeout_ms: 10_000,
            max_services: 10_000,
            max_modules: 1_000,
        }
    }
}

impl Default for HostLimitsConfig {
    fn default() -> Self {
        let host = weft_host::HostConfig::default();
        let kv = weft_host::KvLimits::default();
        Self {
            max_component_bytes: host.limits.max_component_bytes,
            max_memory_bytes: host.limits.max_memory_bytes,
            call_cpu_ms: 1_000,
            max_instances: host.max_instances,
            max_kv_value_bytes: kv.max_value_bytes,
            max_kv_service_bytes: kv.max_service_bytes,
            http_allow: Vec::new(),
        }
    }
}

impl NodeConfig {
    /// Reads and checks a TOML file; errors name the file and the line.
    pub fn from_file(path: &Path) -> Result<NodeConfig, NodeError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| NodeError::io("cannot read config file", path, source))?;
        let config = Self::from_toml(&text).map_err(|message| NodeError::Config {
            path: path.to_owned(),
            message,
        })?;
        Ok(config)
    }

    /// Parses and checks TOML text.
    pub fn from_toml(text: &str) -> Result<NodeConfig, String> {
        let config: NodeConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate().map_err(|e| match e {
            NodeError::InvalidConfig(message) => message,
            other => other.to_string(),
        })?;
        Ok(config)
    }

    /// A node for tests and `weft up`: loopback TCP on a free port, everything else default.
    pub fn local(data_dir: PathBuf) -> NodeConfig {
        NodeConfig {
            listen: vec!["/ip4/127.0.0.1/tcp/0".into()],
            data_dir,
            ..NodeConfig::default()
        }
    }

    /// Checks what the types cannot: peer ids parse and limits are usable.
    pub fn validate(&self) -> Result<(), NodeError> {
        self.management_peer()?;
        let l = &self.limits;
        let nonzero = [
            ("limits.max_in_flight", l.max_in_flight as u64),
            ("limits.max_ttl_ms", u64::from(l.max_ttl_ms)),
            ("limits.call_timeout_ms", l.call_timeout_ms),
            ("limits.max_replay_entries", l.max_replay_entries as u64),
            ("limits.max_connections", u64::from(l.max_connections)),
            (
                "limits.max_connections_per_peer",
                u64::from(l.max_connections_per_peer),
            ),
            ("limits.inbound_queue", l.inbound_queue as u64),
            ("limits.send_timeout_ms", l.send_timeout_ms),
            ("limits.max_script_bytes", l.max_script_bytes as u64),
            ("limits.max_data_bytes", l.max_data_bytes as u64),
            ("host.call_cpu_ms", self.host.call_cpu_ms),
            ("host.max_instances", u64::from(self.host.max_instances)),
            ("host.max_memory_bytes", self.host.max_memory_bytes as u64),
        ];
        if let Some((name, _)) = nonzero.iter().find(|(_, value)| *value == 0) {
            return Err(NodeError::InvalidConfig(format!(
                "{name} is 0; it must be at least 1"
            )));
        }
        if self.data_dir.as_os_str().is_empty() {
            return Err(NodeError::InvalidConfig(
                "data_dir is empty; name a directory the node may write".into(),
            ));
        }
        self.provider_settings()?;
        Ok(())
    }

    /// The checked `[provider]` section, if the node is a provider.
    pub fn provider_settings(&self) -> Result<Option<ProviderSettings>, NodeError> {
        self.provider
            .as_ref()
            .map(|p| p.settings(&self.data_dir))
            .transpose()
    }

    /// The management key as a peer id.
    pub fn management_peer(&self) -> Result<Option<PeerId>, NodeError> {
        self.management_key
            .as_deref()
            .map(|text| {
                text.parse::<PeerId>().map_err(|e| {
                    NodeError::InvalidConfig(format!(
                        "management_key {text:?} is not a peer id ({e}); expected the 12D3KooW... form"
                    ))
                })
            })
            .transpose()
    }

    pub(crate) fn particle_limits(&self) -> ParticleLimits {
        ParticleLimits {
            max_id_bytes: self.limits.max_particle_id_bytes,
            max_script_bytes: self.limits.max_script_bytes,
            max_data_bytes: self.limits.max_data_bytes,
        }
    }

    pub(crate) fn air_limits(&self) -> weft_air::Limits {
        weft_air::Limits {
            max_script_bytes: self.limits.max_script_bytes,
            max_data_bytes: self.limits.max_data_bytes,
            ..weft_air::Limits::default()
        }
    }

    pub(crate) fn call_timeout(&self) -> Duration {
        Duration::from_millis(self.limits.call_timeout_ms)
    }

    pub(crate) fn host_config(&self) -> weft_host::HostConfig {
        let mut config = weft_host::HostConfig::default()
            .with_cache_dir(self.data_dir.join("compiled"))
            .with_kv_dir(self.data_dir.join("kv"))
            .with_cpu(weft_host::CpuLimit::Deadline(Duration::from_millis(
                self.host.call_cpu_ms,
            )))
            .with_max_memory_bytes(self.host.max_memory_bytes);
        config.limits.max_component_bytes = self.host.max_component_bytes;
        config.max_instances = self.host.max_instances;
        config.kv_limits.max_value_bytes = self.host.max_kv_value_bytes;
        config.kv_limits.max_service_bytes = self.host.max_kv_service_bytes;
        config
    }
}
