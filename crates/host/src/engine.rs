//! The wasmtime engine: settings derived from [`HostConfig`], the epoch ticker, and the on-disk
//! cache of compiled components.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

use wasmtime::component::Component;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::config::{CpuLimit, HostConfig};
use crate::error::{Error, Result};

pub(crate) fn build(config: &HostConfig) -> Result<Engine> {
    let limits = &config.limits;
    let mut cfg = Config::new();
    cfg.wasm_component_model(true);
    match limits.cpu {
        CpuLimit::Fuel(_) => cfg.consume_fuel(true),
        CpuLimit::Deadline(_) => cfg.epoch_interruption(true),
    };
    cfg.max_wasm_stack(limits.max_stack_bytes);

    let instances = config.max_instances.max(1);
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(instances)
        .total_core_instances(instances.saturating_mul(limits.max_core_instances))
        .total_memories(instances.saturating_mul(limits.max_memories))
        .total_tables(instances.saturating_mul(limits.max_tables))
        .max_core_instances_per_component(limits.max_core_instances)
        .max_memories_per_component(limits.max_memories)
        .max_tables_per_component(limits.max_tables)
        .max_memories_per_module(limits.max_memories)
        .max_tables_per_module(limits.max_tables)
        .table_elements(limits.max_table_elements)
        .max_memory_size(limits.max_memory_bytes)
        // Python and JS components have large instance metadata (thousands of functions).
        .max_core_instance_size(16 << 20)
        .max_component_instance_size(4 << 20)
        // Reset a freed slot's dirty pages with memset, found by the PAGEMAP_SCAN ioctl
        // (Linux 6.7+; a plain memset of the low addresses elsewhere), instead of dropping
        // them with madvise: a fresh instance then neither faults its pages back in nor
        // pays the TLB shootdown. Up to 256 KiB per memory, which covers what a small
        // service touches (a Rust guest's stack top, data and heap); past that, madvise.
        // Measured on the Rust greeter: a call on a fresh instance 30 µs -> 11 µs.
        .linear_memory_keep_resident(256 << 10)
        .table_keep_resident(64 << 10)
        .pagemap_scan(wasmtime::Enabled::Auto);
    cfg.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&cfg).map_err(|e| Error::Setup(format!("{e:#}")))
}

/// Advances the engine's epoch every `tick` until the returned sender is dropped, so that
/// [`CpuLimit::Deadline`] can interrupt guests.
pub(crate) fn start_ticker(engine: &Engine, tick: std::time::Duration) -> Result<mpsc::Sender<()>> {
    let (stop, stopped) = mpsc::channel::<()>();
    let engine = engine.clone();
    thread::Builder::new()
        .name("weft-host-epoch".to_string())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(tick) {
                engine.increment_epoch();
            }
        })
        .map_err(|e| Error::Setup(format!("cannot start the epoch thread: {e}")))?;
    Ok(stop)
}

/// Compiled components on disk, named by the component's hash and the engine's settings (which
/// decide whether a compiled artifact is usable).
#[derive(Debug)]
pub(crate) struct ArtifactCache {
    dir: PathBuf,
    engine_key: String,
}

impl ArtifactCache {
    pub(crate) fn new(engine: &Engine, dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Cache {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut hasher = std::hash::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Ok(Self {
            dir: dir.to_path_buf(),
            engine_key: format!("{:016x}", hasher.finish()),
        })
    }

    fn path(&self, component_hash: &str) -> PathBuf {
        self.dir
            .join(format!("{component_hash}-{}.cwasm", self.engine_key))
    }

    /// Loads the compiled component, compiling and storing it first if it is not cached.
    pub(crate) fn load(
        &self,
        engine: &Engine,
        component_hash: &str,
        wasm: &[u8],
    ) -> Result<Component> {
        let path = self.path(component_hash);
        if let Some(component) = self.read(engine, &path)? {
            return Ok(component);
        }
        let compiled = engine
            .precompile_component(wasm)
            .map_err(|e| Error::InvalidComponent(format!("{e:#}")))?;
        // Checksum first, so that a torn or altered file is recompiled, never deserialized.
        let mut file = blake3::hash(&compiled).as_bytes().to_vec();
        file.extend_from_slice(&compiled);
        let io = |source| Error::Cache {
            path: path.clone(),
            source,
        };
        // Unique per process and per call: threads of one process that compile the same
        // component at once must not rename each other's file away.
        static NEXT_TMP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT_TMP.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
        std::fs::write(&tmp, &file).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        deserialize(engine, &compiled)
    }

    fn read(&self, engine: &Engine, path: &Path) -> Result<Option<Component>> {
        let file = match std::fs::read(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Cache {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let Some((sum, compiled)) = file.split_first_chunk::<32>() else {
            return Ok(None);
        };
        if blake3::hash(compiled).as_bytes() != sum {
            tracing::warn!(path = %path.display(), "compiled component is corrupt; recompiling");
            return Ok(None);
        }
        match deserialize(engine, compiled) {
            Ok(component) => Ok(Some(component)),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "compiled component unusable; recompiling");
                Ok(None)
            }
        }
    }
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, compiled: &[u8]) -> Result<Component> {
    // SAFETY: `compiled` is output of `Engine::precompile_component` from this crate: either
    // just produced, or read back from our cache file after its blake3 checksum matched. wasmtime
    // additionally checks its version and the engine's settings before using it.
    unsafe { Component::deserialize(engine, compiled) }
        .map_err(|e| Error::InvalidComponent(format!("{e:#}")))
}
