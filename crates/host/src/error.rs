//! The crate's one error type.

use std::path::PathBuf;

/// What went wrong loading, describing or calling a service. Messages name the function and
/// parameter involved and say what was expected, so that they can be shown to a flow's author.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("component is {size} bytes, over the limit of {limit} bytes")]
    ComponentTooLarge { size: usize, limit: usize },
    #[error("not a valid WebAssembly component: {0}")]
    InvalidComponent(String),
    #[error("unknown component {0}: load it first")]
    UnknownComponent(String),
    #[error("compiled-artifact cache at {path}: {source}")]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to set up the host: {0}")]
    Setup(String),
    #[error("service cannot be instantiated: {0}")]
    Instantiate(String),
    #[error("no exported function '{name}'; exported: {available}")]
    UnknownFunction { name: String, available: String },
    #[error("function name '{name}' is ambiguous; use one of: {candidates}")]
    AmbiguousFunction { name: String, candidates: String },
    #[error("{function}: {message}")]
    Arguments { function: String, message: String },
    #[error("{function}: parameter '{param}'{path}: expected {expected}, got {found}")]
    ArgumentType {
        function: String,
        param: String,
        /// Where inside the parameter's value, like `.people[2].age`; empty for the whole value.
        path: String,
        expected: String,
        found: String,
    },
    #[error("{function}: {message}")]
    Unsupported { function: String, message: String },
    #[error("{function}: the result is larger than the limit of {limit} bytes of JSON")]
    ResultTooLarge { function: String, limit: usize },
    #[error("{function}: exceeded its CPU budget for one call")]
    CpuLimit { function: String },
    #[error("{function}: exceeded its memory limit of {limit} bytes")]
    MemoryLimit { function: String, limit: usize },
    #[error("{function}: stack overflow (too deep recursion)")]
    StackOverflow { function: String },
    #[error("{function}: the service trapped: {message}")]
    Trap { function: String, message: String },
    #[error("key-value store: {0}")]
    Kv(String),
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;
