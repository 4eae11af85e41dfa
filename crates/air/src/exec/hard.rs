//! Hard errors: not catchable by `xor`. A run that hits one returns the previous
//! data unchanged, so a tampered or oversized particle cannot poison a peer.
//!
//! Where AquaVM 0.63 has the same uncatchable error, the code is AquaVM's;
//! Weft's own checks (signatures, merge, limits AquaVM does not have) use
//! 20100 and up.
//!
//! | code | cause |
//! |---|---|
//! | 20007 | a scalar set twice outside any fold (AquaVM's `ShadowingIsNotAllowed`) |
//! | 20013 | a stream or stream map over `Limits::max_stream_len` values (AquaVM's `StreamSizeLimitExceeded`) |
//! | 20100 | a batch's producer has no known public key |
//! | 20101 | a batch's signature does not verify |
//! | 20102 | two different results at one key |
//! | 20103 | a result or canon signed by a peer other than the one that must produce it |
//! | 20104 | an entry of the wrong kind at a key (a canon where a call result belongs, ...) |
//! | 20105 | a run over `Limits::max_steps` instructions |
//! | 20106 | a call result over `Limits::max_call_result_bytes` or nested over `Limits::max_depth` |
//! | 20107 | incoming data over `Limits::max_data_bytes` (refused before decoding) |

/// A hard error: the run is rejected as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HardError {
    #[error("data rejected: no public key is known for producer '{producer}'")]
    UnknownProducer { producer: String },
    #[error(
        "data rejected: a batch signed by '{producer}' has an invalid signature (tampered data)"
    )]
    BadSignature { producer: String },
    #[error(
        "data rejected: '{first}' and '{second}' recorded different results for the same call or canon"
    )]
    ConflictingResults { first: String, second: String },
    #[error(
        "data rejected: the result of {what} on peer '{expected}' is signed by '{actual}' (only '{expected}' may produce it)"
    )]
    WrongProducer {
        what: &'static str,
        expected: String,
        actual: String,
    },
    #[error("stream '{stream}' size goes over the allowed limit of {limit}")]
    StreamTooLong { stream: String, limit: usize },
    #[error("data rejected: it is {size} bytes, over the limit of {limit} bytes")]
    DataTooLarge { size: usize, limit: usize },
    #[error("the run exceeded its limit of {limit} executed instructions")]
    TooManySteps { limit: u64 },
    #[error("the result of call '{service}.{function}' is {problem}")]
    ResultTooLarge {
        service: String,
        function: String,
        problem: String,
    },
    #[error(
        "data rejected: the entry for {what} has the wrong kind (tampered or mismatched script)"
    )]
    WrongEntryKind { what: &'static str },
    #[error("trying to shadow variable '{name}', but shadowing is allowed only inside fold blocks")]
    Shadowing { name: String },
}

impl HardError {
    pub(crate) fn code(&self) -> i64 {
        match self {
            Self::UnknownProducer { .. } => 20100,
            Self::BadSignature { .. } => 20101,
            Self::ConflictingResults { .. } => 20102,
            Self::WrongProducer { .. } => 20103,
            Self::StreamTooLong { .. } => 20013,
            Self::TooManySteps { .. } => 20105,
            Self::DataTooLarge { .. } => 20107,
            Self::ResultTooLarge { .. } => 20106,
            Self::WrongEntryKind { .. } => 20104,
            Self::Shadowing { .. } => 20007,
        }
    }
}
