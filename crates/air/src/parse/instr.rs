//! The instruction layer: an explicit stack of open compound instructions.
//!
//! Each `(` opens an instruction. A leaf (call, ap, ...) is read whole; a
//! compound one (seq, fold, ...) reads its head (values, names) and is pushed
//! as a [`Frame`] waiting for its children. A finished instruction is handed
//! to the frame on top of the stack, which either waits for more children or
//! is itself finished and handed further up.

use super::Fault;
use super::error::line_col;
use super::keyword::{KEYWORDS, Keyword};
use super::scanner::Scanner;
use crate::{Fold, Instr, InstrKind, Match, New, NodeId, Script, Span};

/// What an open compound instruction has read so far. The node is allocated
/// when its head is read, with a placeholder where the children go, so
/// finishing it moves no more than a pointer.
pub(crate) enum Pending {
    Pair(Keyword),
    PairSecond(Keyword, Instr),
    Match(Box<Match>),
    Fold(Box<Fold>),
    FoldLast(Box<Fold>),
    New(Box<New>),
}

/// Stands in for a child not read yet.
pub(crate) const PLACEHOLDER: Instr = Instr {
    id: NodeId(0),
    span: Span { start: 0, end: 0 },
    kind: InstrKind::Null,
};

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
                let pair = Box::new((first, child));
                Step::Done(match keyword {
                    Keyword::Par => InstrKind::Par(pair),
                    Keyword::Xor => InstrKind::Xor(pair),
                    _ => InstrKind::Seq(pair),
                })
            }
            Self::Match(mut m) => {
                m.body = child;
                Step::Done(InstrKind::Match(m))
            }
            Self::Fold(mut fold) => {
                fold.body = child;
                Step::MaybeLast(fold)
            }
            Self::FoldLast(mut fold) => {
                fold.last = Some(child);
                Step::Done(InstrKind::Fold(fold))
            }
            Self::New(mut new) => {
                new.body = child;
                Step::Done(InstrKind::New(new))
            }
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

    pub(crate) fn script(mut self) -> Result<Script, Fault> {
        // Some editors start files with a byte-order mark; spans still count it.
        if self.s.src.starts_with('\u{feff}') {
            self.s.pos = '\u{feff}'.len_utf8();
        }
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
                // A pair's first child is stored in place: no pop and push.
                match self.stack.last_mut() {
                    None => return self.finish(done),
                    Some(top) => {
                        if let Pending::Pair(keyword) = top.pending {
                            top.pending = Pending::PairSecond(keyword, done);
                            continue 'parse;
                        }
                    }
                }
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
    fn open(&mut self) -> Result<(NodeId, usize, Keyword, Opened), Fault> {
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
        let Some(keyword) = self.s.keyword() else {
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
    #[inline]
    fn close(&mut self, keyword: Keyword, start: usize) -> Result<usize, Fault> {
        self.s.skip_ws();
        if self.s.peek() == Some(b')') {
            self.s.pos += 1;
            return Ok(self.s.pos);
        }
        Err(self.unclosed(keyword, start))
    }

    #[cold]
    fn unclosed(&self, keyword: Keyword, start: usize) -> Fault {
        let (line, column) = line_col(self.s.src, start);
        self.s.expected(
            self.s.pos,
            &format!(
                "`)` to close `({}` opened at line {line}, column {column}",
                keyword.text()
            ),
        )
    }

    fn finish(mut self, root: Instr) -> Result<Script, Fault> {
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
