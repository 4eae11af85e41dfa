//! The `kv` capability: a key-value store per service, persisted in one redb file per host.

use std::path::Path;
use std::sync::Arc;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use crate::caps::wit::kv::Host;
use crate::error::{Error, Result};
use crate::state::State;

/// Entries of every service: (service id, key) → value.
const ENTRIES: TableDefinition<'_, (&str, &str), &[u8]> = TableDefinition::new("entries");
/// Bytes stored per service (keys plus values), for the quota.
const USAGE: TableDefinition<'_, &str, u64> = TableDefinition::new("usage");

/// Size limits of the key-value store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KvLimits {
    pub max_key_bytes: usize,
    pub max_value_bytes: usize,
    /// Keys plus values of one service.
    pub max_service_bytes: u64,
    /// Most keys one `list-keys` returns.
    pub max_listed_keys: usize,
}

impl Default for KvLimits {
    fn default() -> Self {
        Self {
            max_key_bytes: 1024,
            max_value_bytes: 1 << 20,
            max_service_bytes: 64 << 20,
            max_listed_keys: 10_000,
        }
    }
}

/// The host's store, shared by all services.
#[derive(Debug, Clone)]
pub(crate) struct KvStore {
    db: Arc<Database>,
    limits: KvLimits,
}

fn kv_err(e: impl Into<redb::Error>) -> Error {
    Error::Kv(e.into().to_string())
}

impl KvStore {
    pub(crate) fn open(dir: &Path, limits: KvLimits) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::Kv(format!("{}: {e}", dir.display())))?;
        let db = Database::create(dir.join("kv.redb")).map_err(kv_err)?;
        Ok(Self {
            db: Arc::new(db),
            limits,
        })
    }
}

/// One service's view of the store.
#[derive(Debug, Clone)]
pub(crate) struct Namespace {
    store: KvStore,
    service: String,
}

impl Namespace {
    pub(crate) fn new(store: KvStore, service: &str) -> Self {
        Self {
            store,
            service: service.to_string(),
        }
    }

    fn check_key(&self, key: &str) -> Result<(), String> {
        let max = self.store.limits.max_key_bytes;
        if key.len() > max {
            return Err(format!(
                "key is {} bytes, over the limit of {max}",
                key.len()
            ));
        }
        Ok(())
    }

    pub(crate) fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.check_key(key)?;
        let read = || -> Result<Option<Vec<u8>>> {
            let tx = self.store.db.begin_read().map_err(kv_err)?;
            let table = match tx.open_table(ENTRIES) {
                Ok(table) => table,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(kv_err(e)),
            };
            Ok(table
                .get((self.service.as_str(), key))
                .map_err(kv_err)?
                .map(|v| v.value().to_vec()))
        };
        read().map_err(|e| e.to_string())
    }

    pub(crate) fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.check_key(key)?;
        let limits = self.store.limits;
        if value.len() > limits.max_value_bytes {
            return Err(format!(
                "value is {} bytes, over the limit of {}",
                value.len(),
                limits.max_value_bytes
            ));
        }
        let write = || -> Result<Result<(), String>> {
            let tx = self.store.db.begin_write().map_err(kv_err)?;
            {
                let mut entries = tx.open_table(ENTRIES).map_err(kv_err)?;
                let mut usage = tx.open_table(USAGE).map_err(kv_err)?;
                let old = entries
                    .get((self.service.as_str(), key))
                    .map_err(kv_err)?
                    .map_or(0, |v| (key.len() + v.value().len()) as u64);
                let used = usage
                    .get(self.service.as_str())
                    .map_err(kv_err)?
                    .map_or(0, |v| v.value());
                let new_used = used - old.min(used) + (key.len() + value.len()) as u64;
                if new_used > limits.max_service_bytes {
                    return Ok(Err(format!(
                        "service storage quota of {} bytes exceeded",
                        limits.max_service_bytes
                    )));
                }
                entries
                    .insert((self.service.as_str(), key), value)
                    .map_err(kv_err)?;
                usage
                    .insert(self.service.as_str(), new_used)
                    .map_err(kv_err)?;
            }
            tx.commit().map_err(kv_err)?;
            Ok(Ok(()))
        };
        write().map_err(|e| e.to_string())?
    }

    pub(crate) fn delete(&self, key: &str) -> Result<bool, String> {
        self.check_key(key)?;
        let write = || -> Result<bool> {
            let tx = self.store.db.begin_write().map_err(kv_err)?;
            let removed = {
                let mut entries = tx.open_table(ENTRIES).map_err(kv_err)?;
                let mut usage = tx.open_table(USAGE).map_err(kv_err)?;
                let removed = entries
                    .remove((self.service.as_str(), key))
                    .map_err(kv_err)?
                    .map(|v| (key.len() + v.value().len()) as u64);
                if let Some(freed) = removed {
                    let used = usage
                        .get(self.service.as_str())
                        .map_err(kv_err)?
                        .map_or(0, |v| v.value());
                    usage
                        .insert(self.service.as_str(), used - freed.min(used))
                        .map_err(kv_err)?;
                }
                removed.is_some()
            };
            tx.commit().map_err(kv_err)?;
            Ok(removed)
        };
        write().map_err(|e| e.to_string())
    }

    pub(crate) fn list_keys(&self, prefix: &str) -> Result<Vec<String>, String> {
        self.check_key(prefix)?;
        let max = self.store.limits.max_listed_keys;
        let read = || -> Result<Result<Vec<String>, String>> {
            let tx = self.store.db.begin_read().map_err(kv_err)?;
            let table = match tx.open_table(ENTRIES) {
                Ok(table) => table,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Ok(Vec::new())),
                Err(e) => return Err(kv_err(e)),
            };
            let mut keys = Vec::new();
            for entry in table
                .range((self.service.as_str(), prefix)..)
                .map_err(kv_err)?
            {
                let (k, _) = entry.map_err(kv_err)?;
                let (service, key) = k.value();
                if service != self.service || !key.starts_with(prefix) {
                    break;
                }
                if keys.len() == max {
                    return Ok(Err(format!(
                        "more than {max} keys match; use a longer prefix"
                    )));
                }
                keys.push(key.to_string());
            }
            Ok(Ok(keys))
        };
        read().map_err(|e| e.to_string())?
    }
}

impl State {
    fn kv(&self) -> Result<&Namespace, String> {
        self.caps
            .kv
            .as_ref()
            .ok_or_else(|| "kv is not granted to this service".to_string())
    }
}

impl Host for State {
    fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, String> {
        self.kv()?.get(&key)
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), String> {
        self.kv()?.set(&key, &value)
    }

    fn delete(&mut self, key: String) -> Result<bool, String> {
        self.kv()?.delete(&key)
    }

    fn list_keys(&mut self, prefix: String) -> Result<Vec<String>, String> {
        self.kv()?.list_keys(&prefix)
    }
}
