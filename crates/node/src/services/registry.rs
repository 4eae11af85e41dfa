//! What the node remembers about modules, blueprints and services, and how it is kept on
//! disk: one JSON file replaced atomically (write a temporary file, fsync, rename, fsync the
//! directory) before any change is acknowledged, so a `kill -9` at any moment leaves either
//! the old or the new registry, never a torn one.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::NodeError;

const FILE_NAME: &str = "services.json";
const VERSION: u32 = 1;

/// A component added with `dist.add_module`, by its blake3 hash (hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ModuleRecord {
    pub name: String,
}

/// A named component a service can be created from. Weft services are one component, so a
/// blueprint has exactly one dependency, and its id is that component's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BlueprintRecord {
    pub name: String,
    pub dependencies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ServiceRecord {
    /// The component's hash (hex): the blueprint id it was created from.
    pub blueprint_id: String,
    /// Peer id of the init peer of the particle that created the service.
    pub owner: String,
    pub aliases: Vec<String>,
    /// Hosts the owner asked for at creation (`srv.create` options); absent in records
    /// written before grants existed, which reach no host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Registry {
    pub version: u32,
    pub modules: BTreeMap<String, ModuleRecord>,
    pub blueprints: BTreeMap<String, BlueprintRecord>,
    pub services: BTreeMap<String, ServiceRecord>,
}

impl Registry {
    /// The service an id or an alias names, with its id.
    pub(crate) fn resolve(&self, id_or_alias: &str) -> Option<(&str, &ServiceRecord)> {
        if let Some((id, record)) = self.services.get_key_value(id_or_alias) {
            return Some((id, record));
        }
        self.services
            .iter()
            .find(|(_, record)| record.aliases.iter().any(|a| a == id_or_alias))
            .map(|(id, record)| (id.as_str(), record))
    }
}

/// The registry file in a data directory.
#[derive(Debug, Clone)]
pub(crate) struct RegistryFile {
    path: PathBuf,
}

impl RegistryFile {
    pub(crate) fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(FILE_NAME),
        }
    }

    /// The stored registry; empty when there is none yet.
    pub(crate) fn load(&self) -> Result<Registry, NodeError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Registry {
                    version: VERSION,
                    ..Registry::default()
                });
            }
            Err(source) => {
                return Err(NodeError::io("cannot read", &self.path, source));
            }
        };
        let registry: Registry =
            serde_json::from_slice(&bytes).map_err(|e| self.error(format!("not valid: {e}")))?;
        if registry.version != VERSION {
            return Err(self.error(format!(
                "format version {} is not supported (this node reads {VERSION})",
                registry.version
            )));
        }
        Ok(registry)
    }

    /// Replaces the stored registry; returns once the new one is durable.
    pub(crate) fn store(&self, registry: &Registry) -> Result<(), NodeError> {
        let bytes = serde_json::to_vec_pretty(registry)
            .map_err(|e| self.error(format!("cannot encode: {e}")))?;
        write_atomically(&self.path, &bytes)
    }

    fn error(&self, message: String) -> NodeError {
        NodeError::Registry {
            path: self.path.clone(),
            message,
        }
    }
}

/// Writes `bytes` to `path` so that a crash leaves either the old file or the new one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), NodeError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let result = std::fs::File::create(&tmp)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path))
        .and_then(|()| std::fs::File::open(dir)?.sync_all());
    result.map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        NodeError::io("cannot write", path, source)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_registry_loads_back_and_damage_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = RegistryFile::new(dir.path());
        let mut registry = file.load().unwrap();
        registry.services.insert(
            "s1".into(),
            ServiceRecord {
                blueprint_id: "ab".into(),
                owner: "me".into(),
                aliases: vec!["greeter".into()],
                http: vec!["127.0.0.1:8080".into()],
            },
        );
        file.store(&registry).unwrap();
        assert_eq!(file.load().unwrap(), registry);
        assert_eq!(registry.resolve("greeter").map(|(id, _)| id), Some("s1"));
        assert_eq!(registry.resolve("s1").map(|(id, _)| id), Some("s1"));
        assert!(registry.resolve("nobody").is_none());

        std::fs::write(dir.path().join(FILE_NAME), b"{").unwrap();
        let err = file.load().unwrap_err().to_string();
        assert!(
            err.contains("services.json") && err.contains("not valid"),
            "{err}"
        );
    }
}
