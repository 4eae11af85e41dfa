//! The crate's one error type.

use std::path::PathBuf;

/// What went wrong starting or running a node. Messages name the file or setting involved
/// and say what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    #[error("config {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("invalid config: {0}")]
    InvalidConfig(String),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("identity key {path}: {message}")]
    Identity { path: PathBuf, message: String },
    #[error("service registry {path}: {message}; move the file away to start with no services")]
    Registry { path: PathBuf, message: String },
    #[error("service host: {0}")]
    Host(#[from] weft_host::Error),
    #[error("network: {0}")]
    Net(String),
    #[error("HTTP endpoint {addr}: {source}")]
    Http {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

impl NodeError {
    pub(crate) fn io(what: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            what,
            path: path.into(),
            source,
        }
    }
}
