//! Operands: everything an instruction takes that is not an instruction.
//!
//! One routine reads any operand (a value, or a `%map` which is not a value);
//! each position then checks that what it got fits there, so every position
//! can say precisely what it expected.

use serde_json::Number;

use super::Fault;
use super::scanner::{Scanner, is_delimiter, is_name_byte};
use crate::{Lens, Literal, Name, Value};

/// An operand as written, before its position decides whether it fits.
#[derive(Debug)]
pub(crate) enum Operand {
    Value(Value),
    /// `%m`: only a fold iterable, a canon source, a `new` variable or an `ap` target.
    StreamMap(Name),
}

/// An operand with its byte range.
#[derive(Debug)]
pub(crate) struct Spanned {
    pub(crate) operand: Operand,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Whether `text` reads as a number (and so cannot be a name).
pub(crate) fn is_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (len, _) = number_len(bytes);
    len > 0 && len == bytes.len()
}

/// Length of the number at the start of `bytes` (0 if none) and whether it is
/// a float (has a fraction or an exponent).
fn number_len(bytes: &[u8]) -> (usize, bool) {
    let digits_from = |mut i: usize| {
        let from = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i, i > from)
    };
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    let (after_int, has_int) = digits_from(i);
    if !has_int {
        return (0, false);
    }
    i = after_int;
    let mut float = false;
    if bytes.get(i) == Some(&b'.') {
        let (after, has) = digits_from(i + 1);
        if has {
            i = after;
            float = true;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(i + 1), Some(b'+' | b'-')));
        let (after, has) = digits_from(i + 1 + sign);
        if has {
            i = after;
            float = true;
        }
    }
    (i, float)
}

impl Scanner<'_> {
    /// Reads one operand; `what` names what this position expects, for errors.
    pub(crate) fn operand(&mut self, what: &str) -> Result<Spanned, Fault> {
        self.skip_ws();
        let start = self.pos;
        let operand = match self.peek() {
            Some(b'"') => Operand::Value(Value::Literal(Literal::String(self.string()?))),
            Some(b'[') => {
                self.pos += 1;
                self.skip_ws();
                if self.peek() != Some(b']') {
                    return Err(self.expected(
                        self.pos,
                        "`]`: the only array literal in AIR is the empty array `[]`",
                    ));
                }
                self.pos += 1;
                Operand::Value(Value::Literal(Literal::EmptyArray))
            }
            Some(b'$') => {
                self.pos += 1;
                let name = self.sigil_name("$", "a stream name")?;
                if self.peek() == Some(b'.') {
                    return Err(self.error_at(
                        self.pos,
                        format!(
                            "a stream has no lens or `.length`: freeze `${name}` with `canon` and read the canon stream"
                        ),
                    ));
                }
                Operand::Value(Value::Stream(name))
            }
            Some(b'#') => self.canon()?,
            Some(b'%') => self.percent()?,
            Some(b':') => {
                if !self.starts_with(":error:") {
                    return Err(self.expected(start, "`:error:`"));
                }
                self.pos += ":error:".len();
                self.no_length(":error:")?;
                Operand::Value(Value::Error(self.lens()?))
            }
            Some(b) if is_name_byte(b) => self.number_or_scalar()?,
            _ => return Err(self.expected(start, what)),
        };
        if let Some(b) = self.peek()
            && !is_delimiter(b)
        {
            let found = self.describe(self.pos);
            let value = &self.src[start..self.pos];
            return Err(self.error_at(
                self.pos,
                format!(
                    "unexpected {found} after `{value}`: a value ends at whitespace, a bracket, a quote or a comment"
                ),
            ));
        }
        Ok(Spanned {
            operand,
            start,
            end: self.pos,
        })
    }

    /// A string literal; the cursor is on the opening quote.
    pub(crate) fn string(&mut self) -> Result<String, Fault> {
        let start = self.pos;
        let body = &self.src[start + 1..];
        match body.find('"') {
            Some(len) => {
                self.pos = start + 1 + len + 1;
                Ok(body[..len].to_owned())
            }
            None => Err(self.error_span(
                start,
                start + 1,
                "unclosed string: expected a closing `\"` (AIR strings have no escapes)".to_owned(),
            )),
        }
    }

    /// A name after a sigil such as `$`; `what` is e.g. "a stream name".
    pub(crate) fn sigil_name(&mut self, sigil: &str, what: &str) -> Result<Name, Fault> {
        let text = self.take_name_bytes();
        if text.is_empty() {
            return Err(self.expected(self.pos, &format!("{what} after `{sigil}`")));
        }
        Ok(self.name(text))
    }

    /// `#c`, `#$c`, `#c.length`, `#c.$...`, `#%c`, `#%c.$...`.
    fn canon(&mut self) -> Result<Operand, Fault> {
        self.pos += 1;
        if self.peek() == Some(b'%') {
            self.pos += 1;
            let name = self.sigil_name("#%", "a canon map name")?;
            return Ok(Operand::Value(Value::CanonMap {
                name,
                lens: self.lens()?,
            }));
        }
        // `#$c` is a canon name of its own; the `$` is kept as part of the name.
        let name_start = self.pos;
        if self.peek() == Some(b'$') {
            self.pos += 1;
        }
        if self.take_name_bytes().is_empty() {
            return Err(self.expected(self.pos, "a canon stream name after `#`"));
        }
        let name = self.name(&self.src[name_start..self.pos]);
        Ok(Operand::Value(match self.suffix(&name)? {
            Suffix::Length => Value::CanonLength(name),
            Suffix::Lens(lens) => Value::Canon { name, lens },
        }))
    }

    /// `%init_peer_id%`, `%timestamp%`, `%ttl%`, `%last_error%...` or a `%map`.
    fn percent(&mut self) -> Result<Operand, Fault> {
        let start = self.pos;
        for (text, value) in [
            ("%init_peer_id%", Value::InitPeerId),
            ("%timestamp%", Value::Timestamp),
            ("%ttl%", Value::Ttl),
        ] {
            if self.starts_with(text) {
                self.pos += text.len();
                return Ok(Operand::Value(value));
            }
        }
        if self.starts_with("%last_error%") {
            self.pos += "%last_error%".len();
            self.no_length("%last_error%")?;
            return Ok(Operand::Value(Value::LastError(self.lens()?)));
        }
        self.pos += 1;
        let name = self.sigil_name("%", "a stream map name")?;
        if self.peek() == Some(b'%') {
            return Err(self.error_span(
                start,
                self.pos + 1,
                format!(
                    "unknown particle parameter `%{name}%`: expected %init_peer_id%, %timestamp%, %ttl% or %last_error%"
                ),
            ));
        }
        if self.peek() == Some(b'.') {
            return Err(self.error_at(
                self.pos,
                format!(
                    "a stream map has no lens or `.length`: freeze `%{name}` with `canon` into a `#%` canon map first"
                ),
            ));
        }
        Ok(Operand::StreamMap(name))
    }

    /// A number, `true`/`false`, or a scalar with its lens or `.length`.
    fn number_or_scalar(&mut self) -> Result<Operand, Fault> {
        let start = self.pos;
        let bytes = &self.src.as_bytes()[start..];
        let (len, float) = number_len(bytes);
        // `-1` is a number, `-if-error-` and `1a` are names.
        if len > 0 && !bytes.get(len).is_some_and(|&b| is_name_byte(b)) {
            self.pos += len;
            let text = &self.src[start..self.pos];
            let number = if float {
                text.parse::<f64>().ok().and_then(Number::from_f64)
            } else {
                text.parse::<i64>()
                    .map(Number::from)
                    .or_else(|_| text.parse::<u64>().map(Number::from))
                    .ok()
            };
            return match number {
                Some(n) => Ok(Operand::Value(Value::Literal(Literal::Number(n)))),
                None => Err(self.error_span(
                    start,
                    self.pos,
                    format!("the number `{text}` is out of range"),
                )),
            };
        }
        let text = self.take_name_bytes();
        match text {
            "true" => return Ok(Operand::Value(Value::Literal(Literal::Bool(true)))),
            "false" => return Ok(Operand::Value(Value::Literal(Literal::Bool(false)))),
            _ => {}
        }
        let name = self.name(text);
        Ok(Operand::Value(match self.suffix(&name)? {
            Suffix::Length => Value::ScalarLength(name),
            Suffix::Lens(lens) => Value::Scalar { name, lens },
        }))
    }

    /// An error object is not an array: `.length` on it is rejected here
    /// (AquaVM parses it and fails every run with error 10010).
    fn no_length(&self, what: &str) -> Result<(), Fault> {
        if self.starts_with(".length") {
            return Err(self.error_span(
                self.pos,
                self.pos + ".length".len(),
                format!(
                    "`.length` applies to arrays and canon streams, not to `{what}`, which is an error object"
                ),
            ));
        }
        Ok(())
    }

    fn suffix(&mut self, name: &Name) -> Result<Suffix, Fault> {
        if self.starts_with(".length") && self.peek_at(7).is_none_or(is_delimiter) {
            self.pos += ".length".len();
            return Ok(Suffix::Length);
        }
        if self.peek() == Some(b'.') && !self.starts_with(".$") {
            return Err(self.expected(
                self.pos,
                &format!("a lens (`.$.field`, `.$.[0]`) or `.length` after `{name}`"),
            ));
        }
        Ok(Suffix::Lens(self.lens()?))
    }
}

enum Suffix {
    Length,
    Lens(Option<Lens>),
}
