//! A cursor over the script's bytes: whitespace, comments, names and the
//! "what did we find here" text that error messages quote.

use std::sync::Arc;

use crate::Name;

use super::keyword::Keyword;
use super::{Fault, ParseError};

pub(crate) struct Scanner<'s> {
    pub(crate) src: &'s str,
    bytes: &'s [u8],
    pub(crate) pos: usize,
    /// One shared buffer per distinct name: a script repeats few names many times.
    names: crate::data::FastMap<&'s str, Arc<str>>,
}

const EIGHT_SPACES: u64 = u64::from_ne_bytes([b' '; 8]);

const NAME: u8 = 1;
const DELIMITER: u8 = 2;

/// Byte classes, looked up instead of compared: names are most of a script.
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
            table[b] = NAME;
        }
        if matches!(
            c,
            b' ' | b'\t' | b'\r' | b'\n' | b'(' | b')' | b'[' | b']' | b'"' | b';'
        ) {
            table[b] = DELIMITER;
        }
        b += 1;
    }
    table
};

/// Bytes that may appear in a name or a lens field: `[A-Za-z0-9_-]`.
pub(crate) fn is_name_byte(b: u8) -> bool {
    CLASS[b as usize] == NAME
}

/// Bytes that end a value: whitespace, brackets, a quote or a comment.
pub(crate) fn is_delimiter(b: u8) -> bool {
    CLASS[b as usize] == DELIMITER
}

impl<'s> Scanner<'s> {
    pub(crate) fn new(src: &'s str) -> Self {
        Self {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            names: Default::default(),
        }
    }

    /// The name `text`, sharing its buffer with earlier occurrences.
    pub(crate) fn name(&mut self, text: &'s str) -> Name {
        Name(
            self.names
                .entry(text)
                .or_insert_with(|| Arc::from(text))
                .clone(),
        )
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub(crate) fn peek_at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    pub(crate) fn starts_with(&self, text: &str) -> bool {
        self.bytes[self.pos..].starts_with(text.as_bytes())
    }

    /// Skips whitespace and `;` comments.
    pub(crate) fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b' ' => {
                    // Indentation comes in runs: skip eight spaces at a time.
                    while let Some(chunk) = self.bytes.get(self.pos..self.pos + 8) {
                        match <[u8; 8]>::try_from(chunk) {
                            Ok(word) if u64::from_ne_bytes(word) == EIGHT_SPACES => self.pos += 8,
                            _ => break,
                        }
                    }
                    while self.bytes.get(self.pos) == Some(&b' ') {
                        self.pos += 1;
                    }
                }
                b'\t' | b'\r' | b'\n' => self.pos += 1,
                b';' => {
                    self.pos = memchr_newline(&self.bytes[self.pos..])
                        .map_or(self.bytes.len(), |i| self.pos + i);
                }
                _ => break,
            }
        }
    }

    /// Consumes a run of name bytes and returns it (possibly empty).
    pub(crate) fn take_name_bytes(&mut self) -> &'s str {
        let start = self.pos;
        let len = self.bytes[start..]
            .iter()
            .position(|&b| !is_name_byte(b))
            .unwrap_or(self.bytes.len() - start);
        self.pos = start + len;
        &self.src[start..self.pos]
    }

    /// Consumes a run of name bytes and reads it as an instruction keyword.
    /// Keywords are most of what a script's structure is made of: this reads
    /// the next 8 bytes as one word instead of going through a `&str`.
    #[inline]
    pub(crate) fn keyword(&mut self) -> Option<Keyword> {
        let start = self.pos;
        let Some(word) = self.bytes.get(start..start + 8) else {
            let text = self.take_name_bytes();
            return Keyword::from_bytes(text.as_bytes());
        };
        let mut len = 0;
        while len < 8 && is_name_byte(word[len]) {
            len += 1;
        }
        if len == 8 {
            // Nine name bytes or more are no keyword; eight is `mismatch`.
            let text = self.take_name_bytes();
            return Keyword::from_bytes(text.as_bytes());
        }
        self.pos = start + len;
        let word = u64::from_le_bytes(word.try_into().ok()?);
        // `len` is below 8 here, so the shift is in range.
        Keyword::from_packed(word & ((1u64 << (8 * len)) - 1))
    }

    /// The end of the token starting at `start`: a whole string literal, or up
    /// to the next delimiter but at least one char (so a stray `)` is quoted).
    pub(crate) fn token_end(&self, start: usize) -> usize {
        if self.bytes.get(start) == Some(&b'"') {
            // A string is one token, not cut at its opening quote.
            return self.src[start + 1..]
                .find('"')
                .map_or(self.src.len(), |len| start + len + 2);
        }
        let rest = &self.bytes[start.min(self.bytes.len())..];
        let len = rest
            .iter()
            .position(|&b| is_delimiter(b))
            .unwrap_or(rest.len());
        if len > 0 {
            return start + len;
        }
        self.src[start.min(self.src.len())..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8())
    }

    /// How the token at `start` is quoted in a message: `` `foo` `` or "the end of the script".
    pub(crate) fn describe(&self, start: usize) -> String {
        match self.bytes.get(start) {
            None => return "the end of the script".to_owned(),
            Some(b'\n' | b'\r') => return "the end of the line".to_owned(),
            Some(b' ' | b'\t') => return "whitespace".to_owned(),
            _ => {}
        }
        let end = self.token_end(start);
        let text = &self.src[start..end];
        // A long token (a runaway string, a huge name) is shortened in messages.
        match text.char_indices().nth(40) {
            Some((cut, _)) => format!("`{}...`", &text[..cut]),
            None => format!("`{text}`"),
        }
    }

    /// An error at `start` whose message ends with what was found there.
    pub(crate) fn expected(&self, start: usize, what: &str) -> Fault {
        let found = self.describe(start);
        let message = if start >= self.src.len() {
            format!("unexpected end of script: expected {what}")
        } else {
            format!("expected {what}, found {found}")
        };
        let mut error = ParseError::new(self.src, start..self.token_end(start), message);
        error.expected = Some(what.to_owned());
        Box::new(error)
    }

    /// An error covering the token at `start` with a custom message.
    pub(crate) fn error_at(&self, start: usize, message: String) -> Fault {
        Box::new(ParseError::new(
            self.src,
            start..self.token_end(start),
            message,
        ))
    }

    /// An error covering exactly `start..end`.
    pub(crate) fn error_span(&self, start: usize, end: usize, message: String) -> Fault {
        Box::new(ParseError::new(self.src, start..end, message))
    }
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}
