//! The heads of the instructions: what follows the keyword, before children.
//!
//! Each position reads a generic operand and checks that it fits, so the
//! error names the position ("a call output must be ...") and what was found.

use super::Fault;
use super::instr::{Opened, PLACEHOLDER, Parser, Pending};
use super::keyword::Keyword;
use super::operand::Operand;
use crate::{
    Ap, ApTarget, Call, CallOutput, Canon, CanonKind, Fail, Fold, InstrKind, Iterable, Lens,
    LensStep, Literal, Match, Name, New, Value, Variable,
};

impl Parser<'_> {
    pub(super) fn head(&mut self, keyword: Keyword) -> Result<Opened, Fault> {
        Ok(match keyword {
            Keyword::Call => Opened::Leaf(InstrKind::Call(Box::new(self.call()?))),
            Keyword::Seq | Keyword::Par | Keyword::Xor => Opened::Compound(Pending::Pair(keyword)),
            Keyword::Match | Keyword::Mismatch => {
                let negated = matches!(keyword, Keyword::Mismatch);
                let (left, right) = if negated {
                    (
                        "the left value of `mismatch`",
                        "the right value of `mismatch`",
                    )
                } else {
                    ("the left value of `match`", "the right value of `match`")
                };
                let (left, right) = (self.value(left)?, self.value(right)?);
                Opened::Compound(Pending::Match(Box::new(Match {
                    left,
                    right,
                    negated,
                    body: PLACEHOLDER,
                })))
            }
            Keyword::Fold => {
                let iterable = self.iterable()?;
                let iterator = self.scalar_name("the iterator of `fold`")?;
                Opened::Compound(Pending::Fold(Box::new(Fold {
                    iterable,
                    iterator,
                    body: PLACEHOLDER,
                    last: None,
                })))
            }
            Keyword::Next => Opened::Leaf(InstrKind::Next(
                self.scalar_name("the fold iterator of `next`")?,
            )),
            Keyword::New => Opened::Compound(Pending::New(Box::new(New {
                var: self.variable()?,
                body: PLACEHOLDER,
            }))),
            Keyword::Ap => Opened::Leaf(InstrKind::Ap(Box::new(self.ap()?))),
            Keyword::Canon => Opened::Leaf(InstrKind::Canon(Box::new(self.canon()?))),
            Keyword::Fail => Opened::Leaf(InstrKind::Fail(Box::new(self.fail()?))),
            Keyword::Null => Opened::Leaf(InstrKind::Null),
            Keyword::Never => Opened::Leaf(InstrKind::Never),
        })
    }

    /// The source text of an operand, quoted for a message.
    fn quote(&self, start: usize, end: usize) -> String {
        let text = &self.s.src[start..end];
        match text.char_indices().nth(40) {
            Some((cut, _)) => format!("`{}...`", &text[..cut]),
            None => format!("`{text}`"),
        }
    }

    fn mismatch(&self, (start, end): (usize, usize), what: &str) -> Fault {
        let found = self.quote(start, end);
        self.s
            .error_span(start, end, format!("{what}, found {found}"))
    }

    fn value(&mut self, what: &str) -> Result<Value, Fault> {
        let spanned = self.s.operand(what)?;
        match spanned.operand {
            Operand::Value(value) => Ok(value),
            Operand::StreamMap(_) => {
                let found = self.quote(spanned.start, spanned.end);
                Err(self.s.error_span(
                    spanned.start,
                    spanned.end,
                    format!(
                        "expected {what}, found the stream map {found}, which is not a value: freeze it with `canon` into a #%canon map first"
                    ),
                ))
            }
        }
    }

    /// A bare scalar name, as defined by `fold`, `next` or a call output.
    fn scalar_name(&mut self, what: &str) -> Result<Name, Fault> {
        let spanned = self.s.operand(what)?;
        match spanned.operand {
            Operand::Value(Value::Scalar { name, lens: None }) => Ok(name),
            _ => Err(self.mismatch(
                (spanned.start, spanned.end),
                &format!("{what} must be a scalar name"),
            )),
        }
    }

    fn expect_byte(&mut self, byte: u8, what: &str) -> Result<(), Fault> {
        self.s.skip_ws();
        if self.s.peek() != Some(byte) {
            return Err(self.s.expected(self.s.pos, what));
        }
        self.s.pos += 1;
        Ok(())
    }

    fn call(&mut self) -> Result<Call, Fault> {
        let peer = self.value("the peer of `call`")?;
        self.expect_byte(b'(', "`(` to start the (SERVICE FUNCTION) pair of `call`")?;
        let service = self.value("the service of `call`")?;
        let function = self.value("the function of `call`")?;
        self.expect_byte(b')', "`)` to close the (SERVICE FUNCTION) pair of `call`")?;
        self.expect_byte(b'[', "`[` to start the arguments of `call`")?;
        let mut args = Vec::new();
        loop {
            self.s.skip_ws();
            if self.s.peek() == Some(b']') {
                self.s.pos += 1;
                break;
            }
            args.push(self.value("an argument of `call` or `]` to close the arguments")?);
        }
        self.s.skip_ws();
        if self.s.peek() == Some(b')') {
            return Ok(Call {
                peer,
                service,
                function,
                args,
                output: CallOutput::None,
            });
        }
        let spanned = self.s.operand("the output of `call` or `)`")?;
        let output = match spanned.operand {
            Operand::Value(Value::Scalar { name, lens: None }) => CallOutput::Scalar(name),
            Operand::Value(Value::Stream(name)) => CallOutput::Stream(name),
            _ => {
                return Err(self.mismatch(
                    (spanned.start, spanned.end),
                    "a call output must be a scalar or a $stream",
                ));
            }
        };
        Ok(Call {
            peer,
            service,
            function,
            args,
            output,
        })
    }

    fn iterable(&mut self) -> Result<Iterable, Fault> {
        let what =
            "the iterable of `fold` ([], a scalar, a #canon, a #%canon map, a $stream or a %map)";
        let spanned = self.s.operand(what)?;
        let at = (spanned.start, spanned.end);
        Ok(match spanned.operand {
            Operand::Value(Value::Literal(Literal::EmptyArray)) => Iterable::EmptyArray,
            Operand::Value(Value::Scalar { name, lens }) => Iterable::Scalar { name, lens },
            Operand::Value(Value::Canon { name, lens }) => Iterable::Canon { name, lens },
            Operand::Value(Value::CanonMap { name, lens: None }) => Iterable::CanonMap(name),
            Operand::Value(Value::CanonMap {
                name,
                lens: Some(lens),
            }) => match map_key(&lens) {
                Some(key) => Iterable::CanonMapKey {
                    name,
                    key: Box::new(key),
                },
                None => {
                    return Err(self.mismatch(
                        (spanned.start, spanned.end),
                        "a fold over a canon map key takes one key: `#%m.$.key`, `#%m.$.[0]` or `#%m.$.[k]`",
                    ));
                }
            },
            Operand::Value(Value::Stream(name)) => Iterable::Stream(name),
            Operand::StreamMap(name) => Iterable::StreamMap(name),
            Operand::Value(_) => {
                return Err(self.mismatch(
                    at,
                    &format!("a fold iterates over an array: expected {what}"),
                ));
            }
        })
    }

    fn variable(&mut self) -> Result<Variable, Fault> {
        let what = "the variable of `new` (a scalar, $stream, %map, #canon or #%canon map name)";
        let spanned = self.s.operand(what)?;
        Ok(match spanned.operand {
            Operand::Value(Value::Scalar { name, lens: None }) => Variable::Scalar(name),
            Operand::Value(Value::Stream(name)) => Variable::Stream(name),
            Operand::StreamMap(name) => Variable::StreamMap(name),
            Operand::Value(Value::Canon { name, lens: None }) => Variable::Canon(name),
            Operand::Value(Value::CanonMap { name, lens: None }) => Variable::CanonMap(name),
            _ => {
                return Err(
                    self.mismatch((spanned.start, spanned.end), &format!("expected {what}"))
                );
            }
        })
    }

    fn ap(&mut self) -> Result<Ap, Fault> {
        self.s.skip_ws();
        if self.s.peek() == Some(b'(') {
            self.s.pos += 1;
            let key = self.value("the key of the (KEY VALUE) pair of `ap`")?;
            let value = self.value("the value of the (KEY VALUE) pair of `ap`")?;
            self.expect_byte(b')', "`)` to close the (KEY VALUE) pair of `ap`")?;
            let spanned = self.s.operand("the %map target of `ap`")?;
            return match spanned.operand {
                Operand::StreamMap(map) => Ok(Ap::MapInsert { key, value, map }),
                _ => Err(self.mismatch(
                    (spanned.start, spanned.end),
                    "`ap` of a (KEY VALUE) pair needs a %map target",
                )),
            };
        }
        let source = self.value("the source value of `ap`")?;
        let spanned = self
            .s
            .operand("the target of `ap` (a scalar or a $stream)")?;
        let target = match spanned.operand {
            Operand::Value(Value::Scalar { name, lens: None }) => ApTarget::Scalar(name),
            Operand::Value(Value::Stream(name)) => ApTarget::Stream(name),
            Operand::StreamMap(_) => {
                return Err(self.mismatch(
                    (spanned.start, spanned.end),
                    "`ap` into a %map takes a (KEY VALUE) pair: `(ap (\"key\" value) %m)`",
                ));
            }
            Operand::Value(_) => {
                return Err(self.mismatch(
                    (spanned.start, spanned.end),
                    "the target of `ap` must be a scalar or a $stream",
                ));
            }
        };
        Ok(Ap::Value { source, target })
    }

    fn canon(&mut self) -> Result<Canon, Fault> {
        let peer = self.value("the peer of `canon`")?;
        let source = self
            .s
            .operand("the source of `canon` (a $stream or a %map)")?;
        let target = self.s.operand("the target of `canon`")?;
        let (source_at, target_at) = ((source.start, source.end), (target.start, target.end));
        let kind = match (source.operand, target.operand) {
            (
                Operand::Value(Value::Stream(stream)),
                Operand::Value(Value::Canon { name, lens: None }),
            ) => CanonKind::Stream {
                stream,
                canon: name,
            },
            (Operand::Value(Value::Stream(_)), _) => {
                return Err(self.mismatch(target_at, "`canon` of a $stream needs a #canon target"));
            }
            (Operand::StreamMap(map), Operand::Value(Value::CanonMap { name, lens: None })) => {
                CanonKind::Map { map, canon: name }
            }
            (Operand::StreamMap(map), Operand::Value(Value::Scalar { name, lens: None })) => {
                CanonKind::MapToScalar { map, scalar: name }
            }
            (Operand::StreamMap(_), _) => {
                return Err(self.mismatch(
                    target_at,
                    "`canon` of a %map needs a #%canon map or a scalar target",
                ));
            }
            (Operand::Value(_), _) => {
                return Err(self.mismatch(
                    source_at,
                    "the source of `canon` must be a $stream or a %map",
                ));
            }
        };
        Ok(Canon { peer, kind })
    }

    fn fail(&mut self) -> Result<Fail, Fault> {
        let what = "the error of `fail`: CODE \"message\", a scalar, :error: or %last_error%";
        let spanned = self.s.operand(what)?;
        Ok(match spanned.operand {
            Operand::Value(Value::Literal(Literal::Number(ref number))) => {
                let Some(code) = number.as_i64() else {
                    return Err(self.mismatch(
                        (spanned.start, spanned.end),
                        "the code of `fail` must be an integer",
                    ));
                };
                self.s.skip_ws();
                if self.s.peek() != Some(b'"') {
                    return Err(self
                        .s
                        .expected(self.s.pos, "the message of `fail`, a string literal"));
                }
                let message = self.s.string()?;
                Fail::Literal { code, message }
            }
            Operand::Value(Value::Scalar { name, lens }) => Fail::Scalar { name, lens },
            Operand::Value(Value::Error(None)) => Fail::Error,
            Operand::Value(Value::LastError(None)) => Fail::LastError,
            _ => {
                return Err(
                    self.mismatch((spanned.start, spanned.end), &format!("expected {what}"))
                );
            }
        })
    }
}

/// The key of `#%m.$.key`: a single lens step read as a value.
fn map_key(lens: &Lens) -> Option<Value> {
    match lens.steps.as_slice() {
        [LensStep::Field(key)] => Some(Value::Literal(Literal::String(key.clone()))),
        [LensStep::Index(index)] => Some(Value::Literal(Literal::Number((*index).into()))),
        [LensStep::Var(name)] => Some(Value::Scalar {
            name: name.clone(),
            lens: None,
        }),
        _ => None,
    }
}
