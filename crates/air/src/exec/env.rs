//! Variable bindings and their scopes.
//!
//! Scalars and canons are immutable but may be shadowed: each fold iteration
//! is a scope, and a binding made inside it disappears when it ends. `new X`
//! hides the outer `X` for its body only (other variables set in the body stay).
//! Streams are appended to, never rebound; `new $s` gives its body a fresh
//! stream instance, named by the key of the `new` instance so that the
//! instance is the same in every pass of a run.

use std::rc::Rc;

use crate::data::EntryKey;

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

/// Every binding of one name (see `exec::names` for name ids).
#[derive(Debug, Default, Clone)]
struct Var {
    scalar: Vec<Binding<Val>>,
    canon: Vec<Binding<CanonVal>>,
    canon_map: Vec<Binding<CanonVal>>,
    /// Stream instances (`new $s`); none means the particle-wide one.
    stream: Vec<EntryKey>,
    map: Vec<EntryKey>,
}

#[derive(Debug, Default)]
pub(crate) struct Env {
    vars: Vec<Var>,
    scope: u32,
    next_scope: u32,
    /// (kind, name id, stack length to restore) for bindings pushed in scopes.
    undo: Vec<(Kind, u32, usize)>,
}

/// Restores the scope that was current before [`Env::enter_scope`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScopeMark {
    undo_len: usize,
    scope: u32,
}

/// Restores one variable after `new`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewMark {
    kind: Kind,
    id: u32,
    len: usize,
}

fn get<T>(stack: Option<&Vec<Binding<T>>>) -> Lookup<'_, T> {
    match stack.and_then(|s| s.last()) {
        None => Lookup::Unset,
        Some(Binding { value: None, .. }) => Lookup::Cleared,
        Some(Binding { value: Some(v), .. }) => Lookup::Set(v),
    }
}

/// Binds in the current scope: replaces a binding made in this scope, or
/// shadows an outer one until the scope ends.
fn bind<T>(stack: &mut Vec<Binding<T>>, scope: u32, value: T) -> Option<usize> {
    if let Some(top) = stack.last_mut().filter(|top| top.scope == scope) {
        top.value = Some(value);
        return None;
    }
    stack.push(Binding {
        scope,
        value: Some(value),
    });
    Some(stack.len() - 1)
}

impl Env {
    pub(crate) fn new(names: usize) -> Self {
        Self {
            vars: vec![Var::default(); names],
            ..Self::default()
        }
    }

    fn var(&self, id: u32) -> Option<&Var> {
        self.vars.get(id as usize)
    }

    fn var_mut(&mut self, id: u32) -> &mut Var {
        let idx = id as usize;
        if idx >= self.vars.len() {
            self.vars.resize_with(idx + 1, Var::default);
        }
        &mut self.vars[idx]
    }

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
            if let Some((kind, id, len)) = self.undo.pop() {
                self.truncate(kind, id, len);
            }
        }
        self.scope = mark.scope;
    }

    fn truncate(&mut self, kind: Kind, id: u32, len: usize) {
        let Some(var) = self.vars.get_mut(id as usize) else {
            return;
        };
        match kind {
            Kind::Scalar => var.scalar.truncate(len),
            Kind::Canon => var.canon.truncate(len),
            Kind::CanonMap => var.canon_map.truncate(len),
            Kind::Stream => var.stream.truncate(len),
            Kind::Map => var.map.truncate(len),
        }
    }

    pub(crate) fn scalar(&self, id: u32) -> Lookup<'_, Val> {
        get(self.var(id).map(|v| &v.scalar))
    }

    pub(crate) fn canon(&self, id: u32, map: bool) -> Lookup<'_, CanonVal> {
        get(self
            .var(id)
            .map(|v| if map { &v.canon_map } else { &v.canon }))
    }

    /// Sets a scalar; `Err(())` when it is already set outside any fold
    /// (shadowing is allowed only inside fold iterations, or after `new`).
    pub(crate) fn set_scalar(&mut self, id: u32, value: Val) -> Result<(), ()> {
        let scope = self.scope;
        let stack = &mut self.var_mut(id).scalar;
        if scope == 0
            && stack
                .last()
                .is_some_and(|top| top.scope == 0 && top.value.is_some())
        {
            return Err(());
        }
        if let Some(len) = bind(stack, scope, value) {
            self.undo.push((Kind::Scalar, id, len));
        }
        Ok(())
    }

    pub(crate) fn set_canon(&mut self, id: u32, value: CanonVal, map: bool) {
        let scope = self.scope;
        let var = self.var_mut(id);
        let (kind, stack) = if map {
            (Kind::CanonMap, &mut var.canon_map)
        } else {
            (Kind::Canon, &mut var.canon)
        };
        if let Some(len) = bind(stack, scope, value) {
            self.undo.push((kind, id, len));
        }
    }

    /// The instance of stream (or stream map) `id` visible here; `EntryKey(0)`
    /// is the particle-wide instance.
    pub(crate) fn stream(&self, id: u32, map: bool) -> EntryKey {
        self.var(id)
            .and_then(|v| if map { v.map.last() } else { v.stream.last() })
            .copied()
            .unwrap_or(EntryKey(0))
    }

    pub(crate) fn new_scalar(&mut self, id: u32) -> NewMark {
        let scope = self.scope;
        let stack = &mut self.var_mut(id).scalar;
        let mark = NewMark {
            kind: Kind::Scalar,
            id,
            len: stack.len(),
        };
        stack.push(Binding { scope, value: None });
        mark
    }

    pub(crate) fn new_canon(&mut self, id: u32, map: bool) -> NewMark {
        let scope = self.scope;
        let var = self.var_mut(id);
        let (kind, stack) = if map {
            (Kind::CanonMap, &mut var.canon_map)
        } else {
            (Kind::Canon, &mut var.canon)
        };
        let mark = NewMark {
            kind,
            id,
            len: stack.len(),
        };
        stack.push(Binding { scope, value: None });
        mark
    }

    pub(crate) fn new_stream(&mut self, id: u32, map: bool, instance: EntryKey) -> NewMark {
        let var = self.var_mut(id);
        let (kind, stack) = if map {
            (Kind::Map, &mut var.map)
        } else {
            (Kind::Stream, &mut var.stream)
        };
        let mark = NewMark {
            kind,
            id,
            len: stack.len(),
        };
        stack.push(instance);
        mark
    }

    pub(crate) fn end_new(&mut self, mark: NewMark) {
        self.truncate(mark.kind, mark.id, mark.len);
    }
}
