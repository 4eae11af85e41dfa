//! Host configuration: limits per instance and per call, and where state lives on disk.

use std::path::PathBuf;
use std::time::Duration;

/// How the CPU time of one call is bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuLimit {
    /// Deterministic: each call may execute about this many units of fuel (roughly one per
    /// WebAssembly instruction). Costs some speed on compute-heavy guests.
    Fuel(u64),
    /// Wall-clock: a call is interrupted once this much time has passed, checked at a
    /// granularity of [`HostConfig::epoch_tick`]. Cheaper than fuel.
    Deadline(Duration),
}

/// Limits applied to every service instance. The defaults suit the node and the CLI alike.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest component accepted by [`crate::Host::load`].
    pub max_component_bytes: usize,
    /// Linear memory per memory of an instance.
    pub max_memory_bytes: usize,
    /// Elements per table (Python and JS components have tables of several thousand).
    pub max_table_elements: usize,
    /// Core instances, memories and tables inside one component instance.
    pub max_core_instances: u32,
    pub max_memories: u32,
    pub max_tables: u32,
    /// WebAssembly stack; deeper recursion traps with a stack overflow.
    pub max_stack_bytes: usize,
    /// CPU budget of one call.
    pub cpu: CpuLimit,
    /// Largest result of one call, measured as JSON text.
    pub max_result_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_component_bytes: 64 << 20,
            max_memory_bytes: 256 << 20,
            max_table_elements: 200_000,
            max_core_instances: 64,
            max_memories: 16,
            max_tables: 64,
            max_stack_bytes: 1 << 20,
            cpu: CpuLimit::Deadline(Duration::from_secs(1)),
            max_result_bytes: 16 << 20,
        }
    }
}

/// Configuration of a [`crate::Host`].
#[derive(Debug, Clone)]
pub struct HostConfig {
    pub limits: Limits,
    /// Where compiled components are kept, keyed by the component's hash and the engine's
    /// settings; `None` compiles on every load.
    pub cache_dir: Option<PathBuf>,
    /// Directory of the persistent key-value store; `None` leaves the `kv` capability out.
    pub kv_dir: Option<PathBuf>,
    /// Per-service key-value quotas.
    pub kv_limits: crate::KvLimits,
    /// Component instances that may exist at once in the whole host (the pooling allocator
    /// reserves address space for this many up front).
    pub max_instances: u32,
    /// Idle instances kept per service for reuse.
    pub warm_instances_per_service: usize,
    /// Epoch granularity for [`CpuLimit::Deadline`].
    pub epoch_tick: Duration,
    /// Entries kept in each service's log buffer.
    pub log_capacity: usize,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            cache_dir: None,
            kv_dir: None,
            kv_limits: crate::KvLimits::default(),
            max_instances: 100,
            warm_instances_per_service: 4,
            epoch_tick: Duration::from_millis(10),
            log_capacity: 1000,
        }
    }
}

impl HostConfig {
    pub fn with_cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    pub fn with_kv_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.kv_dir = Some(dir.into());
        self
    }

    pub fn with_cpu(mut self, cpu: CpuLimit) -> Self {
        self.limits.cpu = cpu;
        self
    }

    pub fn with_max_memory_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_memory_bytes = bytes;
        self
    }
}
