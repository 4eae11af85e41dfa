//! The service host: runs WebAssembly components (WASI 0.2) as Weft services.
//!
//! A service is any component; its exported functions are discovered from the component's type
//! and called with JSON arguments, returning JSON (see the table in `convert` for the encoding of
//! each WIT type). Every instance runs under limits (memory, CPU per call, tables, stack) and
//! without ambient authority: the only ways out are the capabilities in `wit/host` (`kv`, `log`,
//! `http`, `context`) that its [`ServiceConfig`] grants.
//!
//! The host is synchronous and `Send + Sync`: a call runs on the calling thread, and calls from
//! many threads run in parallel on separate instances.
//!
//! ```no_run
//! use weft_host::{CallContext, Host, HostConfig, ServiceConfig};
//!
//! # fn main() -> Result<(), weft_host::Error> {
//! let host = Host::new(HostConfig::default().with_cache_dir("/tmp/weft-cache"))?;
//! let wasm = std::fs::read("greeter.wasm").map_err(|e| weft_host::Error::Setup(e.to_string()))?;
//! let id = host.load(&wasm)?;
//! let service = host.service(&id, ServiceConfig::new("greeter"))?;
//! let point = service.call("make-point", &serde_json::json!([1, 2]), CallContext::default())?;
//! assert_eq!(point, serde_json::json!({"x": 1, "y": 2}));
//! # Ok(())
//! # }
//! ```

mod caps;
mod config;
mod context;
mod convert;
mod engine;
mod error;
mod host;
mod interface;
mod service;
mod state;
mod wit_type;

pub use caps::kv::KvLimits;
pub use caps::log::{LogBuffer, LogEntry, LogLevel};
pub use config::{CpuLimit, HostConfig, Limits};
pub use context::{CallContext, Origin};
pub use error::Error;
pub use host::{ComponentId, Host};
pub use interface::{FunctionSig, Interface};
pub use service::{Service, ServiceConfig};
pub use wit_type::WitType;
