//! Tests of the node that need no real network: the pipeline over an in-memory fake,
//! builtins wiring, hosted services with permissions and persistence, configuration.

mod node {
    pub mod config;
    pub mod http_grants;
    pub mod network;
    pub mod pipeline;
    pub mod services;
    pub mod support;
}
