//! `fold` and `next`: iterations nest ("fold right"): `(next i)` runs the
//! following iterations right where it stands, and whatever comes after it in
//! the body runs once they are done.

use std::{rc::Rc, sync::Arc};

use serde_json::{Value, json};

use super::{
    Exec, Res, Status, Stop,
    env::ScopeMark,
    errors, key,
    machine::Frame as MachineFrame,
    resolve::{canon_value, map_key_text},
    stream::StreamId,
    val::{Prov, Val},
};
use crate::{Fold, Instr, Iterable, Lens, LensStep, data::EntryKey};

/// What a fold walks over.
enum Items {
    Array {
        base: Arc<Value>,
        prov: Rc<Prov>,
        len: usize,
    },
    Fixed(Rc<[Val]>),
    /// Read live: values appended while the fold runs are iterated too.
    Stream(StreamId),
}

pub(crate) struct FoldState<'s> {
    fold: &'s Fold,
    items: Items,
    pos: usize,
    fold_ctx: EntryKey,
    in_last: bool,
}

/// Frames that end part of a fold (pushed before the part runs).
pub(crate) enum Frame {
    /// After an iteration's body: restore the enclosing iteration.
    Iteration {
        fold: usize,
        mark: ScopeMark,
        ctx: EntryKey,
        pos: usize,
    },
    Last {
        fold: usize,
        ctx: EntryKey,
    },
    Whole,
}

impl<'s> Exec<'s, '_> {
    pub(super) fn start_fold(
        &mut self,
        instr: &'s Instr,
        fold: &'s Fold,
        stack: &mut Vec<MachineFrame<'s>>,
    ) -> Res<Option<Status>> {
        let items = self.fold_items(&fold.iterable)?;
        let state = FoldState {
            fold,
            items,
            pos: 0,
            fold_ctx: key::node(self.ctx, instr.id.0),
            in_last: false,
        };
        let len = self.items_len(&state.items);
        let is_stream = matches!(state.items, Items::Stream(_));
        if let Items::Stream(id) = state.items {
            self.streams.note_start(id);
        }
        if len == 0
            && let Items::Stream(id) = state.items
        {
            self.streams.note_read(id);
        }
        self.folds.push(state);
        let idx = self.folds.len() - 1;
        self.push_fold_frame(stack, Frame::Whole);
        if len == 0 {
            // As AquaVM: nothing runs, not even LAST; an empty stream is waited
            // for (a join), an empty array is done.
            return Ok(Some(if is_stream {
                Status::Incomplete
            } else {
                Status::Complete
            }));
        }
        self.enter_iteration(idx, 0, stack);
        Ok(None)
    }

    pub(super) fn next(
        &mut self,
        name: &str,
        par_branch: bool,
        stack: &mut Vec<MachineFrame<'s>>,
    ) -> Res<Option<Status>> {
        let Some(idx) = self
            .folds
            .iter()
            .rposition(|f| f.fold.iterator.as_str() == name && !f.in_last)
        else {
            return Ok(Some(Status::Complete));
        };
        let next = self.folds[idx].pos + 1;
        if next < self.items_len(&self.folds[idx].items) {
            self.enter_iteration(idx, next, stack);
            return Ok(None);
        }
        if let Items::Stream(id) = self.folds[idx].items {
            self.streams.note_read(id);
        }
        if self.folds[idx].fold.last.is_some() {
            if par_branch {
                stack.push(MachineFrame::Demote);
            }
            self.enter_last(idx, stack);
            return Ok(None);
        }
        // As AquaVM: without LAST, the end of a stream acts as `(never)` (more
        // values may come) and a par branch that is only `next` is incomplete.
        let is_stream = matches!(self.folds[idx].items, Items::Stream(_));
        Ok(Some(if par_branch || is_stream {
            Status::Incomplete
        } else {
            Status::Complete
        }))
    }

    /// Pushes a fold frame: its data goes on a stack of its own, so the
    /// machine's frames stay small (they are pushed and popped for every
    /// instruction).
    fn push_fold_frame(&mut self, stack: &mut Vec<MachineFrame<'s>>, frame: Frame) {
        self.fold_frames.push(frame);
        stack.push(MachineFrame::Fold);
    }

    /// Ends the part of a fold whose frame is on top of the fold frames.
    pub(super) fn pop_fold_frame(&mut self) {
        if let Some(frame) = self.fold_frames.pop() {
            self.fold_frame(frame);
        }
    }

    fn fold_frame(&mut self, frame: Frame) {
        match frame {
            Frame::Iteration {
                fold,
                mark,
                ctx,
                pos,
            } => {
                self.env.exit_scope(mark);
                self.ctx = ctx;
                self.folds[fold].pos = pos;
            }
            Frame::Last { fold, ctx } => {
                self.ctx = ctx;
                self.folds[fold].in_last = false;
            }
            Frame::Whole => {
                self.folds.pop();
            }
        }
    }

    fn items_len(&self, items: &Items) -> usize {
        match items {
            Items::Array { len, .. } => *len,
            Items::Fixed(elems) => elems.len(),
            Items::Stream(id) => self.streams.len(id),
        }
    }

    fn enter_iteration(&mut self, idx: usize, pos: usize, stack: &mut Vec<MachineFrame<'s>>) {
        let state = &self.folds[idx];
        let (val, ctx) = match &state.items {
            Items::Array { base, prov, .. } => (
                Val::element(base.clone(), pos, Prov::index_of(prov, pos)),
                key::absorb(state.fold_ctx, key::INDEX, pos as u64),
            ),
            Items::Fixed(elems) => (
                elems[pos].clone(),
                key::absorb(state.fold_ctx, key::INDEX, pos as u64),
            ),
            Items::Stream(id) => {
                let elem = &self.streams.elems(id)[pos];
                let val = match &elem.map_key {
                    None => elem.val.clone(),
                    Some(map_key) => pair(map_key, &elem.val),
                };
                (val, key::element(state.fold_ctx, elem.key))
            }
        };
        let fold = state.fold;
        let saved_pos = state.pos;
        self.folds[idx].pos = pos;
        let mark = self.env.enter_scope();
        let saved_ctx = std::mem::replace(&mut self.ctx, ctx);
        // A fresh scope: the binding cannot clash.
        let _ = self.env.set_scalar(self.nid(&fold.iterator), val);
        self.push_fold_frame(
            stack,
            Frame::Iteration {
                fold: idx,
                mark,
                ctx: saved_ctx,
                pos: saved_pos,
            },
        );
        stack.push(MachineFrame::Exec(&fold.body));
    }

    fn enter_last(&mut self, idx: usize, stack: &mut Vec<MachineFrame<'s>>) {
        let state = &mut self.folds[idx];
        let Some(last) = &state.fold.last else {
            return;
        };
        state.in_last = true;
        let ctx = key::absorb(state.fold_ctx, key::LAST, 0);
        let saved_ctx = std::mem::replace(&mut self.ctx, ctx);
        self.push_fold_frame(
            stack,
            Frame::Last {
                fold: idx,
                ctx: saved_ctx,
            },
        );
        stack.push(MachineFrame::Exec(last));
    }

    fn fold_items(&self, iterable: &'s Iterable) -> Res<Items> {
        Ok(match iterable {
            Iterable::EmptyArray => Items::Fixed(Rc::new([])),
            Iterable::Scalar { name, lens } => {
                let val = self.scalar(name)?.clone();
                let val = self.with_lens(val, lens.as_ref())?;
                array_items(val, || expression(name.as_str(), lens.as_ref()))?
            }
            Iterable::Canon { name, lens: None } => {
                Items::Fixed(self.canon(name, false)?.elems.clone())
            }
            Iterable::Canon {
                name,
                lens: Some(lens),
            } => {
                let canon = self.canon(name, false)?;
                let val = self.with_lens(canon_value(canon), Some(lens))?;
                array_items(val, || {
                    format!("#{}", expression(name.as_str(), Some(lens)))
                })?
            }
            Iterable::CanonMap(name) => {
                let canon = self.canon(name, true)?;
                let keys = canon.keys.as_deref().unwrap_or(&[]);
                let pairs: Rc<[Val]> = keys
                    .iter()
                    .zip(canon.elems.iter())
                    .map(|(k, v)| pair(k, v))
                    .collect();
                Items::Fixed(pairs)
            }
            Iterable::CanonMapKey { name, key } => {
                let wanted = map_key_text(self.resolve(key)?.get());
                let canon = self.canon(name, true)?;
                let keys = canon.keys.as_deref().unwrap_or(&[]);
                let values: Rc<[Val]> = keys
                    .iter()
                    .zip(canon.elems.iter())
                    .filter(|(k, _)| map_key_text(k.get()) == wanted)
                    .map(|(_, v)| v.clone())
                    .collect();
                Items::Fixed(values)
            }
            Iterable::Stream(name) => Items::Stream(self.stream_id(name, false)),
            Iterable::StreamMap(name) => Items::Stream(self.stream_id(name, true)),
        })
    }
}

fn array_items(val: Val, expression: impl FnOnce() -> String) -> Res<Items> {
    match val.get() {
        Value::Array(items) => {
            let len = items.len();
            Ok(Items::Array {
                base: val.shared(),
                prov: Rc::new(val.prov),
                len,
            })
        }
        other => Err(Stop::Catch(errors::fold_non_array(&expression(), other))),
    }
}

/// A stream map element as fold items show it: `{"key": K, "value": V}`.
fn pair(key: &Val, value: &Val) -> Val {
    Val::new(
        Arc::new(json!({"key": key.get().clone(), "value": value.get().clone()})),
        value.prov.clone(),
    )
}

/// A variable with its lens as written in AIR (`xs.$.items.[0]`).
pub(crate) fn expression(name: &str, lens: Option<&Lens>) -> String {
    let mut out = name.to_owned();
    if let Some(lens) = lens {
        out.push_str(".$");
        for step in &lens.steps {
            match step {
                LensStep::Field(field) => {
                    out.push('.');
                    out.push_str(field);
                }
                LensStep::Index(i) => out.push_str(&format!(".[{i}]")),
                LensStep::Var(var) => out.push_str(&format!(".[{var}]")),
            }
        }
        if lens.bang {
            out.push('!');
        }
    }
    out
}
