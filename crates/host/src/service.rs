//! [`Service`]: a component with its capabilities, a pool of warm instances, and calls.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value as Json;
use wasmtime::component::{Instance, InstancePre, Linker, Val};
use wasmtime::{Store, Trap};

use crate::caps::{self, ServiceCaps, http, kv, log::LogBuffer};
use crate::config::CpuLimit;
use crate::context::CallContext;
use crate::convert;
use crate::error::{Error, Result};
use crate::host::{HostInner, Loaded};
use crate::interface::Interface;
use crate::state::{Limiter, State};

/// What a service is and what it may do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceConfig {
    /// The service's id: its key-value namespace and its name in logs.
    pub id: String,
    /// Grants the `kv` capability (needs [`crate::HostConfig::kv_dir`]).
    pub kv: bool,
    /// Hosts (`name` or `name:port`) the `http` capability reaches. Empty denies every request;
    /// the interface is linked either way, so that a component which fetches only in some
    /// functions can still run the others (and learns why a fetch fails).
    pub http_allow: Vec<String>,
}

impl ServiceConfig {
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    pub fn with_kv(mut self) -> Self {
        self.kv = true;
        self
    }

    pub fn allow_http(mut self, host: impl Into<String>) -> Self {
        self.http_allow.push(host.into());
        self
    }
}

/// A running service. Cheap to clone and `Send + Sync`; calls from several threads run on
/// separate instances.
#[derive(Clone, Debug)]
pub struct Service {
    inner: Arc<ServiceInner>,
}

struct ServiceInner {
    host: Arc<HostInner>,
    loaded: Arc<Loaded>,
    pre: InstancePre<State>,
    caps: Arc<ServiceCaps>,
    /// Idle instances from earlier calls that ended well.
    warm: Mutex<Vec<Warm>>,
}

/// Names the capability a component imports but was not granted, before wasmtime reports it
/// as a missing import. (`http` is always linked: without a grant every request is denied.)
fn check_grants(
    engine: &wasmtime::Engine,
    component: &wasmtime::component::Component,
    caps: &ServiceCaps,
) -> Result<()> {
    for (name, _) in component.component_type().imports(engine) {
        let denied = if name.starts_with("weft:host/kv@") && caps.kv.is_none() {
            Some("kv")
        } else {
            None
        };
        if let Some(what) = denied {
            return Err(Error::Instantiate(format!(
                "the service imports {name} but was not granted {what}"
            )));
        }
    }
    Ok(())
}

impl Drop for ServiceInner {
    fn drop(&mut self) {
        let idle = self
            .warm
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        self.host.idle_instances.fetch_sub(idle, Ordering::AcqRel);
    }
}

impl std::fmt::Debug for ServiceInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("id", &self.caps.service_id)
            .finish_non_exhaustive()
    }
}

struct Warm {
    store: Store<State>,
    instance: Instance,
}

impl Service {
    pub(crate) fn new(
        host: Arc<HostInner>,
        loaded: Arc<Loaded>,
        config: ServiceConfig,
    ) -> Result<Self> {
        let kv = match (&host.kv, config.kv) {
            (Some(store), true) => Some(kv::Namespace::new(store.clone(), &config.id)),
            (None, true) => {
                return Err(Error::Instantiate(
                    "the kv capability was granted but the host has no kv directory".to_string(),
                ));
            }
            (_, false) => None,
        };
        let caps = Arc::new(ServiceCaps {
            service_id: config.id,
            kv,
            http: (!config.http_allow.is_empty()).then(|| http::Client::new(&config.http_allow)),
            log: Arc::new(LogBuffer::new(host.config.log_capacity)),
        });
        check_grants(&host.engine, &loaded.component, &caps)?;
        let mut linker = Linker::new(&host.engine);
        caps::link(&mut linker, &caps)?;
        let pre = linker
            .instantiate_pre(&loaded.component)
            .map_err(|e| Error::Instantiate(format!("{e:#}")))?;
        Ok(Self {
            inner: Arc::new(ServiceInner {
                host,
                loaded,
                pre,
                caps,
                warm: Mutex::new(Vec::new()),
            }),
        })
    }

    pub fn id(&self) -> &str {
        &self.inner.caps.service_id
    }

    pub fn interface(&self) -> &Interface {
        &self.inner.loaded.interface
    }

    /// The service's buffered log messages, oldest first.
    pub fn logs(&self) -> Vec<crate::LogEntry> {
        self.inner.caps.log.entries()
    }

    /// Calls `function` with JSON arguments; see [`crate::Host::call`].
    pub fn call(&self, function: &str, args: &Json, ctx: CallContext) -> Result<Json> {
        let inner = &*self.inner;
        let index = inner.loaded.interface.resolve(function)?;
        let sig = &inner.loaded.interface.functions[index];
        if let Some(what) = inner.loaded.exports[index].unsupported {
            return Err(Error::Unsupported {
                function: sig.name.clone(),
                message: format!("uses a {what} type, which has no JSON form"),
            });
        }
        let params = convert::arguments(sig, args)?;

        let mut warm = match self.take_warm() {
            Some(warm) => warm,
            None => self.instantiate(&sig.name)?,
        };
        self.arm(&mut warm.store, ctx);
        let func = warm
            .instance
            .get_func(&mut warm.store, inner.loaded.exports[index].index)
            .ok_or_else(|| Error::Instantiate(format!("export '{}' is missing", sig.name)))?;
        let mut results = vec![Val::Bool(false); usize::from(sig.result.is_some())];
        if let Err(e) = func.call(&mut warm.store, &params, &mut results) {
            // The instance may be in any state after a trap: drop it, the next call gets a fresh one.
            return Err(self.classify(&sig.name, &e, warm.store.data()));
        }
        let limit = inner.host.config.limits.max_result_bytes;
        let json = match (&sig.result, results.first()) {
            (Some(ty), Some(val)) => {
                let mut budget = limit;
                convert::to_json(ty, val, &mut budget).map_err(|convert::TooLarge| {
                    Error::ResultTooLarge {
                        function: sig.name.clone(),
                        limit,
                    }
                })?
            }
            _ => Json::Null,
        };
        self.put_warm(warm);
        Ok(json)
    }

    fn take_warm(&self) -> Option<Warm> {
        let warm = self
            .inner
            .warm
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if warm.is_some() {
            self.inner
                .host
                .idle_instances
                .fetch_sub(1, Ordering::AcqRel);
        }
        warm
    }

    /// Keeps the instance for the next call, unless this service has enough idle ones or idle
    /// instances already hold half of the host's slots (the rest must stay free for services
    /// that have none, since idle instances of other services are not evicted).
    fn put_warm(&self, warm: Warm) {
        let host = &self.inner.host;
        let mut pool = self
            .inner
            .warm
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if pool.len() >= host.config.warm_instances_per_service {
            return;
        }
        let cap = (host.config.max_instances / 2) as usize;
        let idle = host.idle_instances.fetch_add(1, Ordering::AcqRel);
        if idle >= cap {
            host.idle_instances.fetch_sub(1, Ordering::AcqRel);
            return;
        }
        pool.push(warm);
    }

    fn instantiate(&self, function: &str) -> Result<Warm> {
        let host = &self.inner.host;
        let limits = &host.config.limits;
        let limiter = Limiter {
            max_memory_bytes: limits.max_memory_bytes,
            max_table_elements: limits.max_table_elements,
            max_instances: limits.max_core_instances as usize,
            max_tables: limits.max_tables as usize,
            max_memories: limits.max_memories as usize,
            memory_refused: false,
        };
        let mut store = Store::new(&host.engine, State::new(self.inner.caps.clone(), limiter));
        store.limiter(|state| &mut state.limiter);
        self.arm(&mut store, CallContext::default());
        match self.inner.pre.instantiate(&mut store) {
            Ok(instance) => Ok(Warm { store, instance }),
            Err(e) if e.downcast_ref::<Trap>().is_some() => {
                Err(self.classify(function, &e, store.data()))
            }
            Err(e) => Err(Error::Instantiate(format!("{e:#}"))),
        }
    }

    /// Resets the per-call budget and context.
    fn arm(&self, store: &mut Store<State>, ctx: CallContext) {
        let host = &self.inner.host;
        match host.config.limits.cpu {
            CpuLimit::Fuel(fuel) => {
                // Fails only when fuel is not enabled, which `engine::build` guarantees it is.
                let _ = store.set_fuel(fuel);
            }
            CpuLimit::Deadline(deadline) => {
                let tick = host.config.epoch_tick.as_nanos().max(1);
                let ticks = deadline.as_nanos().div_ceil(tick).max(1);
                store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
            }
        }
        let state = store.data_mut();
        state.limiter.memory_refused = false;
        state.call = ctx;
    }

    fn classify(&self, function: &str, error: &wasmtime::Error, state: &State) -> Error {
        let function = function.to_string();
        if state.limiter.memory_refused {
            return Error::MemoryLimit {
                function,
                limit: state.limiter.max_memory_bytes,
            };
        }
        match error.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel | Trap::Interrupt) => Error::CpuLimit { function },
            Some(Trap::StackOverflow) => Error::StackOverflow { function },
            _ => Error::Trap {
                function,
                message: format!("{error:#}"),
            },
        }
    }
}
