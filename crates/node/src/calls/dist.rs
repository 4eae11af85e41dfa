//! `dist`: components by their bytes. A module is one WebAssembly component, named by the
//! blake3 hash of its bytes; a blueprint names one module; `srv.create` takes either id.
//!
//! A component too large for one call argument is uploaded in pieces:
//! `dist.add_chunk(hash, total_bytes, offset, base64)` for each piece in order, then
//! `dist.commit(hash, config?)`, which checks the bytes against the hash and adds the module.

use base64::Engine;
use serde_json::{Value, json};

use weft_core::PeerId;

use super::{Failure, fail, optional_arg, string_arg, unknown_function};
use crate::services::{self, Services};

const FUNCTIONS: &[&str] = &[
    "add_module",
    "add_chunk",
    "commit",
    "list_modules",
    "get_module_interface",
    "default_module_config",
    "make_module_config",
    "make_blueprint",
    "add_blueprint",
    "list_blueprints",
    "get_blueprint",
];

/// A `dist` call from a particle whose init peer is `caller` (chunked uploads in progress
/// are counted per caller).
pub(super) fn call(
    services: &Services,
    function: &str,
    args: &[Value],
    caller: &PeerId,
) -> Result<Value, Failure> {
    match function {
        "add_module" => {
            let wasm = module_bytes(args.first())?;
            services
                .add_module(&wasm, config_name(args, 1))
                .map(Value::String)
                .map_err(fail)
        }
        "add_chunk" => {
            let hash = string_arg(function, args, 0, "module_hash")?;
            let total = u64_arg(function, args, 1, "total_bytes")?;
            let offset = u64_arg(function, args, 2, "offset")?;
            let text = string_arg(function, args, 3, "bytes")?;
            // Refuse oversized text before decoding it.
            if text.len() > services::MAX_CHUNK_BYTES.div_ceil(3) * 4 + 4 {
                return Err(fail(format!(
                    "add_chunk: a chunk is at most {} bytes",
                    services::MAX_CHUNK_BYTES
                )));
            }
            let chunk = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|e| fail(format!("add_chunk: bytes are not base64: {e}")))?;
            services
                .add_chunk(hash, total, offset, &chunk, Some(*caller))
                .map(Value::from)
                .map_err(fail)
        }
        "commit" => {
            let hash = string_arg(function, args, 0, "module_hash")?;
            services
                .commit_upload(hash, config_name(args, 1))
                .map(Value::String)
                .map_err(fail)
        }
        "list_modules" => Ok(services.list_modules()),
        "get_module_interface" => {
            let hash = string_arg(function, args, 0, "module_hash")?;
            services.module_interface(hash).map_err(fail)
        }
        "default_module_config" | "make_module_config" => {
            let name = string_arg(function, args, 0, "name")?;
            Ok(json!({ "name": name }))
        }
        "make_blueprint" => {
            let name = string_arg(function, args, 0, "name")?;
            let dependencies = string_list(function, args.get(1))?;
            let blueprint = json!({ "name": name, "dependencies": dependencies });
            Ok(Value::String(blueprint.to_string()))
        }
        "add_blueprint" => {
            let text = string_arg(function, args, 0, "blueprint")?;
            let blueprint: Value = serde_json::from_str(text).map_err(|e| {
                fail(format!(
                    "add_blueprint: not a blueprint from make_blueprint: {e}"
                ))
            })?;
            let name = blueprint.get("name").and_then(Value::as_str).unwrap_or("");
            let dependencies = string_list(function, blueprint.get("dependencies"))?;
            services
                .add_blueprint(name, &dependencies)
                .map(Value::String)
                .map_err(fail)
        }
        "list_blueprints" => Ok(services.list_blueprints()),
        "get_blueprint" => {
            let id = string_arg(function, args, 0, "blueprint_id")?;
            services.get_blueprint(id).map_err(fail)
        }
        _ => Err(unknown_function("dist", function, FUNCTIONS)),
    }
}

/// The `name` of an optional module config argument (`{"name": ...}`), or "".
fn config_name(args: &[Value], index: usize) -> &str {
    optional_arg(args, index)
        .and_then(|config| config.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn u64_arg(function: &str, args: &[Value], index: usize, name: &str) -> Result<u64, Failure> {
    args.get(index).and_then(Value::as_u64).ok_or_else(|| {
        fail(format!(
            "{function}: argument {name} must be a non-negative integer"
        ))
    })
}

/// A component's bytes: base64 text (what Fluence's tools send) or an array of bytes.
fn module_bytes(arg: Option<&Value>) -> Result<Vec<u8>, Failure> {
    match arg {
        Some(Value::String(text)) => base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| fail(format!("add_module: bytes are not base64: {e}"))),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_u64().and_then(|b| u8::try_from(b).ok()))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| fail("add_module: a byte array must hold integers 0..=255")),
        _ => Err(fail(
            "add_module: the module's bytes must be base64 text or an array of bytes",
        )),
    }
}

fn string_list(function: &str, value: Option<&Value>) -> Result<Vec<String>, Failure> {
    let items = value.and_then(Value::as_array).ok_or_else(|| {
        fail(format!(
            "{function}: dependencies must be an array of module hashes"
        ))
    })?;
    items
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| fail(format!("{function}: dependencies must be strings")))
}
