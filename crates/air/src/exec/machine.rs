//! The execution loop: a heap stack of frames, so the native stack stays flat
//! whatever the script's depth or the number of fold iterations.

use std::{rc::Rc, sync::Arc};

use serde_json::{Value, json};

use super::{
    Exec, Res, Status, Stop,
    env::NewMark,
    errors::{self, CatchErr, ErrorInfo, LastError},
    hard::HardError,
    key,
    val::Prov,
};
use crate::{Fail, Instr, InstrKind, Variable};

pub(crate) enum Frame<'s> {
    Exec(&'s Instr),
    /// Turns a complete status into an incomplete one (see `Started::Then`).
    Demote,
    /// After a seq's first branch.
    SeqNext(&'s Instr),
    /// After a par's left branch.
    ParRight(&'s Instr),
    /// After a par's right branch, with the left one's status.
    ParJoin(Status),
    /// After a xor's first branch.
    XorCatch(&'s Instr),
    /// After a xor's second branch.
    XorEnd,
    NewEnd(NewMark),
    /// Ends part of a fold; its data is on `Exec::fold_frames`.
    Fold,
}

/// What starting an instruction did.
enum Started<'s> {
    /// It finished at once.
    Done(Status),
    /// Its first child starts now; frames that finish it are pushed. The
    /// flag marks a par branch: as any other, except that a branch that is a
    /// `next` reaching the end of its fold counts as incomplete (AquaVM:
    /// otherwise `(fold xs i (par (call REMOTE ..) (next i)))` would be
    /// complete at once).
    Then(&'s Instr, bool),
    /// Frames that will run and finish it are pushed.
    Pushed,
}

impl From<Option<Status>> for Started<'_> {
    fn from(status: Option<Status>) -> Self {
        status.map_or(Started::Pushed, Started::Done)
    }
}

impl<'s> Exec<'s, '_> {
    /// Executes `root` once; the streams persist for the next pass.
    pub(super) fn run_pass(&mut self, root: &'s Instr) -> Result<Status, HardError> {
        let mut stack: Vec<Frame<'s>> = Vec::new();
        let mut ret = Status::Complete;
        // The instruction to start now (and whether it is a par branch): a
        // compound instruction's first child starts at once instead of going
        // through the stack.
        let mut start = Some((root, false));
        loop {
            if let Some((instr, par_branch)) = start.take() {
                self.steps += 1;
                if self.steps > self.params.limits.max_steps {
                    return Err(HardError::TooManySteps {
                        limit: self.params.limits.max_steps,
                    });
                }
                match self.dispatch(instr, par_branch, &mut stack)? {
                    Started::Done(status) => ret = status,
                    Started::Then(child, par_branch) => start = Some((child, par_branch)),
                    Started::Pushed => {}
                }
                continue;
            }
            let Some(frame) = stack.pop() else {
                break;
            };
            match frame {
                Frame::Exec(instr) => start = Some((instr, false)),
                Frame::Demote => {
                    if matches!(ret, Status::Complete) {
                        ret = Status::Incomplete;
                    }
                }
                Frame::SeqNext(second) => {
                    if matches!(ret, Status::Complete) {
                        start = Some((second, false));
                    }
                }
                Frame::ParRight(right) => {
                    stack.push(Frame::ParJoin(ret.clone()));
                    start = Some((right, true));
                }
                Frame::ParJoin(left) => ret = par_status(left, ret),
                Frame::XorCatch(second) => {
                    if let Status::Failed(error) = &ret {
                        // As AquaVM: catching an error makes it the last error
                        // (when both par branches fail, the left one's).
                        if error.caught_sets_last_error
                            && let Some(value) = &error.last_error
                        {
                            self.last_error = value.clone();
                        }
                        self.errors.push(error.clone());
                        stack.push(Frame::XorEnd);
                        start = Some((second, false));
                    }
                }
                Frame::XorEnd => {
                    self.errors.pop();
                }
                Frame::NewEnd(mark) => self.env.end_new(mark),
                Frame::Fold => self.pop_fold_frame(),
            }
        }
        Ok(ret)
    }

    /// Starts `instr`: returns its status if it finished at once, or pushes
    /// the frames that will finish it.
    fn dispatch(
        &mut self,
        instr: &'s Instr,
        par_branch: bool,
        stack: &mut Vec<Frame<'s>>,
    ) -> Result<Started<'s>, HardError> {
        let result: Res<()> = match &instr.kind {
            InstrKind::Seq(pair) => {
                stack.push(Frame::SeqNext(&pair.1));
                return Ok(Started::Then(&pair.0, false));
            }
            InstrKind::Par(pair) => {
                stack.push(Frame::ParRight(&pair.1));
                return Ok(Started::Then(&pair.0, true));
            }
            InstrKind::Xor(pair) => {
                stack.push(Frame::XorCatch(&pair.1));
                return Ok(Started::Then(&pair.0, false));
            }
            InstrKind::Match(m) => match self.matches(&m.left, &m.right) {
                Ok(equal) if equal != m.negated => {
                    return Ok(Started::Then(&m.body, false));
                }
                Ok(_) => Err(Stop::Catch(errors::not_matched(m.negated))),
                Err(stop) => Err(stop),
            },
            InstrKind::New(new) => {
                let mark = match &new.var {
                    Variable::Scalar(name) => self.env.new_scalar(self.nid(name)),
                    Variable::Canon(name) => self.env.new_canon(self.nid(name), false),
                    Variable::CanonMap(name) => self.env.new_canon(self.nid(name), true),
                    Variable::Stream(name) | Variable::StreamMap(name) => {
                        let map = matches!(new.var, Variable::StreamMap(_));
                        let instance = key::node(self.ctx, instr.id.0);
                        self.env.new_stream(self.nid(name), map, instance)
                    }
                };
                stack.push(Frame::NewEnd(mark));
                return Ok(Started::Then(&new.body, false));
            }
            InstrKind::Fold(fold) => match self.start_fold(instr, fold, stack) {
                Ok(status) => return Ok(Started::from(status)),
                Err(stop) => Err(stop),
            },
            InstrKind::Next(name) => match self.next(name.as_str(), par_branch, stack) {
                Ok(status) => return Ok(Started::from(status)),
                Err(stop) => Err(stop),
            },
            InstrKind::Call(call) => self.call(instr, call),
            InstrKind::Ap(ap) => self.ap(instr, ap),
            InstrKind::Canon(canon) => self.canon_instr(instr, canon),
            InstrKind::Fail(fail) => self.fail(fail),
            InstrKind::Null => Ok(()),
            InstrKind::Never => Err(Stop::Wait),
        };
        Ok(Started::Done(match result {
            Ok(()) => Status::Complete,
            Err(Stop::Wait) => Status::Incomplete,
            Err(Stop::Catch(error)) => Status::Failed(self.raise(instr, error)),
            Err(Stop::Hard(error)) => return Err(error),
        }))
    }

    fn matches(&self, left: &'s crate::Value, right: &'s crate::Value) -> Res<bool> {
        // Literals compare without building values.
        match (left, right) {
            (crate::Value::Literal(l), crate::Value::Literal(r)) => return Ok(l == r),
            (crate::Value::Literal(l), other) | (other, crate::Value::Literal(l)) => {
                let other = self.resolve(other)?;
                return Ok(literal_eq(l, other.get()));
            }
            _ => {}
        }
        let left = self.resolve(left)?;
        let right = self.resolve(right)?;
        Ok(left.get() == right.get())
    }

    /// Ties a catchable error to its instruction and updates `%last_error%`.
    pub(super) fn raise(&mut self, instr: &Instr, error: CatchErr) -> Rc<ErrorInfo> {
        if let Some(original) = error.reraise {
            self.last_raised = Some(original.clone());
            return original;
        }
        let peer = error.peer.unwrap_or_else(|| self.current.to_string());
        let object = json!({
            "error_code": error.code,
            "message": error.message,
            "instruction": crate::instr_head(instr),
            "peer_id": peer,
        });
        let prov = Prov::Error(peer.as_str().into());
        let object: Arc<Value> = object.into();
        let caught_sets_last_error = matches!(error.last_error, LastError::Object);
        let last_error = match error.last_error {
            LastError::Object => Some((object.clone(), prov.clone())),
            LastError::Keep => None,
            LastError::User(mut user) => {
                if let Value::Object(fields) = &mut user
                    && !fields.contains_key("peer_id")
                {
                    fields.insert("peer_id".into(), peer.into());
                }
                Some((user.into(), prov.clone()))
            }
        };
        if let Some(value) = &last_error {
            self.last_error = value.clone();
        }
        let info = Rc::new(ErrorInfo {
            object,
            code: error.code,
            message: error.message,
            prov,
            last_error,
            caught_sets_last_error,
        });
        self.last_raised = Some(info.clone());
        info
    }

    fn fail(&mut self, fail: &'s Fail) -> Res<()> {
        let object = match fail {
            Fail::Literal { code, message } => {
                if *code == 0 {
                    return Err(Stop::Catch(errors::invalid_error_object(
                        "error code must be non-zero, but it is zero".to_owned(),
                    )));
                }
                json!({
                    "error_code": code,
                    "message": message,
                    "instruction": format!("fail {code} \"{message}\""),
                    "peer_id": &*self.current,
                })
            }
            Fail::Scalar { name, lens } => {
                // Unlike a call, fail does not wait for its value.
                let val = match self.scalar(name) {
                    Err(Stop::Wait) => {
                        return Err(Stop::Catch(errors::undefined(name.as_str())));
                    }
                    other => other?.clone(),
                };
                let val = self.with_lens(val, lens.as_ref())?;
                val.get().clone()
            }
            Fail::Error => {
                let Some(current) = self.errors.last() else {
                    return Err(Stop::Catch(errors::invalid_error_object(
                        "error code must be non-zero, but it is zero".to_owned(),
                    )));
                };
                return Err(Stop::Catch(CatchErr {
                    reraise: Some(current.clone()),
                    ..CatchErr::new(current.code, current.message.clone())
                }));
            }
            Fail::LastError => (*self.last_error.0).clone(),
        };
        errors::check_error_object(&object).map_err(Stop::Catch)?;
        Err(Stop::Catch(errors::user_fail(object)))
    }
}

/// As AquaVM: a `par` is complete as soon as one branch is (so the flow goes
/// on from the peer that finished a branch; joins wait on variables), and
/// fails only when both branches fail, with the left branch's error. A failure
/// next to an incomplete branch leaves the par incomplete.
fn par_status(left: Status, right: Status) -> Status {
    match (left, right) {
        (Status::Complete, _) | (_, Status::Complete) => Status::Complete,
        (Status::Failed(error), Status::Failed(_)) => Status::Failed(error),
        _ => Status::Incomplete,
    }
}

/// A literal equals a JSON value (integers and floats stay different).
fn literal_eq(literal: &crate::Literal, value: &Value) -> bool {
    match (literal, value) {
        (crate::Literal::String(a), Value::String(b)) => a == b,
        (crate::Literal::Number(a), Value::Number(b)) => a == b,
        (crate::Literal::Bool(a), Value::Bool(b)) => a == b,
        (crate::Literal::EmptyArray, Value::Array(items)) => items.is_empty(),
        _ => false,
    }
}
