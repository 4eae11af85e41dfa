//! [`Node`]: a [`NodeCore`] on libp2p, with the HTTP endpoint, and the `weft node` entry point.

use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures::future::BoxFuture;
use weft_core::{Particle, PeerId};
use weft_net::{ContentKey, ContentSource, Multiaddr, NetConfig, Network};

use crate::http::MetricsSource;
use crate::metrics;
use crate::pipeline::Inbound;
use crate::provider::{Fetcher, Provider, StatusCell};
use crate::services::Services;
use crate::{NodeConfig, NodeCore, NodeError, Transport, load_identity};

/// A running node: its pipeline, network, HTTP endpoint and, in provider mode, its market
/// agent.
#[derive(Debug)]
pub struct Node {
    core: NodeCore,
    network: Network,
    provider: Option<Provider>,
    http: Option<(SocketAddr, tokio::task::JoinHandle<()>)>,
    pump: tokio::task::JoinHandle<()>,
}

impl Node {
    /// Starts a node: identity from `data_dir/identity.key` (created on first start),
    /// services restored from `data_dir`, listeners bound, bootstrap peers dialed; with a
    /// `[provider]` section, the provider task started (see [`Provider`]).
    pub async fn start(config: NodeConfig) -> Result<Node, NodeError> {
        config.validate()?;
        let provider_settings = config.provider_settings()?;
        let keypair = load_identity(&config.data_dir)?;
        let net_config = NetConfig {
            listen: parse_addrs("listen", &config.listen)?,
            bootstrap: parse_addrs("bootstrap", &config.bootstrap)?,
            particle_limits: config.particle_limits(),
            max_connections: config.limits.max_connections,
            max_connections_per_peer: config.limits.max_connections_per_peer,
            inbound_queue: config.limits.inbound_queue,
            send_timeout: Duration::from_millis(config.limits.send_timeout_ms),
            ..NetConfig::node(keypair.clone())
        };
        let (network, mut inbox) = Network::spawn(net_config)
            .await
            .map_err(|e| NodeError::Net(e.to_string()))?;
        let transport = Arc::new(NetTransport(network.clone()));
        let core = match NodeCore::start(&config, keypair, transport.clone()).await {
            Ok(core) => core,
            Err(e) => {
                let _ = network.shutdown().await;
                return Err(e);
            }
        };
        serve_components(&network, &core.services()).await;
        let fetcher = Fetcher {
            transport: transport as Arc<dyn Transport>,
            max_bytes: config.host.max_component_bytes as u64,
        };
        let provider = match provider_settings
            .map(|settings| Provider::start(settings, core.services(), core.peer_id(), fetcher))
            .transpose()
        {
            Ok(provider) => provider,
            Err(e) => {
                let _ = core.shutdown().await;
                let _ = network.shutdown().await;
                return Err(e);
            }
        };
        let input = core.input();
        let pump = tokio::spawn(async move {
            while let Some(inbound) = inbox.recv().await {
                let inbound = Inbound {
                    from: inbound.from,
                    particle: inbound.particle,
                };
                if input.send(inbound).await.is_err() {
                    break;
                }
            }
        });
        let http = match config.http {
            Some(addr) => {
                let status = provider.as_ref().map(Provider::status_cell);
                let source = with_net_stats(core.metrics_source(), network.clone(), status);
                Some(crate::http::serve(addr, source, core.shutdown_signal()).await?)
            }
            None => None,
        };
        Ok(Node {
            core,
            network,
            provider,
            http,
            pump,
        })
    }

    pub fn peer_id(&self) -> PeerId {
        self.core.peer_id()
    }

    /// The addresses the node listens on, each with `/p2p/<peer id>` appended.
    pub async fn listen_addrs(&self) -> Vec<Multiaddr> {
        let peer = self.peer_id();
        let addrs = self.network.listen_addrs().await.unwrap_or_default();
        addrs
            .into_iter()
            .filter_map(|addr| format!("{addr}/p2p/{peer}").parse().ok())
            .collect()
    }

    /// The bound address of `/metrics` and `/health`, when configured.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http.as_ref().map(|(addr, _)| *addr)
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    pub fn core(&self) -> &NodeCore {
        &self.core
    }

    /// The provider mode, when the config has a `[provider]` section.
    pub fn provider(&self) -> Option<&Provider> {
        self.provider.as_ref()
    }

    /// Stops the provider agent, the pipeline, the HTTP endpoint and the network.
    pub async fn shutdown(self) -> Result<(), NodeError> {
        if let Some(provider) = self.provider {
            provider.stop().await;
        }
        self.pump.abort();
        let http = self.http;
        self.core.shutdown().await?;
        if let Some((_, task)) = http {
            let _ = task.await;
        }
        self.network
            .shutdown()
            .await
            .map_err(|e| NodeError::Net(e.to_string()))
    }
}

/// Runs a node until Ctrl-C (or SIGTERM): what `weft node --config FILE` does. Prints one
/// line `weft node <peer id> listening on <addr> ...` to stdout once ready.
pub async fn run_until_ctrl_c(config: NodeConfig) -> Result<(), NodeError> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let node = Node::start(config).await?;
    let addrs: Vec<String> = node
        .listen_addrs()
        .await
        .iter()
        .map(ToString::to_string)
        .collect();
    let http = node
        .http_addr()
        .map(|a| format!(" http {a}"))
        .unwrap_or_default();
    println!(
        "weft node {} listening on {}{http}",
        node.peer_id(),
        addrs.join(" ")
    );
    wait_for_signal().await;
    tracing::info!("stopping");
    node.shutdown().await
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// The pipeline's metrics followed by the network's counters and the provider's.
fn with_net_stats(
    core: MetricsSource,
    network: Network,
    provider: Option<Arc<StatusCell>>,
) -> MetricsSource {
    Arc::new(move || {
        let mut text = core();
        if let Some(provider) = &provider {
            provider_metrics(&mut text, provider);
        }
        let stats = network.stats();
        let counters = [
            (
                "weft_net_particles_in_total",
                "Particles received and decoded.",
                stats.particles_in,
            ),
            (
                "weft_net_particles_out_total",
                "Particles sent and acknowledged.",
                stats.particles_out,
            ),
            (
                "weft_net_frames_rejected_total",
                "Inbound frames dropped as oversized or undecodable.",
                stats.frames_rejected,
            ),
            (
                "weft_net_inbox_full_total",
                "Inbound particles refused because the inbox was full.",
                stats.inbox_full,
            ),
            (
                "weft_net_send_failures_total",
                "Sends that failed.",
                stats.send_failures,
            ),
        ];
        for (name, help, value) in counters {
            metrics::counter(&mut text, name, help, value);
        }
        metrics::gauge(
            &mut text,
            "weft_net_connections",
            "Connections open now.",
            stats.connections,
        );
        text
    })
}

fn provider_metrics(text: &mut String, provider: &StatusCell) {
    let status = provider.get();
    metrics::gauge(
        text,
        "weft_provider_deals_served",
        "Deals this provider serves now.",
        status.serving.len() as u64,
    );
    metrics::counter(
        text,
        "weft_provider_deploys_total",
        "Replicas deployed and registered on chain.",
        status.deployed_total,
    );
    metrics::counter(
        text,
        "weft_provider_deploy_failures_total",
        "Failed attempts to deploy or register a replica (each is retried).",
        status.deploy_failures,
    );
    metrics::counter(
        text,
        "weft_provider_earnings_withdrawn_total",
        "Earnings withdrawn, in the smallest unit of the offer's token.",
        u64::try_from(status.withdrawn).unwrap_or(u64::MAX),
    );
}

fn parse_addrs(field: &str, addrs: &[String]) -> Result<Vec<Multiaddr>, NodeError> {
    addrs
        .iter()
        .map(|text| {
            text.parse().map_err(|e| {
                NodeError::InvalidConfig(format!("{field}: {text:?} is not a multiaddr ({e})"))
            })
        })
        .collect()
}

/// The pipeline's view of libp2p.
struct NetTransport(Network);

impl Transport for NetTransport {
    fn send(&self, to: PeerId, particle: Arc<Particle>) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move { self.0.send(to, particle).await.map_err(|e| e.to_string()) })
    }

    fn is_connected(&self, peer: PeerId) -> BoxFuture<'_, bool> {
        Box::pin(async move { self.0.is_connected(peer).await.unwrap_or(false) })
    }

    fn connect(&self, peer: PeerId, addrs: Vec<String>) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            for addr in addrs.iter().filter_map(|a| a.parse::<Multiaddr>().ok()) {
                let _ = self.0.add_address(peer, addr.clone()).await;
                if self.0.dial(addr).await.is_ok_and(|dialed| dialed == peer) {
                    return true;
                }
            }
            self.0.is_connected(peer).await.unwrap_or(false)
        })
    }

    fn contact(&self, peer: PeerId) -> BoxFuture<'_, Option<Vec<String>>> {
        Box::pin(async move {
            if !self.0.is_connected(peer).await.unwrap_or(false) {
                return None;
            }
            let addrs = self.0.addresses_of(peer).await.unwrap_or_default();
            Some(addrs.iter().map(ToString::to_string).collect())
        })
    }

    fn neighborhood(
        &self,
        key: Vec<u8>,
        count: usize,
    ) -> BoxFuture<'_, Result<Vec<PeerId>, String>> {
        Box::pin(async move {
            self.0
                .neighborhood(key, count)
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn local_addresses(&self) -> BoxFuture<'_, Vec<String>> {
        Box::pin(async move {
            let addrs = self.0.listen_addrs().await.unwrap_or_default();
            addrs.iter().map(ToString::to_string).collect()
        })
    }

    fn announce(&self, hash: [u8; 32]) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Err(e) = self.0.provide(hash).await {
                tracing::warn!(error = %e, "cannot announce a component");
            }
        })
    }

    fn fetch(&self, hash: [u8; 32], max_bytes: u64) -> BoxFuture<'_, Result<Vec<u8>, String>> {
        Box::pin(async move {
            self.0
                .fetch(hash, max_bytes)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// The node's components, served to peers that fetch them by hash. Weak: the services
/// (and their stores) close with the node, whatever the network still holds.
struct Components(Weak<Services>);

impl ContentSource for Components {
    fn read(&self, key: &ContentKey, offset: u64, len: u32) -> Option<(Vec<u8>, u64)> {
        self.0.upgrade()?.read_module(key, offset, len)
    }
}

/// Serves the node's components to other peers (`NodeCore` announces them).
async fn serve_components(network: &Network, services: &Arc<Services>) {
    let _ = network
        .serve_content(Arc::new(Components(Arc::downgrade(services))))
        .await;
}
