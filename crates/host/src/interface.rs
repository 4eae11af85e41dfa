//! The functions a component exports, discovered from its type, and how callers name them.

use serde_json::{Value as Json, json};
use wasmtime::Engine;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Component, ComponentExportIndex};

use crate::error::{Error, Result};
use crate::wit_type::WitType;

/// Everything a service offers to callers.
#[derive(Debug, Clone, PartialEq)]
pub struct Interface {
    pub functions: Vec<FunctionSig>,
}

/// One exported function's signature.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSig {
    /// The name callers use: `make-point` for a top-level export, `greet#hello` for a function in
    /// the exported interface `weft:greeter/greet@0.1.0`.
    pub name: String,
    /// The exported interface's full name, `None` for a top-level function.
    pub interface: Option<String>,
    /// The function's own WIT name.
    pub function: String,
    pub params: Vec<(String, WitType)>,
    pub result: Option<WitType>,
}

impl FunctionSig {
    fn from_func(interface: Option<&str>, function: &str, ty: &ComponentFunc) -> Self {
        Self {
            name: match interface {
                Some(i) => format!("{}#{function}", short_interface(i)),
                None => function.to_string(),
            },
            interface: interface.map(str::to_string),
            function: function.to_string(),
            params: ty
                .params()
                .map(|(n, t)| (n.to_string(), WitType::from_wasmtime(&t)))
                .collect(),
            result: ty.results().next().map(|t| WitType::from_wasmtime(&t)),
        }
    }

    /// The JSON form `describe` returns.
    pub fn to_json(&self) -> Json {
        json!({
            "name": self.name,
            "interface": self.interface,
            "function": self.function,
            "params": self.params.iter().map(|(n, t)| json!({ "name": n, "type": t.to_json() })).collect::<Vec<_>>(),
            "result": self.result.as_ref().map_or(Json::Null, WitType::to_json),
        })
    }
}

impl Interface {
    /// The JSON form `describe` returns: `{"functions": [...]}`.
    pub fn to_json(&self) -> Json {
        json!({ "functions": self.functions.iter().map(FunctionSig::to_json).collect::<Vec<_>>() })
    }

    /// Finds a function by the name a caller gave: `function`, `interface#function` with the
    /// interface's short name (`greet`), its name without version, or its full name.
    pub(crate) fn resolve(&self, name: &str) -> Result<usize> {
        let matches: Vec<usize> = match name.split_once('#') {
            Some((iface, func)) => self
                .functions
                .iter()
                .enumerate()
                .filter(|(_, f)| f.function == func)
                .filter(|(_, f)| {
                    f.interface
                        .as_deref()
                        .is_some_and(|i| interface_matches(i, iface))
                })
                .map(|(i, _)| i)
                .collect(),
            None => self
                .functions
                .iter()
                .enumerate()
                .filter(|(_, f)| f.function == name)
                .map(|(i, _)| i)
                .collect(),
        };
        match matches.as_slice() {
            [one] => Ok(*one),
            [] => Err(Error::UnknownFunction {
                name: name.to_string(),
                available: self.names(|_| true),
            }),
            _ => Err(Error::AmbiguousFunction {
                name: name.to_string(),
                candidates: self
                    .names(|f| matches.iter().any(|&m| std::ptr::eq(&self.functions[m], f))),
            }),
        }
    }

    fn names(&self, keep: impl Fn(&FunctionSig) -> bool) -> String {
        let names: Vec<String> = self
            .functions
            .iter()
            .filter(|f| keep(f))
            .map(|f| match &f.interface {
                Some(i) => format!("{i}#{}", f.function),
                None => f.function.clone(),
            })
            .collect();
        names.join(", ")
    }
}

/// `weft:greeter/greet@0.1.0` → `greet`.
fn short_interface(full: &str) -> &str {
    let unversioned = full.split('@').next().unwrap_or(full);
    unversioned.rsplit('/').next().unwrap_or(unversioned)
}

fn interface_matches(full: &str, given: &str) -> bool {
    full == given || full.split('@').next() == Some(given) || short_interface(full) == given
}

/// Exports that toolchains add for their own use and that are not part of the service.
fn is_internal(name: &str) -> bool {
    name.starts_with("wasi:")
        || name.starts_with("cabi_")
        || name.starts_with('_')
        || name.starts_with('[')
        || name.contains("componentize")
}

/// componentize-py exports `exports#init` (an unnamed interface) to initialize its runtime.
fn is_componentize_py_init(instance: &str, function: &str) -> bool {
    instance == "exports" && function == "init"
}

/// A discovered function with the index used to find it in an instance without string lookups.
#[derive(Debug, Clone)]
pub(crate) struct Export {
    pub index: ComponentExportIndex,
    /// The first type without a JSON form in the signature, found once at load time.
    pub unsupported: Option<&'static str>,
}

impl Export {
    fn new(index: ComponentExportIndex, sig: &FunctionSig) -> Self {
        let unsupported = sig
            .params
            .iter()
            .map(|(_, t)| t)
            .chain(&sig.result)
            .find_map(WitType::unsupported);
        Self { index, unsupported }
    }
}

/// Walks the component's exports: top-level functions and functions inside exported instances.
pub(crate) fn discover(engine: &Engine, component: &Component) -> Result<(Interface, Vec<Export>)> {
    let ty = component.component_type();
    let mut functions = Vec::new();
    let mut exports = Vec::new();
    let lookup_failed =
        |name: &str| Error::InvalidComponent(format!("export '{name}' cannot be looked up"));
    for (name, item) in ty.exports(engine) {
        if is_internal(name) {
            continue;
        }
        match &item.ty {
            ComponentItem::ComponentFunc(func) => {
                let index = component
                    .get_export_index(None, name)
                    .ok_or_else(|| lookup_failed(name))?;
                let sig = FunctionSig::from_func(None, name, func);
                exports.push(Export::new(index, &sig));
                functions.push(sig);
            }
            ComponentItem::ComponentInstance(instance) => {
                let parent = component
                    .get_export_index(None, name)
                    .ok_or_else(|| lookup_failed(name))?;
                for (func_name, func_item) in instance.exports(engine) {
                    let ComponentItem::ComponentFunc(func) = &func_item.ty else {
                        continue;
                    };
                    if is_internal(func_name) || is_componentize_py_init(name, func_name) {
                        continue;
                    }
                    let index = component
                        .get_export_index(Some(&parent), func_name)
                        .ok_or_else(|| lookup_failed(func_name))?;
                    let sig = FunctionSig::from_func(Some(name), func_name, func);
                    exports.push(Export::new(index, &sig));
                    functions.push(sig);
                }
            }
            _ => {}
        }
    }
    Ok((Interface { functions }, exports))
}
