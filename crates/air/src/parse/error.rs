//! A located parse or validation error, rendered like a compiler diagnostic.

use std::fmt;
use std::ops::Range;

use crate::Span;

/// What is wrong with a script and where.
///
/// `Display` renders the message, the position and the offending source line
/// with carets under the offending token:
///
/// ```text
/// error: expected an instruction keyword (call, seq, ...), found `foo`
///  --> line 2, column 3
///   |
/// 2 |  (foo)
///   |   ^^^
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What was found and what was expected instead.
    pub message: String,
    /// What the parser expected at this point, when the error is of that kind
    /// (e.g. "`)` to close `(seq` opened at line 3, column 5"); tools can offer
    /// it as a completion.
    pub expected: Option<String>,
    /// 1-based line of the offending token.
    pub line: u32,
    /// 1-based column of the offending token, in chars.
    pub column: u32,
    /// Byte range of the offending token in the source.
    pub span: Span,
    /// The source line holding the token (tabs shown as spaces, so carets line
    /// up; long lines cut around the token).
    source_line: String,
    /// Chars of `source_line` before the token.
    caret_offset: u32,
    /// Number of carets: the token's length in chars on its line, at least one.
    caret_len: u32,
}

/// Chars of context shown before and after the offending token on long lines.
const CONTEXT_BEFORE: usize = 60;
const CONTEXT_AFTER: usize = 60;

impl ParseError {
    /// Locates `message` at the bytes `range` of `source`. `range` may extend one
    /// byte past the end (an error at the end of the script).
    pub(crate) fn new(source: &str, range: Range<usize>, message: String) -> Self {
        let start = floor_boundary(source, range.start);
        let end = floor_boundary(source, range.end).max(start);
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let (line, column) = line_col(source, start);
        let token = &source[start..end.min(line_end)];
        let caret_len = token.chars().count().max(1);
        // Long lines (a minified script) are cut around the token.
        let before = &source[line_start..start];
        let before = match before.char_indices().rev().nth(CONTEXT_BEFORE) {
            Some((cut, c)) => format!("...{}", &before[cut + c.len_utf8()..]),
            None => before.to_owned(),
        };
        let after = source[start..line_end].trim_end_matches('\r');
        let after = match after.char_indices().nth(CONTEXT_AFTER.max(caret_len)) {
            Some((cut, _)) => format!("{}...", &after[..cut]),
            None => after.to_owned(),
        };
        Self {
            message,
            expected: None,
            line,
            column,
            span: Span {
                start: saturate(start),
                end: saturate(end),
            },
            caret_offset: saturate(before.chars().count()),
            source_line: format!("{before}{after}").replace('\t', " "),
            caret_len: saturate(caret_len),
        }
    }
}

fn floor_boundary(source: &str, pos: usize) -> usize {
    let mut pos = pos.min(source.len());
    while !source.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

/// 1-based line and column (in chars) of byte `pos` in `source`.
pub(crate) fn line_col(source: &str, pos: usize) -> (u32, u32) {
    let pos = floor_boundary(source, pos);
    let line_start = source[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line = source[..pos].bytes().filter(|&b| b == b'\n').count() + 1;
    let column = source[line_start..pos].chars().count() + 1;
    (saturate(line), saturate(column))
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gutter = " ".repeat(self.line.to_string().len());
        writeln!(f, "error: {}", self.message)?;
        writeln!(f, "{gutter}--> line {}, column {}", self.line, self.column)?;
        writeln!(f, "{gutter} |")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        write!(
            f,
            "{gutter} | {}{}",
            " ".repeat(self.caret_offset as usize),
            "^".repeat(self.caret_len as usize)
        )
    }
}

impl std::error::Error for ParseError {}
