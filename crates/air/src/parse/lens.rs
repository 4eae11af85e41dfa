//! Lenses: the `.$.a.[0].[i]!` paths into a JSON value.

use super::Fault;
use super::operand::is_number;
use super::scanner::Scanner;
use crate::{Lens, LensStep};

impl Scanner<'_> {
    /// An optional lens: `.$` then steps, as AquaVM writes them: `.field`,
    /// `.[0]` or `[0]`, `.[i]` or `[i]`, each optionally followed by `!`.
    /// `!` changes nothing at run time, so one flag records that any was
    /// written; `x.$` alone (no steps) is the whole value.
    pub(crate) fn lens(&mut self) -> Result<Option<Lens>, Fault> {
        if !self.starts_with(".$") {
            return Ok(None);
        }
        self.pos += 2;
        let mut steps = Vec::new();
        let mut bang = false;
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some(b'.'), Some(b'[')) => {
                    self.pos += 2;
                    steps.push(self.bracket_step()?);
                }
                (Some(b'['), _) => {
                    self.pos += 1;
                    steps.push(self.bracket_step()?);
                }
                (Some(b'.'), _) => {
                    self.pos += 1;
                    let field = self.take_name_bytes();
                    if field.is_empty() {
                        return Err(self.expected(self.pos, "a field name after `.` in a lens"));
                    }
                    steps.push(LensStep::Field(field.to_owned()));
                }
                _ => break,
            }
            if self.peek() == Some(b'!') {
                self.pos += 1;
                bang = true;
            }
        }
        // `x.$!` (a bang with no step) is accepted: it is what printing a
        // step-less lens with a bang gives back.
        if self.peek() == Some(b'!') {
            self.pos += 1;
            bang = true;
        }
        Ok(Some(Lens { steps, bang }))
    }

    /// The inside of `.[ ]`, the cursor just after the `[`.
    fn bracket_step(&mut self) -> Result<LensStep, Fault> {
        let start = self.pos;
        let text = self.take_name_bytes();
        let step = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            match text.parse::<u32>() {
                Ok(index) => LensStep::Index(index),
                Err(_) => {
                    return Err(self.error_span(
                        start,
                        self.pos,
                        format!("the index `{text}` is out of range (at most {})", u32::MAX),
                    ));
                }
            }
        } else if !text.is_empty() && !is_number(text) {
            LensStep::Var(self.name(text))
        } else {
            return Err(self.expected(start, "an index or a scalar name inside `.[ ]`"));
        };
        if self.peek() != Some(b']') {
            return Err(self.expected(self.pos, "`]` to close the lens index"));
        }
        self.pos += 1;
        Ok(step)
    }
}
