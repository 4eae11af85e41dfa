//! Runtime values: a shared JSON value plus where it came from. Provenance is
//! kept lazily (a chain of cheap `Rc` nodes) and materialized only for call
//! requests and canon entries.

use std::{rc::Rc, sync::Arc};

use serde_json::Value;

use crate::Provenance;

/// A value as the interpreter passes it around: cloning is cheap.
#[derive(Debug, Clone)]
pub(crate) struct Val {
    base: Arc<Value>,
    /// When set, the value is element `at` of the array `base` (fold items
    /// without copying the element).
    at: Option<usize>,
    pub prov: Prov,
}

static NULL: Value = Value::Null;

impl Val {
    pub(crate) fn new(value: Arc<Value>, prov: Prov) -> Self {
        Self {
            base: value,
            at: None,
            prov,
        }
    }

    pub(crate) fn literal(value: Value) -> Self {
        Self::new(Arc::new(value), Prov::Literal)
    }

    /// Element `index` of the array `base` (the caller checked it exists).
    pub(crate) fn element(base: Arc<Value>, index: usize, prov: Prov) -> Self {
        Self {
            base,
            at: Some(index),
            prov,
        }
    }

    /// The whole shared value, unless this is an element of an array.
    pub(crate) fn whole(&self) -> Option<&Arc<Value>> {
        self.at.is_none().then_some(&self.base)
    }

    pub(crate) fn get(&self) -> &Value {
        match self.at {
            None => &self.base,
            Some(i) => self.base.get(i).unwrap_or(&NULL),
        }
    }

    /// The value as a shared allocation (copies only an array element).
    pub(crate) fn shared(&self) -> Arc<Value> {
        match self.at {
            None => self.base.clone(),
            Some(_) => Arc::new(self.get().clone()),
        }
    }
}

/// Where a call was made: the provenance of its result.
#[derive(Debug)]
pub(crate) struct CallSite {
    pub peer: String,
    pub service: String,
    pub function: String,
}

#[derive(Debug, Clone)]
pub(crate) enum Prov {
    Literal,
    Call(Rc<CallSite>),
    Error(Rc<str>),
    /// `base` read through a lens, written as AIR text (`.a.[0]`, appended to `.$`).
    Lens(Rc<(Prov, String)>),
    /// Element `1` of an array whose provenance is `0`.
    Index(Rc<Prov>, usize),
    Many(Rc<[Prov]>),
    /// Read back from a canon entry.
    Stored(Arc<Provenance>),
}

impl Prov {
    pub(crate) fn lens(self, suffix: String) -> Self {
        if suffix.is_empty() {
            return self;
        }
        Prov::Lens(Rc::new((self, suffix)))
    }

    /// Element `index` of an array whose provenance is `parent` (no allocation).
    pub(crate) fn index_of(parent: &Rc<Prov>, index: usize) -> Self {
        match &**parent {
            Prov::Literal => Prov::Literal,
            Prov::Many(items) => items.get(index).cloned().unwrap_or(Prov::Literal),
            _ => Prov::Index(parent.clone(), index),
        }
    }

    pub(crate) fn materialize(&self) -> Provenance {
        match self {
            Prov::Literal => Provenance::Literal,
            Prov::Call(site) => Provenance::Call {
                peer: site.peer.clone(),
                service: site.service.clone(),
                function: site.function.clone(),
                lens: String::new(),
            },
            Prov::Error(peer) => Provenance::Error {
                peer: peer.to_string(),
            },
            Prov::Lens(inner) => with_lens(inner.0.materialize(), &inner.1),
            Prov::Index(parent, index) => match parent.materialize() {
                Provenance::Many(items) => {
                    items.into_iter().nth(*index).unwrap_or(Provenance::Literal)
                }
                other => with_lens(other, &format!(".[{index}]")),
            },
            Prov::Many(items) => {
                // Flattened: provenance nests no deeper than two levels.
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    match item.materialize() {
                        Provenance::Many(inner) => out.extend(inner),
                        other => out.push(other),
                    }
                }
                Provenance::Many(out)
            }
            Prov::Stored(provenance) => (**provenance).clone(),
        }
    }
}

fn with_lens(provenance: Provenance, suffix: &str) -> Provenance {
    match provenance {
        Provenance::Call {
            peer,
            service,
            function,
            mut lens,
        } => {
            if lens.is_empty() {
                lens.push_str(".$");
            }
            lens.push_str(suffix);
            Provenance::Call {
                peer,
                service,
                function,
                lens,
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_composes_lenses() {
        let site = Prov::Call(Rc::new(CallSite {
            peer: "p".into(),
            service: "s".into(),
            function: "f".into(),
        }));
        let read = Prov::index_of(&Rc::new(site.lens(".a".into())), 2);
        assert_eq!(
            read.materialize(),
            Provenance::Call {
                peer: "p".into(),
                service: "s".into(),
                function: "f".into(),
                lens: ".$.a.[2]".into()
            }
        );
        let many = Prov::Many(vec![Prov::Literal, Prov::Error("q".into())].into());
        assert_eq!(
            Prov::index_of(&Rc::new(many), 1).materialize(),
            Provenance::Error { peer: "q".into() }
        );
    }
}
