//! A process-wide table of large values by content hash, so that equal large
//! values share one allocation across every particle and peer a process holds
//! (a node sees the same payload in many particles; a simulator runs many
//! peers). Entries are weak: a value lives as long as some `Data` holds it.
//! Only memory is shared; no result depends on the table.

use std::sync::{Arc, Mutex, OnceLock, Weak};

use serde_json::Value;

use super::{FastMap, ValueHash};

/// Values whose encoding is smaller than this are not worth a lock.
pub(crate) const MIN_SHARED_BYTES: usize = 4096;

#[derive(Debug, Default)]
struct Table {
    values: FastMap<ValueHash, Weak<Value>>,
    /// Drop dead entries when the table reaches this size.
    prune_at: usize,
}

fn table() -> &'static Mutex<Table> {
    static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
    TABLE.get_or_init(|| {
        Mutex::new(Table {
            values: FastMap::default(),
            prune_at: 64,
        })
    })
}

/// The shared allocation of the value with `hash`, registering `value` as it
/// when there is none yet.
pub(crate) fn share(hash: ValueHash, value: Arc<Value>) -> Arc<Value> {
    // A poisoned lock only means another thread panicked mid-update of a
    // cache: keep using it.
    let mut table = table()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(held) = table.values.get(&hash).and_then(Weak::upgrade) {
        return held;
    }
    if table.values.len() >= table.prune_at {
        table.values.retain(|_, weak| weak.strong_count() > 0);
        table.prune_at = (table.values.len() * 2).max(64);
    }
    table.values.insert(hash, Arc::downgrade(&value));
    value
}
