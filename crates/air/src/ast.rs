//! The syntax tree of an AIR script.
//!
//! Every instruction carries a [`NodeId`] (its index in a pre-order walk of the
//! script, assigned by the parser) and a [`Span`] in the source. The node id is
//! the stable name of "this instruction in this script": the interpreter keys the
//! results it stores by it, and the simulator finds a call's mock by its span.

use std::{fmt, sync::Arc};

/// A parsed script. `root` is the whole program; `node_count` is one past the
/// largest [`NodeId`] in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub root: Instr,
    pub node_count: u32,
}

/// Pre-order index of an instruction in its script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// Byte range of a construct in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// One instruction with its place in the script.
///
/// Equality ignores nothing: two trees compare equal only with the same ids and
/// spans. Use [`Instr::same_shape`] to compare trees parsed from different texts.
#[derive(Debug, Clone, PartialEq)]
pub struct Instr {
    pub id: NodeId,
    pub span: Span,
    pub kind: InstrKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InstrKind {
    Call(Box<Call>),
    // Both children in one allocation: a script is mostly these nodes.
    Seq(Box<(Instr, Instr)>),
    Par(Box<(Instr, Instr)>),
    Xor(Box<(Instr, Instr)>),
    /// `(match L R body)` when `negated` is false, `(mismatch L R body)` when true.
    Match(Box<Match>),
    Fold(Box<Fold>),
    /// `(next i)`: continue the enclosing fold whose iterator is named `i`.
    Next(Name),
    New(Box<New>),
    Ap(Box<Ap>),
    Canon(Box<Canon>),
    Fail(Box<Fail>),
    Null,
    Never,
}

/// `(call PEER (SERVICE FUNCTION) [ARGS...] OUTPUT?)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub peer: Value,
    pub service: Value,
    pub function: Value,
    pub args: Vec<Value>,
    pub output: CallOutput,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutput {
    None,
    Scalar(Name),
    Stream(Name),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub left: Value,
    pub right: Value,
    pub negated: bool,
    pub body: Instr,
}

/// `(fold ITERABLE ITERATOR BODY LAST?)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Fold {
    pub iterable: Iterable,
    pub iterator: Name,
    pub body: Instr,
    pub last: Option<Instr>,
}

/// What a fold walks over.
#[derive(Debug, Clone, PartialEq)]
pub enum Iterable {
    /// `[]`
    EmptyArray,
    /// An array scalar, optionally through a lens: `xs`, `x.$.items`.
    Scalar { name: Name, lens: Option<Lens> },
    /// `#c` or `#c.$.field` (a canon stream, optionally through a lens).
    Canon { name: Name, lens: Option<Lens> },
    /// `#%m` (iterates `{"key", "value"}` pairs).
    CanonMap(Name),
    /// `#%m.$.key` (the canon stream of the values under one key).
    CanonMapKey { name: Name, key: Box<Value> },
    /// `$s`: iterates the values present and keeps waiting for new ones.
    Stream(Name),
    /// `%m`: like a stream, over `{"key", "value"}` pairs.
    StreamMap(Name),
}

/// `(new VAR BODY)`.
#[derive(Debug, Clone, PartialEq)]
pub struct New {
    pub var: Variable,
    pub body: Instr,
}

/// A variable of any kind, as named by `new`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Variable {
    Scalar(Name),
    Stream(Name),
    StreamMap(Name),
    Canon(Name),
    CanonMap(Name),
}

/// `(ap SRC DST)` or `(ap (KEY VALUE) %map)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Ap {
    Value { source: Value, target: ApTarget },
    MapInsert { key: Value, value: Value, map: Name },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApTarget {
    Scalar(Name),
    Stream(Name),
}

/// `(canon PEER SOURCE TARGET)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Canon {
    pub peer: Value,
    pub kind: CanonKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanonKind {
    /// `(canon PEER $s #c)`
    Stream { stream: Name, canon: Name },
    /// `(canon PEER %m #%c)`
    Map { map: Name, canon: Name },
    /// `(canon PEER %m scalar)`: the map as one JSON object.
    MapToScalar { map: Name, scalar: Name },
}

/// The forms of `fail`.
#[derive(Debug, Clone, PartialEq)]
pub enum Fail {
    /// `(fail 1 "message")`
    Literal { code: i64, message: String },
    /// `(fail x)` or `(fail x.$.err)`: an error object held in a scalar.
    Scalar { name: Name, lens: Option<Lens> },
    /// `(fail :error:)`: re-raise the error being handled.
    Error,
    /// `(fail %last_error%)`
    LastError,
}

/// A value that an instruction reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Literal(Literal),
    /// `%init_peer_id%`
    InitPeerId,
    /// `%timestamp%`
    Timestamp,
    /// `%ttl%`
    Ttl,
    /// `:error:` or `:error:.$.message`
    Error(Option<Lens>),
    /// `%last_error%` or `%last_error%.$.error_code`
    LastError(Option<Lens>),
    /// `x`, `x.$.a.[0]`
    Scalar {
        name: Name,
        lens: Option<Lens>,
    },
    /// `x.length`
    ScalarLength(Name),
    /// `#c` (the whole frozen stream as an array), `#c.$.[0]`
    Canon {
        name: Name,
        lens: Option<Lens>,
    },
    /// `#c.length`
    CanonLength(Name),
    /// `#%c` (the canon map as a JSON object of arrays), `#%c.$.key`
    CanonMap {
        name: Name,
        lens: Option<Lens>,
    },
    /// `$s` where a whole stream is accepted as a value (reads its current values as an array).
    Stream(Name),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `"text"` (no escapes in AIR).
    String(String),
    /// `42`, `-1`, `1.5`: kept as JSON numbers so `3` and `3.0` stay different.
    Number(serde_json::Number),
    Bool(bool),
    /// `[]`
    EmptyArray,
}

/// A path into a JSON value: `.$.a.[0].[i]` with an optional trailing `!`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lens {
    pub steps: Vec<LensStep>,
    /// The trailing `!` (Aqua's "this must exist" marker; a missing value is an error
    /// with or without it, so it changes nothing at run time and is kept for printing).
    pub bang: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LensStep {
    /// `.field`
    Field(String),
    /// `.[3]`
    Index(u32),
    /// `.[i]`: index (or field, for a string) taken from scalar `i`.
    Var(Name),
}

/// A variable name without its sigil (`$`, `%`, `#`, `#%`): `xs` for `$xs`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(pub Arc<str>);

impl Name {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Self {
        Self(Arc::from(text))
    }
}

impl Instr {
    /// The nested instructions, in source order.
    pub fn children(&self) -> impl Iterator<Item = &Instr> {
        let (first, second) = self.child_pair();
        first.into_iter().chain(second)
    }

    /// The nested instructions as a pair: the first child, then the second
    /// (a fold's LAST); cheaper than [`Instr::children`] in hot tree walks.
    pub(crate) fn child_pair(&self) -> (Option<&Instr>, Option<&Instr>) {
        match &self.kind {
            InstrKind::Seq(pair) | InstrKind::Par(pair) | InstrKind::Xor(pair) => {
                (Some(&pair.0), Some(&pair.1))
            }
            InstrKind::Match(m) => (Some(&m.body), None),
            InstrKind::Fold(fold) => (Some(&fold.body), fold.last.as_ref()),
            InstrKind::New(new) => (Some(&new.body), None),
            InstrKind::Call(_)
            | InstrKind::Next(_)
            | InstrKind::Ap(_)
            | InstrKind::Canon(_)
            | InstrKind::Fail(_)
            | InstrKind::Null
            | InstrKind::Never => (None, None),
        }
    }

    /// Equality ignoring spans: same instructions, operands and node ids.
    /// Walks both trees with an explicit stack, so depth costs no native stack.
    pub fn same_shape(&self, other: &Instr) -> bool {
        let mut stack = vec![(self, other)];
        while let Some((a, b)) = stack.pop() {
            if a.id != b.id || !a.kind.same_head(&b.kind) {
                return false;
            }
            let (mut left, mut right) = (a.children(), b.children());
            loop {
                match (left.next(), right.next()) {
                    (Some(x), Some(y)) => stack.push((x, y)),
                    (None, None) => break,
                    _ => return false,
                }
            }
        }
        true
    }
}

impl InstrKind {
    /// Equality of everything but the nested instructions.
    fn same_head(&self, other: &InstrKind) -> bool {
        use InstrKind as K;
        match (self, other) {
            (K::Call(a), K::Call(b)) => a == b,
            (K::Seq(..), K::Seq(..)) | (K::Par(..), K::Par(..)) | (K::Xor(..), K::Xor(..)) => true,
            (K::Match(a), K::Match(b)) => {
                a.left == b.left && a.right == b.right && a.negated == b.negated
            }
            (K::Fold(a), K::Fold(b)) => {
                a.iterable == b.iterable
                    && a.iterator == b.iterator
                    && a.last.is_some() == b.last.is_some()
            }
            (K::Next(a), K::Next(b)) => a == b,
            (K::New(a), K::New(b)) => a.var == b.var,
            (K::Ap(a), K::Ap(b)) => a == b,
            (K::Canon(a), K::Canon(b)) => a == b,
            (K::Fail(a), K::Fail(b)) => a == b,
            (K::Null, K::Null) | (K::Never, K::Never) => true,
            _ => false,
        }
    }
}

impl Script {
    /// Equality ignoring spans (see [`Instr::same_shape`]).
    pub fn same_shape(&self, other: &Script) -> bool {
        self.node_count == other.node_count && self.root.same_shape(&other.root)
    }
}
