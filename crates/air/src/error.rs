//! The crate's error type.

/// Errors of parsing, validation, decoding and limits.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{0}")]
    Decode(String),
    /// A script that does not parse or does not validate.
    #[error(transparent)]
    Parse(#[from] crate::ParseError),
}
