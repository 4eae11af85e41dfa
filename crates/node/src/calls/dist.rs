//! `dist`: components by their bytes. A module is one WebAssembly component, named by the
//! blake3 hash of its bytes; a blueprint names one module; `srv.create` takes either id.

use base64::Engine;
use serde_json::{Value, json};

use super::{Failure, fail, optional_arg, string_arg, unknown_function};
use crate::services::Services;

const FUNCTIONS: &[&str] = &[
    "add_module",
    "list_modules",
    "get_module_interface",
    "default_module_config",
    "make_module_config",
    "make_blueprint",
    "add_blueprint",
    "list_blueprints",
    "get_blueprint",
];

pub(super) fn call(services: &Services, function: &str, args: &[Value]) -> Result<Value, Failure> {
    match function {
        "add_module" => {
            let wasm = module_bytes(args.first())?;
            let name = optional_arg(args, 1)
                .and_then(|config| config.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            services
                .add_module(&wasm, name)
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
