//! `srv`: create, list, remove, alias and describe hosted services. The caller is the
//! particle's init peer: it becomes the owner of what it creates, and only the owner (or the
//! node's management key) may remove, re-alias or read its logs (`srv.logs`: what a service
//! logs can carry the data it handled).
//!
//! `srv.create(blueprint_id, options?)`: `options` is `{"http": ["host[:port]", ...]}`, the
//! hosts the service may reach, each allowed by the node's `host.http_allow`. Aqua-lib's
//! one-argument `create` still works and grants no HTTP.

use serde_json::{Value, json};
use weft_core::PeerId;

use super::{Failure, fail, string_arg, unknown_function};
use crate::services::{Services, grants};

const FUNCTIONS: &[&str] = &[
    "create",
    "list",
    "remove",
    "resolve_alias",
    "resolve_alias_opt",
    "add_alias",
    "get_interface",
    "info",
    "logs",
];

pub(super) fn call(
    services: &Services,
    function: &str,
    args: &[Value],
    caller: &PeerId,
) -> Result<Value, Failure> {
    match function {
        "create" => {
            let blueprint = string_arg(function, args, 0, "blueprint_id")?;
            let http = grants::parse_options(args.get(1)).map_err(fail)?;
            services
                .create_with_http(blueprint, caller, http)
                .map(Value::String)
                .map_err(fail)
        }
        "list" => Ok(services.list()),
        "remove" => {
            let id = string_arg(function, args, 0, "service_id")?;
            services
                .remove(id, caller)
                .map(|()| Value::Null)
                .map_err(fail)
        }
        "add_alias" => {
            let alias = string_arg(function, args, 0, "alias")?;
            let id = string_arg(function, args, 1, "service_id")?;
            services
                .add_alias(alias, id, caller)
                .map(|()| Value::Null)
                .map_err(fail)
        }
        "resolve_alias" => {
            let alias = string_arg(function, args, 0, "alias")?;
            services
                .resolve_alias(alias)
                .map(Value::String)
                .ok_or_else(|| fail(format!("no service has the alias {alias:?} on this node")))
        }
        "resolve_alias_opt" => {
            let alias = string_arg(function, args, 0, "alias")?;
            // Aqua's `?string`: an empty array for none.
            Ok(json!(
                services
                    .resolve_alias(alias)
                    .into_iter()
                    .collect::<Vec<_>>()
            ))
        }
        "get_interface" => {
            let id = string_arg(function, args, 0, "service_id")?;
            services.interface(id).map_err(fail)
        }
        "info" => {
            let id = string_arg(function, args, 0, "service_id")?;
            services.info(id).map_err(fail)
        }
        "logs" => {
            let id = string_arg(function, args, 0, "service_id")?;
            services.logs(id, caller).map_err(fail)
        }
        _ => Err(unknown_function("srv", function, FUNCTIONS)),
    }
}
