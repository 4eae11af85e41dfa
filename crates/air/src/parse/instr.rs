//! The instruction layer: an explicit stack of open compound instructions.
//!
//! Each `(` opens an instruction. A leaf (call, ap, ...) is read whole; a
//! compound one (seq, fold, ...) reads its head (values, names) and is pushed
//! as a [`Frame`] waiting for its children. A finished instruction is handed
//! to the frame on top of the stack, which either waits for more children or
//! is itself finished and handed further up.

use super::ParseError;
use super::error::line_col;
use super::scanner::Scanner;
use crate::{
    Fold, Instr, InstrKind, Iterable, Match, Name, New, NodeId, Script, Span, Value, Variable,
};

pub(crate) const KEYWORDS: &str =
    "call, seq, par, xor, match, mismatch, fold, next, new, ap, canon, fail, null, never";

#[derive(Debug, Clone, Copy)]
pub(crate) enum Keyword {
    Call,
    Seq,
    Par,
    Xor,
    Match,
    Mismatch,
    Fold,
    Next,
    New,
    Ap,
    Canon,
    Fail,
    Null,
    Never,
}

impl Keyword {
    fn from_text(text: &str) -> Option<Self> {
        Some(match text {
            "call" => Self::Call,
            "seq" => Self::Seq,
            "par" => Self::Par,
            "xor" => Self::Xor,
            "match" => Self::Match,
            "mismatch" => Self::Mismatch,
            "fold" => Self::Fold,
            "next" => Self::Next,
            "new" => Self::New,
            "ap" => Self::Ap,
            "canon" => Self::Canon,
            "fail" => Self::Fail,
            "null" => Self::Null,
            "never" => Self::Never,
            _ => return None,
        })
    }

    pub(crate) fn text(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Seq => "seq",
            Self::Par => "par",
            Self::Xor => "xor",
            Self::Match => "match",
            Self::Mismatch => "mismatch",
            Self::Fold => "fold",
            Self::Next => "next",
            Self::New => "new",
            Self::Ap => "ap",
            Self::Canon => "canon",
            Self::Fail => "fail",
            Self::Null => "null",
            Self::Never => "never",
        }
    }
}

/// What an open compound instruction has read so far.
pub(crate) enum Pending {
    Pair(Keyword),
    PairSecond(Keyword, Instr),
    Match(Value, Value, bool),
    Fold(Iterable, Name),
    FoldLast(Box<Fold>),
    New(Variable),
}

enum Step {
    Wait(Pending),
    /// A fold with its body: a second child (LAST) may follow.
    MaybeLast(Box<Fold>),
    Done(InstrKind),
}

impl Pending {
    fn accept(self, child: Instr) -> Step {
        match self {
            Self::Pair(keyword) => Step::Wait(Self::PairSecond(keyword, child)),
            Self::PairSecond(keyword, first) => {
                let (a, b) = (Box::new(first), Box::new(child));
                Step::Done(match keyword {
                    Keyword::Par => InstrKind::Par(a, b),
                    Keyword::Xor => InstrKind::Xor(a, b),
                    _ => InstrKind::Seq(a, b),
                })
            }
            Self::Match(left, right, negated) => Step::Done(InstrKind::Match(Box::new(Match {
                left,
                right,
                negated,
                body: child,
            }))),
            Self::Fold(iterable, iterator) => Step::MaybeLast(Box::new(Fold {
                iterable,
                iterator,
                body: child,
                last: None,
            })),
            Self::FoldLast(mut fold) => {
                fold.last = Some(child);
                Step::Done(InstrKind::Fold(fold))
            }
            Self::New(var) => Step::Done(InstrKind::New(Box::new(New { var, body: child }))),
        }
    }
}

struct Frame {
    id: NodeId,
    start: usize,
    keyword: Keyword,
    pending: Pending,
}

/// What reading an instruction's head produced.
pub(crate) enum Opened {
    Leaf(InstrKind),
    Compound(Pending),
}

pub(crate) struct Parser<'s> {
    pub(crate) s: Scanner<'s>,
    max_depth: usize,
    next_id: u32,
    stack: Vec<Frame>,
}

impl<'s> Parser<'s> {
    pub(crate) fn new(source: &'s str, max_depth: usize) -> Self {
        Self {
            s: Scanner::new(source),
            max_depth,
            next_id: 0,
            stack: Vec::new(),
        }
    }

    pub(crate) fn script(mut self) -> Result<Script, ParseError> {
        'parse: loop {
            let (id, start, keyword, opened) = self.open()?;
            let mut done = match opened {
                Opened::Leaf(kind) => {
                    let end = self.close(keyword, start)?;
                    instr(id, start, end, kind)
                }
                Opened::Compound(pending) => {
                    self.stack.push(Frame {
                        id,
                        start,
                        keyword,
                        pending,
                    });
                    continue 'parse;
                }
            };
            loop {
                let Some(frame) = self.stack.pop() else {
                    return self.finish(done);
                };
                let Frame {
                    id,
                    start,
                    keyword,
                    pending,
                } = frame;
                let kind = match pending.accept(done) {
                    Step::Wait(pending) => {
                        self.stack.push(Frame {
                            id,
                            start,
                            keyword,
                            pending,
                        });
                        continue 'parse;
                    }
                    Step::MaybeLast(fold) => {
                        self.s.skip_ws();
                        if self.s.peek() == Some(b'(') {
                            self.stack.push(Frame {
                                id,
                                start,
                                keyword,
                                pending: Pending::FoldLast(fold),
                            });
                            continue 'parse;
                        }
                        InstrKind::Fold(fold)
                    }
                    Step::Done(kind) => kind,
                };
                let end = self.close(keyword, start)?;
                done = instr(id, start, end, kind);
            }
        }
    }

    /// Reads `(keyword head...`, leaving the cursor before the children or the `)`.
    fn open(&mut self) -> Result<(NodeId, usize, Keyword, Opened), ParseError> {
        self.s.skip_ws();
        let start = self.s.pos;
        if self.s.peek() != Some(b'(') {
            return Err(match self.stack.last() {
                Some(frame) => {
                    let (line, column) = line_col(self.s.src, frame.start);
                    self.s.expected(
                        start,
                        &format!(
                            "an instruction inside `({}` opened at line {line}, column {column}",
                            frame.keyword.text()
                        ),
                    )
                }
                None => self.s.expected(start, "an instruction starting with `(`"),
            });
        }
        if self.stack.len() >= self.max_depth {
            return Err(self.s.error_span(
                start,
                start + 1,
                format!(
                    "the script nests deeper than the limit of {} instructions",
                    self.max_depth
                ),
            ));
        }
        self.s.pos += 1;
        self.s.skip_ws();
        let keyword_start = self.s.pos;
        let text = self.s.take_name_bytes();
        let Some(keyword) = Keyword::from_text(text) else {
            return Err(self.s.expected(
                keyword_start,
                &format!("an instruction keyword ({KEYWORDS})"),
            ));
        };
        let id = NodeId(self.next_id);
        self.next_id = self.next_id.checked_add(1).ok_or_else(|| {
            self.s
                .error_at(start, "the script has too many instructions".to_owned())
        })?;
        let opened = self.head(keyword)?;
        Ok((id, start, keyword, opened))
    }

    /// Reads the `)` that closes the instruction opened at `start`.
    fn close(&mut self, keyword: Keyword, start: usize) -> Result<usize, ParseError> {
        self.s.skip_ws();
        if self.s.peek() == Some(b')') {
            self.s.pos += 1;
            return Ok(self.s.pos);
        }
        let (line, column) = line_col(self.s.src, start);
        Err(self.s.expected(
            self.s.pos,
            &format!(
                "`)` to close `({}` opened at line {line}, column {column}",
                keyword.text()
            ),
        ))
    }

    fn finish(mut self, root: Instr) -> Result<Script, ParseError> {
        self.s.skip_ws();
        if !self.s.at_end() {
            return Err(self.s.expected(
                self.s.pos,
                "the end of the script after the root instruction",
            ));
        }
        Ok(Script {
            root,
            node_count: self.next_id,
        })
    }
}

fn instr(id: NodeId, start: usize, end: usize, kind: InstrKind) -> Instr {
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Instr {
        id,
        span: Span {
            start: to_u32(start),
            end: to_u32(end),
        },
        kind,
    }
}
