//! Capabilities: the WIT interfaces in `wit/host` (package `weft:host`), implemented by the host
//! and linked per service: `kv` only when granted; `http` always, denying every request to a
//! service with an empty allow-list.

pub(crate) mod context;
pub(crate) mod http;
pub(crate) mod kv;
pub(crate) mod log;

use std::sync::Arc;

use wasmtime::component::{HasSelf, Linker};

use crate::error::{Error, Result};
use crate::state::State;

wasmtime::component::bindgen!({
    path: "../../wit/host",
    world: "weft:host/imports",
});

pub(crate) use weft::host as wit;

/// What one service may use, shared by all of its instances.
#[derive(Debug)]
pub(crate) struct ServiceCaps {
    pub service_id: String,
    pub kv: Option<kv::Namespace>,
    /// `None` when the service may reach no host.
    pub http: Option<http::Client>,
    pub log: Arc<log::LogBuffer>,
}

/// Adds WASI (with no ambient authority: see [`crate::state`]) and the granted capabilities.
pub(crate) fn link(linker: &mut Linker<State>, caps: &ServiceCaps) -> Result<()> {
    let setup = |e: wasmtime::Error| Error::Setup(format!("{e:#}"));
    wasmtime_wasi::p2::add_to_linker_sync(linker).map_err(setup)?;
    wit::log::add_to_linker::<State, HasSelf<State>>(linker, |s| s).map_err(setup)?;
    wit::context::add_to_linker::<State, HasSelf<State>>(linker, |s| s).map_err(setup)?;
    if caps.kv.is_some() {
        wit::kv::add_to_linker::<State, HasSelf<State>>(linker, |s| s).map_err(setup)?;
    }
    wit::http::add_to_linker::<State, HasSelf<State>>(linker, |s| s).map_err(setup)?;
    Ok(())
}
