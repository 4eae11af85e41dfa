//! The crate's error type.

/// Errors of parsing, validation, decoding and limits.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{0}")]
    Decode(String),
    /// Data refused by a merge or by `Data::from_bytes` (a hard error: bad
    /// signature, unknown producer, conflicting results, over
    /// `Limits::max_data_bytes`); `code` is the 20100+ code `run` would report.
    #[error("{message} (code {code})")]
    Rejected { code: i64, message: String },
    /// A simulator mock annotation (a `; ok = ...` comment) that does not parse.
    #[error("mock annotation on line {line}: {message}")]
    Mock { line: u32, message: String },
    /// A script that does not parse or does not validate.
    #[error(transparent)]
    Parse(#[from] crate::ParseError),
}
