//! The Weft node: the composition root that turns the pure interpreter (`weft-air`), the
//! service host (`weft-host`) and the network (`weft-net`) into a peer that carries
//! particles, hosts services and runs flows.
//!
//! The particle pipeline reads as one straight path in [`pipeline`](crate::NodeCore):
//! receive → verify → the particle's own actor → interpreter → forward and execute calls →
//! rerun with their results → forget at the TTL. Calls go to pure builtins (`op`, `math`,
//! ...), stateful builtins (`peer`, `kad`, `srv`, `dist`, named as Fluence's aqua-lib
//! declares them) or hosted WebAssembly services, by id or alias.
//!
//! With a `[provider]` config section the node also sells compute on the market contract
//! (`weft-chain`) and deploys the deals matched to it by itself: see [`Provider`].
//!
//! [`NodeCore`] is the node without a network, over any [`Transport`]; tests drive it with
//! an in-memory fake:
//!
//! ```no_run
//! # async fn demo(transport: std::sync::Arc<dyn weft_node::Transport>) -> Result<(), weft_node::NodeError> {
//! use weft_node::{NodeConfig, NodeCore, load_identity};
//!
//! let config = NodeConfig::local("/tmp/weft-node".into());
//! let keys = load_identity(&config.data_dir)?;
//! let node = NodeCore::start(&config, keys, transport).await?;
//! println!("{}", node.metrics_text());
//! node.shutdown().await
//! # }
//! ```

mod builtins;
mod calls;
pub mod client;
mod config;
mod error;
mod http;
mod identity;
mod metrics;
mod node;
mod node_core;
mod pipeline;
mod provider;
mod services;
mod transport;

pub use config::{HostLimitsConfig, LimitsConfig, NodeConfig};
pub use error::NodeError;
pub use identity::{read_key_file, write_key_file};
pub use node::{Node, run_until_ctrl_c};
pub use node_core::{NodeCore, load_identity};
pub use provider::{Provider, ProviderModeConfig, ProviderSettings, ProviderStatus, deal_alias};
pub use transport::Transport;
