//! Variable bindings and their scopes.
//!
//! Scalars and canons are immutable but may be shadowed: each fold iteration
//! is a scope, and a binding made inside it disappears when it ends. `new X`
//! hides the outer `X` for its body only (other variables set in the body stay).
//! Streams are appended to, never rebound; `new $s` gives its body a fresh
//! stream instance, named by the key of the `new` instance so that the
//! instance is the same in every pass of a run.

use std::rc::Rc;

use crate::data::{EntryKey, FastMap};

use super::val::Val;

/// A binding: `None` when `new` cleared the variable and nothing set it since.
#[derive(Debug, Clone)]
struct Binding<T> {
    scope: u32,
    value: Option<T>,
}

/// A frozen stream as the interpreter uses it.
#[derive(Debug, Clone)]
pub(crate) struct CanonVal {
    pub elems: Rc<[Val]>,
    /// For canon stream maps: the key of each element.
    pub keys: Option<Rc<[Val]>>,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Scalar,
    Canon,
    CanonMap,
    Stream,
    Map,
}

/// Lookup of a scalar or canon.
pub(crate) enum Lookup<'a, T> {
    Set(&'a T),
    /// Cleared by `new` and not set since (error 10009 for scalars).
    Cleared,
    /// Never set in any visible scope: wait for it (join).
    Unset,
}

#[derive(Debug, Default)]
pub(crate) struct Env<'s> {
    scalars: FastMap<&'s str, Vec<Binding<Val>>>,
    canons: FastMap<&'s str, Vec<Binding<CanonVal>>>,
    canon_maps: FastMap<&'s str, Vec<Binding<CanonVal>>>,
    streams: FastMap<&'s str, Vec<EntryKey>>,
    maps: FastMap<&'s str, Vec<EntryKey>>,
    scope: u32,
    next_scope: u32,
    /// (kind, name, stack length to restore) for bindings pushed in scopes.
    undo: Vec<(Kind, &'s str, usize)>,
}

/// Restores the scope that was current before [`Env::enter_scope`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScopeMark {
    undo_len: usize,
    scope: u32,
}

/// Restores one variable after `new`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewMark<'s> {
    kind: Kind,
    name: &'s str,
    len: usize,
}

fn get<'a, T>(stack: Option<&'a Vec<Binding<T>>>) -> Lookup<'a, T> {
    match stack.and_then(|s| s.last()) {
        None => Lookup::Unset,
        Some(Binding { value: None, .. }) => Lookup::Cleared,
        Some(Binding { value: Some(v), .. }) => Lookup::Set(v),
    }
}

impl<'s> Env<'s> {
    pub(crate) fn enter_scope(&mut self) -> ScopeMark {
        let mark = ScopeMark {
            undo_len: self.undo.len(),
            scope: self.scope,
        };
        self.next_scope += 1;
        self.scope = self.next_scope;
        mark
    }

    pub(crate) fn exit_scope(&mut self, mark: ScopeMark) {
        while self.undo.len() > mark.undo_len {
            if let Some((kind, name, len)) = self.undo.pop() {
                self.truncate(kind, name, len);
            }
        }
        self.scope = mark.scope;
    }

    fn truncate(&mut self, kind: Kind, name: &str, len: usize) {
        match kind {
            Kind::Scalar => truncate(self.scalars.get_mut(name), len),
            Kind::Canon => truncate(self.canons.get_mut(name), len),
            Kind::CanonMap => truncate(self.canon_maps.get_mut(name), len),
            Kind::Stream => truncate(self.streams.get_mut(name), len),
            Kind::Map => truncate(self.maps.get_mut(name), len),
        }
    }

    pub(crate) fn scalar(&self, name: &str) -> Lookup<'_, Val> {
        get(self.scalars.get(name))
    }

    pub(crate) fn canon(&self, name: &str) -> Lookup<'_, CanonVal> {
        get(self.canons.get(name))
    }

    pub(crate) fn canon_map(&self, name: &str) -> Lookup<'_, CanonVal> {
        get(self.canon_maps.get(name))
    }

    pub(crate) fn set_scalar(&mut self, name: &'s str, value: Val) {
        let scope = self.scope;
        let stack = self.scalars.entry(name).or_default();
        if let Some(top) = stack.last_mut().filter(|top| top.scope == scope) {
            top.value = Some(value);
            return;
        }
        self.undo.push((Kind::Scalar, name, stack.len()));
        stack.push(Binding {
            scope,
            value: Some(value),
        });
    }

    pub(crate) fn set_canon(&mut self, name: &'s str, value: CanonVal, map: bool) {
        let scope = self.scope;
        let (kind, stack) = if map {
            (Kind::CanonMap, self.canon_maps.entry(name).or_default())
        } else {
            (Kind::Canon, self.canons.entry(name).or_default())
        };
        if let Some(top) = stack.last_mut().filter(|top| top.scope == scope) {
            top.value = Some(value);
            return;
        }
        self.undo.push((kind, name, stack.len()));
        stack.push(Binding {
            scope,
            value: Some(value),
        });
    }

    /// The instance of stream (or stream map) `name` visible here; `EntryKey(0)`
    /// is the particle-wide instance.
    pub(crate) fn stream(&self, name: &str, map: bool) -> EntryKey {
        let stacks = if map { &self.maps } else { &self.streams };
        stacks
            .get(name)
            .and_then(|s| s.last().copied())
            .unwrap_or(EntryKey(0))
    }

    pub(crate) fn new_scalar(&mut self, name: &'s str) -> NewMark<'s> {
        let stack = self.scalars.entry(name).or_default();
        let mark = NewMark {
            kind: Kind::Scalar,
            name,
            len: stack.len(),
        };
        stack.push(Binding {
            scope: self.scope,
            value: None,
        });
        mark
    }

    pub(crate) fn new_canon(&mut self, name: &'s str, map: bool) -> NewMark<'s> {
        let (kind, stack) = if map {
            (Kind::CanonMap, self.canon_maps.entry(name).or_default())
        } else {
            (Kind::Canon, self.canons.entry(name).or_default())
        };
        let mark = NewMark {
            kind,
            name,
            len: stack.len(),
        };
        stack.push(Binding {
            scope: self.scope,
            value: None,
        });
        mark
    }

    pub(crate) fn new_stream(
        &mut self,
        name: &'s str,
        map: bool,
        instance: EntryKey,
    ) -> NewMark<'s> {
        let (kind, stack) = if map {
            (Kind::Map, self.maps.entry(name).or_default())
        } else {
            (Kind::Stream, self.streams.entry(name).or_default())
        };
        let mark = NewMark {
            kind,
            name,
            len: stack.len(),
        };
        stack.push(instance);
        mark
    }

    pub(crate) fn end_new(&mut self, mark: NewMark<'s>) {
        self.truncate(mark.kind, mark.name, mark.len);
    }
}

fn truncate<T>(stack: Option<&mut Vec<T>>, len: usize) {
    if let Some(stack) = stack {
        stack.truncate(len);
    }
}
