//! The `dist` side of [`Services`]: components by their bytes (added whole or from a chunked
//! upload), and the blueprints that name them.

use serde_json::{Value, json};
use weft_core::PeerId;

use super::registry::{self, BlueprintRecord, ModuleRecord};
use super::{Services, interface_json, parse_hash};

/// What [`Services::on_module_added`] calls.
pub(crate) struct AddedHook(Box<dyn Fn([u8; 32]) + Send + Sync>);

impl std::fmt::Debug for AddedHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AddedHook")
    }
}

impl Services {
    /// Stores a component and returns its hash (hex); adding the same bytes again is a no-op.
    pub(crate) fn add_module(&self, wasm: &[u8], name: &str) -> Result<String, String> {
        let id = self.host.load(wasm).map_err(|e| e.to_string())?;
        let hash = id.to_string();
        let mut state = self.lock();
        if state.registry.modules.contains_key(&hash) {
            return Ok(hash);
        }
        if state.registry.modules.len() >= self.max_modules {
            return Err(format!(
                "this node holds its limit of {} modules",
                self.max_modules
            ));
        }
        let path = self.components.join(format!("{hash}.wasm"));
        registry::write_atomically(&path, wasm).map_err(|e| e.to_string())?;
        let record = ModuleRecord { name: name.into() };
        self.commit(&mut state, |r| {
            r.modules.insert(hash.clone(), record);
            Ok(())
        })?;
        tracing::info!(%hash, name, bytes = wasm.len(), "module added");
        if let Some(AddedHook(hook)) = self.added.get() {
            hook(id.0);
        }
        Ok(hash)
    }

    /// Calls `hook` with the hash of every module stored from now on, however it arrived
    /// (`dist.add_module`, a chunked upload, a provider's fetch). Set once; later calls are
    /// ignored.
    pub(crate) fn on_module_added(&self, hook: impl Fn([u8; 32]) + Send + Sync + 'static) {
        let _ = self.added.set(AddedHook(Box::new(hook)));
    }

    /// Takes one piece of a component uploaded in chunks (see [`super::uploads`]); returns how many
    /// of its bytes the node has, all of them when it holds the module already.
    pub(crate) fn add_chunk(
        &self,
        hash: &str,
        total: u64,
        offset: u64,
        chunk: &[u8],
        peer: Option<PeerId>,
    ) -> Result<u64, String> {
        if self.has_module(hash) {
            return Ok(total);
        }
        self.uploads.add_chunk(hash, total, offset, chunk, peer)
    }

    /// Turns the complete chunked upload `hash` into a module; returns its hash.
    pub(crate) fn commit_upload(&self, hash: &str, name: &str) -> Result<String, String> {
        if self.has_module(hash) {
            return Ok(hash.to_ascii_lowercase());
        }
        let wasm = self.uploads.take(hash)?;
        self.add_module(&wasm, name)
    }

    /// Up to `len` bytes of the module whose hash is `key`, from `offset`, with its length:
    /// what other peers fetch. `None` when the node does not hold it.
    pub(crate) fn read_module(
        &self,
        key: &[u8; 32],
        offset: u64,
        len: u32,
    ) -> Option<(Vec<u8>, u64)> {
        use std::io::{Read, Seek, SeekFrom};
        let hash = weft_host::ComponentId(*key).to_string();
        if !self.has_module(&hash) {
            return None;
        }
        let mut file = std::fs::File::open(self.components.join(format!("{hash}.wasm"))).ok()?;
        let total = file.metadata().ok()?.len();
        file.seek(SeekFrom::Start(offset.min(total))).ok()?;
        let mut bytes = Vec::new();
        file.take(u64::from(len)).read_to_end(&mut bytes).ok()?;
        Some((bytes, total))
    }

    /// The hashes of every module the node holds.
    pub(crate) fn module_hashes(&self) -> Vec<[u8; 32]> {
        let state = self.lock();
        let hashes = state
            .registry
            .modules
            .keys()
            .filter_map(|hash| parse_hash(hash).ok());
        hashes.map(|id| id.0).collect()
    }

    fn has_module(&self, hash: &str) -> bool {
        let hash = hash.to_ascii_lowercase();
        self.lock().registry.modules.contains_key(&hash)
    }

    pub(crate) fn list_modules(&self) -> Value {
        let state = self.lock();
        let modules =
            state.registry.modules.iter().map(
                |(hash, m)| json!({ "name": m.name, "hash": hash, "config": { "name": m.name } }),
            );
        Value::Array(modules.collect())
    }

    pub(crate) fn module_interface(&self, hash: &str) -> Result<Value, String> {
        let id = parse_hash(hash)?;
        let interface = self.host.describe(&id).map_err(|e| e.to_string())?;
        Ok(interface_json(&interface))
    }

    pub(crate) fn add_blueprint(
        &self,
        name: &str,
        dependencies: &[String],
    ) -> Result<String, String> {
        let [hash] = dependencies else {
            return Err(format!(
                "a blueprint names exactly one module (a Weft service is one component), got {}",
                dependencies.len()
            ));
        };
        let hash = hash.strip_prefix("hash:").unwrap_or(hash).to_owned();
        let mut state = self.lock();
        if !state.registry.modules.contains_key(&hash) {
            return Err(format!(
                "module {hash} is not on this node; add it with dist.add_module"
            ));
        }
        let record = BlueprintRecord {
            name: name.into(),
            dependencies: vec![hash.clone()],
        };
        self.commit(&mut state, |r| {
            r.blueprints.insert(hash.clone(), record);
            Ok(())
        })?;
        Ok(hash)
    }

    pub(crate) fn list_blueprints(&self) -> Value {
        let state = self.lock();
        let blueprints = state
            .registry
            .blueprints
            .iter()
            .map(|(id, b)| blueprint_json(id, b));
        Value::Array(blueprints.collect())
    }

    pub(crate) fn get_blueprint(&self, id: &str) -> Result<Value, String> {
        let state = self.lock();
        let b = state.registry.blueprints.get(id);
        b.map(|b| blueprint_json(id, b))
            .ok_or_else(|| format!("no blueprint {id} on this node"))
    }
}

fn blueprint_json(id: &str, b: &BlueprintRecord) -> Value {
    json!({ "id": id, "name": b.name, "dependencies": b.dependencies })
}
