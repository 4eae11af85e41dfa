//! The interpreter: executes a script from the root against the data.
//!
//! # Stored versus recomputed
//!
//! Every run executes the whole script again. Only what a peer cannot
//! recompute comes from the data: call results, canon contents and "sent"
//! markers, each found by its [`EntryKey`] (see [`key`]). Scalars, streams,
//! `ap`, `match`, `seq`/`par`/`xor` outcomes, folds, `new` scopes and errors
//! are recomputed, so peers holding the same data compute the same thing.
//!
//! # Calls
//!
//! A call on the current peer uses the result in the data, else the result the
//! host passed in `call_results` (recorded as a new entry), else emits a
//! [`crate::CallRequest`] (re-emitted by every run until answered; the host
//! dedups by id) and its subtree is incomplete. A call on another peer uses
//! the result in the data, which must be signed by that peer; else, unless a
//! `Sent` marker exists for its key, the peer joins `next_peers` and a `Sent`
//! marker is recorded, so no peer forwards the same call twice (no ping-pong).
//! As in AquaVM, the particle goes to that peer without waiting for the
//! call's arguments (the peer waits for them itself, a join). `canon` on
//! another peer works the same way; on the current peer it freezes the stream
//! as it is and records the frozen elements with their provenance.
//!
//! # Completeness (as AquaVM 0.63)
//!
//! `seq` runs its second branch once the first is complete. A `par` is
//! complete as soon as one branch is, so the flow goes on from the peer that
//! finished a branch and later instructions join on the variables they need;
//! it fails only when both branches fail. A par branch that is a `(next i)`
//! reaching the end of its fold counts as incomplete, so
//! `(fold xs i (par (call REMOTE ..) (next i)))` waits for a result. A fold
//! over an empty array does nothing (not even LAST); over an empty stream it
//! waits.
//!
//! # Passes
//!
//! A fold over a stream iterates values appended later in the same run too:
//! values its own body appends are picked up as it goes; values appended
//! after it stopped reading (by a later `par` branch, say) trigger another
//! pass over the script, in which streams start with the contents they had at
//! the end of the previous pass (elements are identified by key, so nothing is
//! appended twice). At most [`MAX_PASSES`] passes run; their number depends
//! only on the data, so every peer makes the same ones.
//!
//! # Stack safety
//!
//! The interpreter keeps its continuation on a heap stack of frames, not on
//! the native stack, so deep scripts and long fold-right chains cannot
//! overflow it. Every executed instruction counts against `Limits::max_steps`.

mod ap;
mod call;
mod env;
mod errors;
mod fold;
mod hard;
pub(crate) mod key;
mod machine;
mod names;
mod resolve;
mod stream;
mod val;

use std::{
    cell::RefCell,
    collections::{BTreeMap, BTreeSet},
    rc::Rc,
    sync::Arc,
};

pub(crate) use hard::HardError;
use serde_json::Value;

use crate::{
    CallId, CallRequest, CallResult, RunParams, Script,
    data::{EntryKey, FastMap, Store},
};

use self::{
    env::Env,
    errors::{CatchErr, ErrorInfo},
    fold::FoldState,
    names::Names,
    stream::{StreamId, Streams},
    val::{CallSite, Prov},
};

/// Upper bound on passes over the script in one run.
pub(crate) const MAX_PASSES: usize = 16;

/// Why an instruction did not complete.
#[derive(Debug)]
pub(crate) enum Stop {
    /// Waiting: a value, a call result or another peer is needed.
    Wait,
    Catch(CatchErr),
    Hard(HardError),
}

impl From<HardError> for Stop {
    fn from(error: HardError) -> Self {
        Stop::Hard(error)
    }
}

pub(crate) type Res<T> = Result<T, Stop>;

/// How a subtree ended.
#[derive(Debug, Clone)]
pub(crate) enum Status {
    Complete,
    Incomplete,
    Failed(Rc<ErrorInfo>),
}

/// What a run hands back besides the data.
#[derive(Debug, Default)]
pub(crate) struct Outputs {
    pub next_peers: BTreeSet<String>,
    /// In the order the calls were first reached (as AquaVM), once each.
    pub requests: Vec<CallRequest>,
    request_index: FastMap<CallId, usize>,
}

impl Outputs {
    /// Adds a request, or updates the one with the same id (a later pass).
    pub(crate) fn request(&mut self, request: CallRequest) {
        match self.request_index.get(&request.id) {
            Some(&i) => self.requests[i] = request,
            None => {
                self.request_index.insert(request.id, self.requests.len());
                self.requests.push(request);
            }
        }
    }
}

/// The result of executing a script.
#[derive(Debug)]
pub(crate) struct Executed {
    pub outputs: Outputs,
    /// Code and message of an error nobody caught.
    pub uncaught: Option<(i64, String)>,
    /// Every stream element's key, each stream in its order (see [`stream`]).
    pub stream_order: Vec<EntryKey>,
}

/// The interpreter state of one run.
pub(crate) struct Exec<'s, 'd> {
    params: &'s RunParams<'s>,
    current: Arc<str>,
    store: Store<'d>,
    call_results: BTreeMap<CallId, CallResult>,
    names: Names<'s>,
    streams: Streams,
    out: Outputs,
    steps: u64,
    // Per pass:
    env: Env,
    ctx: EntryKey,
    /// `:error:` of each enclosing xor's right branch.
    errors: Vec<Rc<ErrorInfo>>,
    last_error: (Arc<Value>, Prov),
    folds: Vec<FoldState<'s>>,
    /// The data of the machine's `Frame::Fold` frames, in the same order.
    fold_frames: Vec<fold::Frame>,
    /// The error raised last: an uncaught error is reported as this one (when
    /// both branches of a par fail, `:error:` is the left one's, but the run
    /// ends with the right one's, as in AquaVM).
    last_raised: Option<Rc<ErrorInfo>>,
    /// The provenance of each call instruction's result, reused across
    /// iterations while its peer, service and function stay the same.
    /// By node id; a map, not a vector the size of the script: most
    /// instructions are not calls.
    sites: FastMap<u32, Rc<CallSite>>,
    /// String literals as JSON values (see `resolve::string_literal`).
    literals: RefCell<Literals<'s>>,
}

/// String literals met in a run, and the last one (often met again next).
#[derive(Default)]
struct Literals<'s> {
    by_text: FastMap<&'s str, Arc<Value>>,
    last: Option<(&'s str, Arc<Value>)>,
}

/// Runs `script` to completion (or waiting) against `store`.
pub(crate) fn execute<'s, 'd>(
    script: &'s Script,
    store: Store<'d>,
    call_results: BTreeMap<CallId, CallResult>,
    params: &'s RunParams<'s>,
) -> Result<(Executed, Store<'d>), HardError> {
    let mut exec = Exec {
        params,
        current: params.current_peer.into(),
        store,
        call_results,
        names: Names::default(),
        streams: Streams::default(),
        out: Outputs::default(),
        steps: 0,
        env: Env::default(),
        ctx: key::ROOT,
        errors: Vec::new(),
        last_error: (errors::no_error(), Prov::Literal),
        folds: Vec::new(),
        fold_frames: Vec::new(),
        last_raised: None,
        sites: FastMap::default(),
        literals: RefCell::default(),
    };
    let mut status;
    let mut passes = 0;
    loop {
        exec.env = Env::new(exec.names.count());
        exec.ctx = key::ROOT;
        exec.errors.clear();
        exec.last_error = (errors::no_error(), Prov::Literal);
        exec.folds.clear();
        exec.fold_frames.clear();
        exec.last_raised = None;
        status = exec.run_pass(&script.root)?;
        passes += 1;
        if passes >= MAX_PASSES || !exec.streams.take_missed() {
            break;
        }
        exec.streams.start_repass();
    }
    let uncaught = match status {
        Status::Failed(error) => {
            let error = exec.last_raised.take().unwrap_or(error);
            Some((error.code, error.message.clone()))
        }
        Status::Complete | Status::Incomplete => None,
    };
    Ok((
        Executed {
            outputs: exec.out,
            uncaught,
            stream_order: exec.streams.order().collect(),
        },
        exec.store,
    ))
}

impl<'s> Exec<'s, '_> {
    /// The id of a variable name (see [`names`]).
    fn nid(&self, name: &'s crate::Name) -> u32 {
        self.names.id(name.as_str())
    }

    /// The stream (or stream map) instance `name` refers to here.
    fn stream_id(&self, name: &'s crate::Name, map: bool) -> StreamId {
        let id = self.nid(name);
        (self.env.stream(id, map), id, map)
    }
}

impl<'s> Exec<'s, '_> {
    /// Adds `elem` to stream `id`, placed by the rank this peer's earlier runs
    /// gave it (see [`stream`] on order).
    fn append(
        &mut self,
        id: StreamId,
        name: &str,
        mut elem: stream::Elem,
    ) -> Result<(), HardError> {
        elem.rank = self.store.stream_rank(elem.key);
        let limit = self.params.limits.max_stream_len;
        self.streams.append(id, name, elem, limit)
    }

    /// Sets scalar `name` (hard error 20009 when that would shadow it outside a fold).
    fn set_scalar(&mut self, name: &'s crate::Name, val: val::Val) -> Result<(), HardError> {
        let id = self.nid(name);
        self.env
            .set_scalar(id, val)
            .map_err(|()| HardError::Shadowing {
                name: name.to_string(),
            })
    }
}
