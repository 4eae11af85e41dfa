//! Variable names as small integers, so that the interpreter's hot path indexes
//! vectors instead of hashing strings. The table is built once per run by
//! walking the script; a name occurrence is found by the address of its text
//! (each AST name owns its buffer) or, failing that, by the text itself.

use std::cell::RefCell;

use crate::{
    Ap, ApTarget, CallOutput, CanonKind, Fail, Instr, InstrKind, Iterable, Lens, LensStep, Script,
    Value, Variable, data::FastMap,
};

#[derive(Debug, Default)]
pub(crate) struct Names<'s> {
    by_addr: FastMap<usize, u32>,
    by_text: RefCell<FastMap<&'s str, u32>>,
}

impl<'s> Names<'s> {
    pub(crate) fn of(script: &'s Script) -> Self {
        let mut names = Self::default();
        let mut stack = vec![&script.root];
        while let Some(instr) = stack.pop() {
            names.instr(instr);
            stack.extend(instr.children());
        }
        names
    }

    /// The id of `name` (a name's text borrowed from the script).
    pub(crate) fn id(&self, name: &'s str) -> u32 {
        if let Some(id) = self.by_addr.get(&(name.as_ptr() as usize)) {
            return *id;
        }
        let mut by_text = self.by_text.borrow_mut();
        let next = by_text.len() as u32;
        *by_text.entry(name).or_insert(next)
    }

    pub(crate) fn count(&self) -> usize {
        self.by_text.borrow().len()
    }

    fn add(&mut self, name: &'s str) {
        let by_text = self.by_text.get_mut();
        let next = by_text.len() as u32;
        let id = *by_text.entry(name).or_insert(next);
        self.by_addr.insert(name.as_ptr() as usize, id);
    }

    fn instr(&mut self, instr: &'s Instr) {
        match &instr.kind {
            InstrKind::Call(call) => {
                for value in [&call.peer, &call.service, &call.function] {
                    self.value(value);
                }
                call.args.iter().for_each(|arg| self.value(arg));
                if let CallOutput::Scalar(name) | CallOutput::Stream(name) = &call.output {
                    self.add(name.as_str());
                }
            }
            InstrKind::Match(m) => {
                self.value(&m.left);
                self.value(&m.right);
            }
            InstrKind::Fold(fold) => {
                self.add(fold.iterator.as_str());
                match &fold.iterable {
                    Iterable::EmptyArray => {}
                    Iterable::Scalar { name, lens } | Iterable::Canon { name, lens } => {
                        self.add(name.as_str());
                        self.lens(lens.as_ref());
                    }
                    Iterable::CanonMap(name)
                    | Iterable::Stream(name)
                    | Iterable::StreamMap(name) => {
                        self.add(name.as_str());
                    }
                    Iterable::CanonMapKey { name, key } => {
                        self.add(name.as_str());
                        self.value(key);
                    }
                }
            }
            InstrKind::Next(name) => self.add(name.as_str()),
            InstrKind::New(new) => match &new.var {
                Variable::Scalar(name)
                | Variable::Stream(name)
                | Variable::StreamMap(name)
                | Variable::Canon(name)
                | Variable::CanonMap(name) => self.add(name.as_str()),
            },
            InstrKind::Ap(ap) => match ap.as_ref() {
                Ap::Value { source, target } => {
                    self.value(source);
                    let (ApTarget::Scalar(name) | ApTarget::Stream(name)) = target;
                    self.add(name.as_str());
                }
                Ap::MapInsert { key, value, map } => {
                    self.value(key);
                    self.value(value);
                    self.add(map.as_str());
                }
            },
            InstrKind::Canon(canon) => {
                self.value(&canon.peer);
                let (a, b) = match &canon.kind {
                    CanonKind::Stream { stream, canon } => (stream, canon),
                    CanonKind::Map { map, canon } => (map, canon),
                    CanonKind::MapToScalar { map, scalar } => (map, scalar),
                };
                self.add(a.as_str());
                self.add(b.as_str());
            }
            InstrKind::Fail(fail) => {
                if let Fail::Scalar { name, lens } = fail.as_ref() {
                    self.add(name.as_str());
                    self.lens(lens.as_ref());
                }
            }
            InstrKind::Seq(..)
            | InstrKind::Par(..)
            | InstrKind::Xor(..)
            | InstrKind::Null
            | InstrKind::Never => {}
        }
    }

    fn value(&mut self, value: &'s Value) {
        match value {
            Value::Scalar { name, lens }
            | Value::Canon { name, lens }
            | Value::CanonMap { name, lens } => {
                self.add(name.as_str());
                self.lens(lens.as_ref());
            }
            Value::ScalarLength(name) | Value::CanonLength(name) | Value::Stream(name) => {
                self.add(name.as_str());
            }
            Value::Error(lens) | Value::LastError(lens) => self.lens(lens.as_ref()),
            Value::Literal(_) | Value::InitPeerId | Value::Timestamp | Value::Ttl => {}
        }
    }

    fn lens(&mut self, lens: Option<&'s Lens>) {
        for step in lens.iter().flat_map(|lens| &lens.steps) {
            if let LensStep::Var(name) = step {
                self.add(name.as_str());
            }
        }
    }
}
