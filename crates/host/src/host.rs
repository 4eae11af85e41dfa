//! [`Host`]: compiles and keeps components, and makes services of them.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, PoisonError, RwLock, mpsc};

use serde_json::Value as Json;
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::caps::kv::KvStore;
use crate::config::{CpuLimit, HostConfig};
use crate::context::CallContext;
use crate::engine::{self, ArtifactCache};
use crate::error::{Error, Result};
use crate::interface::{self, Export, Interface};
use crate::service::{Service, ServiceConfig};

/// The blake3 hash of a component's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComponentId(pub [u8; 32]);

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// Runs WebAssembly component services. Cheap to clone; `Send + Sync`: calls may run on many
/// threads at once (each call runs synchronously on the calling thread; an async caller should
/// use `spawn_blocking`).
#[derive(Clone, Debug)]
pub struct Host {
    pub(crate) inner: Arc<HostInner>,
}

pub(crate) struct HostInner {
    pub engine: Engine,
    pub config: HostConfig,
    cache: Option<ArtifactCache>,
    pub kv: Option<KvStore>,
    components: RwLock<HashMap<ComponentId, Arc<Loaded>>>,
    /// Idle instances kept by all services, bounded so that they cannot take every slot.
    pub idle_instances: AtomicUsize,
    /// Dropping it stops the epoch thread.
    _ticker: Option<Mutex<mpsc::Sender<()>>>,
}

impl fmt::Debug for HostInner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostInner")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A compiled component and what it exports.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub component: Component,
    pub interface: Interface,
    pub exports: Vec<Export>,
}

impl Host {
    pub fn new(config: HostConfig) -> Result<Self> {
        let engine = engine::build(&config)?;
        let cache = config
            .cache_dir
            .as_deref()
            .map(|dir| ArtifactCache::new(&engine, dir))
            .transpose()?;
        let kv = config
            .kv_dir
            .as_deref()
            .map(|dir| KvStore::open(dir, config.kv_limits))
            .transpose()?;
        let ticker = match config.limits.cpu {
            CpuLimit::Deadline(_) => Some(Mutex::new(engine::start_ticker(
                &engine,
                config.epoch_tick,
            )?)),
            CpuLimit::Fuel(_) => None,
        };
        Ok(Self {
            inner: Arc::new(HostInner {
                engine,
                config,
                cache,
                kv,
                components: RwLock::new(HashMap::new()),
                idle_instances: AtomicUsize::new(0),
                _ticker: ticker,
            }),
        })
    }

    /// Compiles (or fetches from the artifact cache) a component and discovers its exports.
    /// Loading the same bytes twice returns the same id without work.
    pub fn load(&self, wasm: &[u8]) -> Result<ComponentId> {
        let limit = self.inner.config.limits.max_component_bytes;
        if wasm.len() > limit {
            return Err(Error::ComponentTooLarge {
                size: wasm.len(),
                limit,
            });
        }
        let id = ComponentId(*blake3::hash(wasm).as_bytes());
        if self.loaded(&id).is_ok() {
            return Ok(id);
        }
        let engine = &self.inner.engine;
        let component = match &self.inner.cache {
            Some(cache) => cache.load(engine, &id.to_string(), wasm)?,
            None => Component::new(engine, wasm)
                .map_err(|e| Error::InvalidComponent(format!("{e:#}")))?,
        };
        let (interface, exports) = interface::discover(engine, &component)?;
        let loaded = Arc::new(Loaded {
            component,
            interface,
            exports,
        });
        self.inner
            .components
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, loaded);
        Ok(id)
    }

    pub(crate) fn loaded(&self, id: &ComponentId) -> Result<Arc<Loaded>> {
        let components = self
            .inner
            .components
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        components
            .get(id)
            .cloned()
            .ok_or_else(|| Error::UnknownComponent(id.to_string()))
    }

    /// The functions the component exports, with their signatures.
    pub fn describe(&self, id: &ComponentId) -> Result<Interface> {
        Ok(self.loaded(id)?.interface.clone())
    }

    /// A service running the component with the capabilities `config` grants.
    pub fn service(&self, id: &ComponentId, config: ServiceConfig) -> Result<Service> {
        Service::new(self.inner.clone(), self.loaded(id)?, config)
    }

    /// Calls `function` (`name` or `interface#name`) with JSON arguments (an array, or an object
    /// keyed by parameter name) and returns the JSON result.
    pub fn call(
        &self,
        service: &Service,
        function: &str,
        args: &Json,
        ctx: CallContext,
    ) -> Result<Json> {
        service.call(function, args, ctx)
    }
}
