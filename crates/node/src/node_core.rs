//! [`NodeCore`]: a node without its network: identity, hosted services, the particle
//! pipeline and metrics, reaching other peers through any [`Transport`]. [`crate::Node`]
//! puts it on libp2p; tests put it on an in-memory fake.

use std::path::Path;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use weft_core::{KeyPair, Particle, PeerId};

use crate::calls::CallHost;
use crate::metrics::Metrics;
use crate::pipeline::admission::AdmissionConfig;
use crate::pipeline::{self, Inbound, PipelineConfig, Shared};
use crate::services::Services;
use crate::{NodeConfig, NodeError, Transport};

/// A running pipeline with its services. Dropping it without [`NodeCore::shutdown`] leaves
/// its tasks running until the runtime ends.
#[derive(Debug)]
pub struct NodeCore {
    peer_id: PeerId,
    input: mpsc::Sender<Inbound>,
    metrics: Arc<Metrics>,
    services: Arc<Services>,
    shutdown: watch::Sender<bool>,
    dispatcher: tokio::task::JoinHandle<()>,
}

/// The node's key pair from `data_dir/identity.key`, created (owner-only) on first use.
pub fn load_identity(data_dir: &Path) -> Result<KeyPair, NodeError> {
    std::fs::create_dir_all(data_dir)
        .map_err(|source| NodeError::io("cannot create data directory", data_dir, source))?;
    crate::identity::load_or_create(data_dir)
}

impl NodeCore {
    /// Restores the services in `config.data_dir` and starts the pipeline.
    pub async fn start(
        config: &NodeConfig,
        keypair: KeyPair,
        transport: Arc<dyn Transport>,
    ) -> Result<NodeCore, NodeError> {
        config.validate()?;
        let peer_id = keypair.peer_id();
        let services = {
            let config = config.clone();
            tokio::task::spawn_blocking(move || Services::open(&config, peer_id))
                .await
                .map_err(|e| NodeError::InvalidConfig(format!("opening services failed: {e}")))??
        };
        let services = Arc::new(services);
        announce_modules(&services, &transport);
        let metrics = Arc::new(Metrics::default());
        let shared = Arc::new(Shared {
            keypair,
            peer_text: peer_id.to_string(),
            calls: CallHost {
                peer_id,
                services: Arc::clone(&services),
                transport,
                metrics: Arc::clone(&metrics),
                timeout: config.call_timeout(),
            },
            air_limits: config.air_limits(),
            metrics: Arc::clone(&metrics),
        });
        let pipeline_config = PipelineConfig {
            admission: AdmissionConfig {
                max_ttl_ms: config.limits.max_ttl_ms,
                max_clock_skew_ms: config.limits.max_clock_skew_ms,
                max_replay_entries: config.limits.max_replay_entries,
            },
            max_in_flight: config.limits.max_in_flight,
        };
        let (input_tx, input_rx) = mpsc::channel(config.limits.inbound_queue);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let dispatcher = pipeline::spawn(shared, pipeline_config, input_rx, shutdown_rx);
        tracing::info!(%peer_id, "pipeline started");
        Ok(NodeCore {
            peer_id,
            input: input_tx,
            metrics,
            services,
            shutdown,
            dispatcher,
        })
    }

    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// Hands a particle to the pipeline, waiting while its queue is full. False once the
    /// pipeline has stopped.
    pub async fn deliver(&self, from: PeerId, particle: Particle) -> bool {
        self.input.send(Inbound { from, particle }).await.is_ok()
    }

    /// A cloneable handle that hands particles to the pipeline (for the network pump).
    pub(crate) fn input(&self) -> mpsc::Sender<Inbound> {
        self.input.clone()
    }

    /// The hosted services, for node-side work that is not a particle (provider mode).
    pub(crate) fn services(&self) -> Arc<Services> {
        Arc::clone(&self.services)
    }

    /// A watch on the shutdown flag, for tasks that live as long as the pipeline.
    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// The Prometheus text exposition of the node's metrics.
    pub fn metrics_text(&self) -> String {
        render(&self.metrics, &self.services)
    }

    pub(crate) fn metrics_source(&self) -> crate::http::MetricsSource {
        let (metrics, services) = (Arc::clone(&self.metrics), Arc::clone(&self.services));
        Arc::new(move || render(&metrics, &services))
    }

    /// Stops the pipeline and waits for its tasks; services' state is already on disk.
    pub async fn shutdown(self) -> Result<(), NodeError> {
        let _ = self.shutdown.send(true);
        self.dispatcher
            .await
            .map_err(|e| NodeError::Net(format!("the pipeline task failed: {e}")))
    }
}

fn render(metrics: &Metrics, services: &Services) -> String {
    let count = services.count() as u64;
    metrics.render(&[("weft_services", "Hosted services on this node.", count)])
}

/// Announces every module the node holds on the network, now and whenever one is stored,
/// so that other nodes (a deal's providers) can fetch it from here.
fn announce_modules(services: &Services, transport: &Arc<dyn Transport>) {
    let runtime = tokio::runtime::Handle::current();
    let announcer = Arc::clone(transport);
    services.on_module_added(move |hash| {
        let announcer = Arc::clone(&announcer);
        runtime.spawn(async move { announcer.announce(hash).await });
    });
    let held = services.module_hashes();
    let announcer = Arc::clone(transport);
    tokio::spawn(async move {
        for hash in held {
            announcer.announce(hash).await;
        }
    });
}
