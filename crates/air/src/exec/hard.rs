//! Hard errors: not catchable by `xor`. A run that hits one returns the previous
//! data unchanged, so a tampered or oversized particle cannot poison a peer.
//!
//! | code | cause |
//! |---|---|
//! | 20001 | a batch's producer has no known public key |
//! | 20002 | a batch's signature does not verify |
//! | 20003 | two different results at one key |
//! | 20004 | a result or canon signed by a peer other than the one that must produce it |
//! | 20005 | a stream or stream map over `Limits::max_stream_len` values |
//! | 20006 | a run over `Limits::max_steps` instructions |
//! | 20007 | a call result over `Limits::max_call_result_bytes` or nested over `Limits::max_depth` |
//! | 20008 | an entry of the wrong kind at a key (a canon where a call result belongs, ...) |

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
    #[error("stream '{stream}' would exceed its limit of {limit} values")]
    StreamTooLong { stream: String, limit: usize },
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
}

impl HardError {
    pub(crate) fn code(&self) -> i64 {
        match self {
            Self::UnknownProducer { .. } => 20001,
            Self::BadSignature { .. } => 20002,
            Self::ConflictingResults { .. } => 20003,
            Self::WrongProducer { .. } => 20004,
            Self::StreamTooLong { .. } => 20005,
            Self::TooManySteps { .. } => 20006,
            Self::ResultTooLarge { .. } => 20007,
            Self::WrongEntryKind { .. } => 20008,
        }
    }
}
