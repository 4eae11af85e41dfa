//! Hosted services: components added by their bytes (content-addressed, stored under
//! `data_dir/components`), services made of them with an owner and aliases, and the calls
//! flows make to them.
//!
//! A service reaches over HTTP only the hosts its owner asked for when creating it (see
//! [`grants`]), within the node operator's `host.http_allow`; without a grant it reaches none.
//!
//! Every change is written to the registry file before it is acknowledged (see
//! [`registry`]); the `kv` state of services lives in `weft_host`'s store under
//! `data_dir/kv`, keyed by service id, so a service that comes back after a restart finds
//! its state. Methods are synchronous (file I/O, compilation): the pipeline calls them on
//! blocking threads.

pub(crate) mod grants;
mod modules;
mod registry;
mod uploads;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use serde_json::{Value, json};
use weft_core::PeerId;
use weft_host::{ComponentId, Host, Interface, ServiceConfig};

use crate::{NodeConfig, NodeError};
use registry::{Registry, RegistryFile, ServiceRecord};
pub(crate) use uploads::MAX_CHUNK_BYTES;
use uploads::Uploads;

/// Names that builtins answer to: an alias like these would never be reached.
const RESERVED: &[&str] = &[
    "op",
    "peer",
    "kad",
    "srv",
    "dist",
    "math",
    "cmp",
    "array",
    "json",
    "debug",
    "sig",
    "stat",
    "vault",
    "run-console",
];
const MAX_ALIAS_BYTES: usize = 128;

#[derive(Debug)]
pub(crate) struct Services {
    host: Host,
    file: RegistryFile,
    components: PathBuf,
    management: Option<PeerId>,
    node_peer: PeerId,
    max_services: usize,
    max_modules: usize,
    /// The operator's bound on every service's HTTP grant.
    http_allow: Vec<String>,
    uploads: Uploads,
    /// Told the hash of every module newly stored (the node announces it on the network).
    added: std::sync::OnceLock<modules::AddedHook>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    registry: Registry,
    running: HashMap<String, weft_host::Service>,
    aliases: HashMap<String, String>,
}

impl Services {
    /// Opens the registry in `config.data_dir` and starts every service it lists.
    pub(crate) fn open(config: &NodeConfig, node_peer: PeerId) -> Result<Self, NodeError> {
        let components = config.data_dir.join("components");
        std::fs::create_dir_all(&components)
            .map_err(|source| NodeError::io("cannot create", &components, source))?;
        let host = Host::new(config.host_config())?;
        let file = RegistryFile::new(&config.data_dir);
        let registry = file.load()?;
        let uploads = Uploads::open(
            config.data_dir.join("uploads"),
            config.host.max_component_bytes as u64,
        )?;
        let services = Self {
            host,
            file,
            components,
            management: config.management_peer()?,
            node_peer,
            max_services: config.limits.max_services,
            max_modules: config.limits.max_modules,
            http_allow: config.host.http_allow.clone(),
            uploads,
            added: std::sync::OnceLock::new(),
            state: Mutex::new(State::default()),
        };
        services.restore(registry)?;
        Ok(services)
    }

    fn restore(&self, registry: Registry) -> Result<(), NodeError> {
        for hash in registry.modules.keys() {
            let path = self.components.join(format!("{hash}.wasm"));
            let wasm = std::fs::read(&path)
                .map_err(|source| NodeError::io("cannot read", &path, source))?;
            self.host.load(&wasm)?;
        }
        let mut state = self.lock();
        for (id, record) in &registry.services {
            let component = parse_hash(&record.blueprint_id).map_err(NodeError::InvalidConfig)?;
            let http = grants::effective(&self.http_allow, &record.http);
            if http.len() < record.http.len() {
                tracing::warn!(
                    service = %id,
                    granted = ?record.http,
                    reaches = ?http,
                    "host.http_allow no longer covers all of the service's HTTP grant"
                );
            }
            let service = self.host.service(&component, service_config(id, &http))?;
            state.running.insert(id.clone(), service);
            for alias in &record.aliases {
                state.aliases.insert(alias.clone(), id.clone());
            }
        }
        tracing::info!(
            modules = registry.modules.len(),
            services = registry.services.len(),
            "restored services"
        );
        state.registry = registry;
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the registry durably: `change` edits a copy, which is stored before it
    /// replaces the one in memory.
    fn commit<T>(
        &self,
        state: &mut State,
        change: impl FnOnce(&mut Registry) -> Result<T, String>,
    ) -> Result<T, String> {
        let mut next = state.registry.clone();
        let out = change(&mut next)?;
        self.file
            .store(&next)
            .map_err(|e| format!("the node could not store the change: {e}"))?;
        state.registry = next;
        Ok(out)
    }

    /// The running service `id_or_alias` names, for a call.
    pub(crate) fn lookup(&self, id_or_alias: &str) -> Option<weft_host::Service> {
        let state = self.lock();
        let id = state
            .aliases
            .get(id_or_alias)
            .map_or(id_or_alias, String::as_str);
        state.running.get(id).cloned()
    }

    pub(crate) fn count(&self) -> usize {
        self.lock().running.len()
    }

    /// Creates a service of a module (by hash or blueprint id) owned by `owner`, with no
    /// HTTP grant.
    pub(crate) fn create(&self, blueprint_id: &str, owner: &PeerId) -> Result<String, String> {
        self.create_with_http(blueprint_id, owner, Vec::new())
    }

    /// Like [`Services::create`], and the service may reach the `http` hosts (each within
    /// the operator's list, or this fails).
    pub(crate) fn create_with_http(
        &self,
        blueprint_id: &str,
        owner: &PeerId,
        http: Vec<String>,
    ) -> Result<String, String> {
        grants::check_grant(&self.http_allow, &http)?;
        let mut state = self.lock();
        if !state.registry.modules.contains_key(blueprint_id) {
            return Err(format!(
                "no module or blueprint {blueprint_id} on this node; add it with dist.add_module"
            ));
        }
        if state.registry.services.len() >= self.max_services {
            return Err(format!(
                "this node holds its limit of {} services",
                self.max_services
            ));
        }
        let component = parse_hash(blueprint_id)?;
        let id = new_service_id();
        let service = self
            .host
            .service(&component, service_config(&id, &http))
            .map_err(|e| e.to_string())?;
        let record = ServiceRecord {
            blueprint_id: blueprint_id.into(),
            owner: owner.to_string(),
            aliases: Vec::new(),
            http: http.clone(),
        };
        self.commit(&mut state, |r| {
            r.services.insert(id.clone(), record);
            Ok(())
        })?;
        state.running.insert(id.clone(), service);
        tracing::info!(service = %id, %owner, blueprint_id, ?http, "service created");
        Ok(id)
    }

    /// Removes a service; only its owner or the management key may.
    pub(crate) fn remove(&self, id_or_alias: &str, caller: &PeerId) -> Result<(), String> {
        let mut state = self.lock();
        let id = self.owned(&state, id_or_alias, caller)?;
        let removed = self.commit(&mut state, |r| {
            r.services
                .remove(&id)
                .ok_or_else(|| format!("no service {id}"))
        })?;
        state.running.remove(&id);
        for alias in &removed.aliases {
            state.aliases.remove(alias);
        }
        tracing::info!(service = %id, by = %caller, "service removed");
        Ok(())
    }

    /// Points `alias` at a service. The caller must own the service, and the service the
    /// alias points at now, if any (or hold the management key).
    pub(crate) fn add_alias(
        &self,
        alias: &str,
        service: &str,
        caller: &PeerId,
    ) -> Result<(), String> {
        check_alias(alias)?;
        let mut state = self.lock();
        if state.registry.services.contains_key(alias) {
            return Err(format!(
                "{alias:?} is a service id; an alias must differ from every id"
            ));
        }
        let id = self.owned(&state, service, caller)?;
        let previous = state.aliases.get(alias).cloned();
        if let Some(previous) = &previous {
            self.owned(&state, previous, caller)?;
        }
        self.commit(&mut state, |r| {
            for record in r.services.values_mut() {
                record.aliases.retain(|a| a != alias);
            }
            let record = r
                .services
                .get_mut(&id)
                .ok_or_else(|| format!("no service {id}"))?;
            record.aliases.push(alias.into());
            Ok(())
        })?;
        state.aliases.insert(alias.into(), id.clone());
        tracing::info!(alias, service = %id, by = %caller, ?previous, "alias set");
        Ok(())
    }

    pub(crate) fn resolve_alias(&self, alias: &str) -> Option<String> {
        self.lock().aliases.get(alias).cloned()
    }

    pub(crate) fn list(&self) -> Value {
        let state = self.lock();
        let services = state.registry.services.iter();
        Value::Array(services.map(|(id, r)| self.service_json(id, r)).collect())
    }

    pub(crate) fn info(&self, id_or_alias: &str) -> Result<Value, String> {
        let state = self.lock();
        let (id, record) = state
            .registry
            .resolve(id_or_alias)
            .ok_or_else(|| format!("no service {id_or_alias} on this node"))?;
        Ok(self.service_json(id, record))
    }

    /// The service's buffered log messages, oldest first. Logs can carry the data a service
    /// handled, so only its owner or the management key may read them.
    pub(crate) fn logs(&self, id_or_alias: &str, caller: &PeerId) -> Result<Value, String> {
        let service = {
            let state = self.lock();
            let id = self.owned(&state, id_or_alias, caller)?;
            state.running.get(&id).cloned()
        };
        let service = service.ok_or_else(|| format!("service {id_or_alias} is not running"))?;
        let entries = service.logs().into_iter().map(|e| {
            json!({
                "seq": e.seq,
                "level": level_name(e.level),
                "message": e.message,
            })
        });
        Ok(Value::Array(entries.collect()))
    }

    pub(crate) fn interface(&self, id_or_alias: &str) -> Result<Value, String> {
        let service = self
            .lookup(id_or_alias)
            .ok_or_else(|| format!("no service {id_or_alias} on this node"))?;
        Ok(interface_json(service.interface()))
    }

    /// The id of the service `id_or_alias` names, if `caller` may change it.
    fn owned(&self, state: &State, id_or_alias: &str, caller: &PeerId) -> Result<String, String> {
        let (id, record) = state
            .registry
            .resolve(id_or_alias)
            .ok_or_else(|| format!("no service {id_or_alias} on this node"))?;
        let is_owner = record.owner == caller.to_string();
        if !is_owner && self.management != Some(*caller) {
            return Err(format!(
                "peer {caller} may not change or read the logs of service {id}: only its owner {} or the node's management key may",
                record.owner
            ));
        }
        Ok(id.to_owned())
    }

    fn service_json(&self, id: &str, record: &ServiceRecord) -> Value {
        json!({
            "id": id,
            "blueprint_id": record.blueprint_id,
            "service_type": "service",
            "owner_id": record.owner,
            "aliases": record.aliases,
            "worker_id": self.node_peer.to_string(),
            "http": grants::effective(&self.http_allow, &record.http),
        })
    }
}

/// What every hosted service may do: its own kv namespace, HTTP to the hosts of its grant.
fn service_config(id: &str, http: &[String]) -> ServiceConfig {
    let config = ServiceConfig::new(id).with_kv();
    http.iter().fold(config, |c, host| c.allow_http(host))
}

fn level_name(level: weft_host::LogLevel) -> &'static str {
    match level {
        weft_host::LogLevel::Trace => "trace",
        weft_host::LogLevel::Debug => "debug",
        weft_host::LogLevel::Info => "info",
        weft_host::LogLevel::Warn => "warn",
        weft_host::LogLevel::Error => "error",
    }
}

fn check_alias(alias: &str) -> Result<(), String> {
    if alias.is_empty() || alias.len() > MAX_ALIAS_BYTES {
        return Err(format!(
            "an alias is 1 to {MAX_ALIAS_BYTES} bytes, got {}",
            alias.len()
        ));
    }
    if alias.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "alias {alias:?} contains whitespace or control characters"
        ));
    }
    if RESERVED.contains(&alias) {
        return Err(format!("alias {alias:?} is the name of a builtin service"));
    }
    Ok(())
}

/// A module hash is the blake3 hash of its bytes, as `weft_host` names components.
fn parse_hash(hex: &str) -> Result<ComponentId, String> {
    blake3::Hash::from_hex(hex)
        .map(|hash| ComponentId(*hash.as_bytes()))
        .map_err(|_| format!("{hex:?} is not a module hash (64 hex digits)"))
}

/// A random id in the UUID text form, as Fluence's service ids look.
fn new_service_id() -> String {
    let b: [u8; 16] = rand::random();
    let hex: String = b.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// An interface in the shape aqua-lib's `Interface` declares.
fn interface_json(interface: &Interface) -> Value {
    let functions = interface.functions.iter().map(|f| {
        json!({
            "name": f.name,
            "arguments": f.params.iter().map(|(n, t)| json!([n, t.to_string()])).collect::<Vec<_>>(),
            "output_types": f.result.iter().map(ToString::to_string).collect::<Vec<_>>(),
        })
    });
    json!({ "function_signatures": functions.collect::<Vec<_>>(), "record_types": [] })
}
