//! Multi-node Weft networks for tests (not shipped).
//!
//! - [`TestNet`]: N nodes in this process on 127.0.0.1, each with its own temporary data
//!   directory, connected to each other before `start` returns; clients connected to any of
//!   them; faults: kill and restart a node (same data directory, same address), cut and
//!   restore the link between two nodes.
//! - [`NodeProcess`] and [`ProcessNet`]: real `weft node` processes on 127.0.0.1, started from a
//!   written config file, ready when they print their ready line, killed with SIGKILL,
//!   restarted on the same data directory and address, killed when dropped.
//! - [`flows`]: the AIR flows tests need again and again (deploy a component, call a
//!   service through a relay), and [`guest`] to get the test components.
//!
//! ```no_run
//! use weft_testkit::TestNet;
//!
//! # async fn demo() -> Result<(), weft_testkit::KitError> {
//! let net = TestNet::start(3).await?;
//! let client = net.client(0).await?;
//! let peers = weft_testkit::flows::identify_all(&client, &net.peer_ids()).await?;
//! assert_eq!(peers.len(), 3);
//! # Ok(()) }
//! ```

pub mod flows;
mod guests;
pub mod metrics;
mod net;
mod process;

use std::time::Duration;

pub use guests::guest;
pub use net::{TestNet, TestNetBuilder};
pub use process::{NodeProcess, ProcessNet};
pub use weft_node::client::{Client, ClientConfig, ClientError};

/// What can go wrong while setting up or driving a test network.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KitError {
    #[error("node: {0}")]
    Node(#[from] weft_node::NodeError),
    #[error("client: {0}")]
    Client(#[from] ClientError),
    #[error("network: {0}")]
    Net(#[from] weft_net::NetError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout { what: String, after: Duration },
    #[error("{0}")]
    Setup(String),
}

impl KitError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }
}

/// Awaits `future` for at most `after`, naming what was awaited when it takes longer.
pub(crate) async fn within<T>(
    after: Duration,
    what: &str,
    future: impl std::future::Future<Output = Result<T, KitError>>,
) -> Result<T, KitError> {
    tokio::time::timeout(after, future)
        .await
        .map_err(|_| KitError::Timeout {
            what: what.to_owned(),
            after,
        })?
}

/// An address without its `/p2p/<peer id>` part: what a node listens on.
pub(crate) fn without_p2p(addr: &weft_net::Multiaddr) -> String {
    let text = addr.to_string();
    match text.split_once("/p2p/") {
        Some((head, _)) => head.to_owned(),
        None => text,
    }
}
