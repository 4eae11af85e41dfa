//! Reading AIR text into a [`Script`].
//!
//! The parser is hand-written over bytes: one pass, no token buffer, no
//! backtracking. Nesting is handled with an explicit stack of open instructions,
//! so a deeply nested script costs heap, never native stack, and is cut off at
//! [`Limits::max_depth`] with an error. Node ids are assigned in pre-order as
//! each `(` is read, so they match a recursive pre-order walk of the tree.
//!
//! # Grammar
//!
//! ```text
//! script     = ws instr ws EOF
//! instr      = "(" ws body ws ")"
//! body       = "call" value triplet args [output]
//!            | ("seq" | "par" | "xor") instr instr
//!            | ("match" | "mismatch") value value instr
//!            | "fold" iterable name instr [instr]
//!            | "next" name
//!            | "new" variable instr
//!            | "ap" (value | "(" value value ")") ap_target
//!            | "canon" value ("$" name "#" name | "%" name ("#%" name | name))
//!            | "fail" (integer string | scalar | ":error:" | "%last_error%")
//!            | "null" | "never"
//! triplet    = "(" value value ")"
//! args       = "[" value* "]"
//! output     = name | "$" name
//! ap_target  = name | "$" name | "%" name        (a %map only after a pair)
//! iterable   = "[]" | scalar | canon | "#%" name [lens] | "$" name | "%" name
//! variable   = name | "$" name | "%" name | "#" name | "#%" name
//! value      = string | number | "true" | "false" | "[]"
//!            | "%init_peer_id%" | "%timestamp%" | "%ttl%"
//!            | ":error:" [lens] | "%last_error%" [lens]
//!            | scalar | name ".length" | canon | "#" name ".length"
//!            | "#%" name [lens] | "$" name
//! scalar     = name [lens]
//! canon      = "#" name [lens]
//! lens       = ".$" (step ["!"])* ["!"]             (any "!" sets one flag)
//! step       = "." field | ["."] "[" digits "]" | ["."] "[" name "]"
//! name       = [A-Za-z0-9_-]+ that is not a number
//!              (after "#", a leading "$" is part of the name: AquaVM
//!              spells canon streams `#$c`; `#c` and `#$c` are different names)
//! field      = [A-Za-z0-9_-]+
//! number     = ["-"] digits ["." digits] [("e" | "E") ["+" | "-"] digits]
//! string     = '"' any byte but '"' '"'                (no escapes)
//! ws         = (" " | "\t" | "\r" | "\n" | ";" to end of line)*
//! ```
//!
//! Values must be followed by whitespace, a bracket, a quote or a comment:
//! `x)` is fine, `x'` is an error.
//!
//! # Validation
//!
//! [`parse`] also runs [`crate::validate`]: variables that nothing can define
//! and `next` outside its fold are rejected here, before any run.
//! [`parse_syntax`] skips that step (a formatter must accept such scripts).

mod error;
mod forms;
mod instr;
mod keyword;
mod lens;
mod operand;
mod scanner;

pub use error::ParseError;

/// A parse error on the parser's paths: boxed, so that every `Result` the
/// parser passes around stays small.
pub(crate) type Fault = Box<ParseError>;

use crate::{Limits, Script};

/// Parses and validates `source` under the default [`Limits`].
pub fn parse(source: &str) -> Result<Script, ParseError> {
    parse_with_limits(source, &Limits::default())
}

/// Parses and validates `source` under `limits` (script size and nesting depth).
pub fn parse_with_limits(source: &str, limits: &Limits) -> Result<Script, ParseError> {
    let script = parse_syntax_with_limits(source, limits)?;
    crate::validate::validate(&script, source)?;
    Ok(script)
}

/// Parses `source` without validating variable definitions (for formatters).
pub fn parse_syntax(source: &str) -> Result<Script, ParseError> {
    parse_syntax_with_limits(source, &Limits::default())
}

/// Parses `source` under `limits` without validating variable definitions.
pub fn parse_syntax_with_limits(source: &str, limits: &Limits) -> Result<Script, ParseError> {
    if source.len() > limits.max_script_bytes {
        let mut at = limits.max_script_bytes;
        while !source.is_char_boundary(at) {
            at -= 1;
        }
        return Err(ParseError::new(
            source,
            at..at + 1,
            format!(
                "the script is {} bytes, over the limit of {} bytes",
                source.len(),
                limits.max_script_bytes
            ),
        ));
    }
    instr::Parser::new(source, limits.max_depth)
        .script()
        .map_err(|fault| *fault)
}
