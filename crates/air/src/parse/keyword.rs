//! The fourteen instruction keywords.

pub(crate) const KEYWORDS: &str =
    "call, seq, par, xor, match, mismatch, fold, next, new, ap, canon, fail, null, never";

#[derive(Debug, Clone, Copy)]
pub(crate) enum Keyword {
    Call,
    Seq,
    Par,
    Xor,
    Match,
    Mismatch,
    Fold,
    Next,
    New,
    Ap,
    Canon,
    Fail,
    Null,
    Never,
}

/// Packs a word of up to 8 bytes into an integer, so that keywords compare
/// with one integer comparison instead of a string comparison.
const fn pack(word: &[u8]) -> u64 {
    let mut packed = 0u64;
    let mut i = 0;
    while i < word.len() {
        packed |= (word[i] as u64) << (8 * i);
        i += 1;
    }
    packed
}

impl Keyword {
    pub(crate) fn from_bytes(word: &[u8]) -> Option<Self> {
        if word.len() > 8 {
            return None;
        }
        Self::from_packed(pack(word))
    }

    /// The keyword whose bytes [`pack`] into `packed`.
    pub(crate) fn from_packed(packed: u64) -> Option<Self> {
        const CALL: u64 = pack(b"call");
        const SEQ: u64 = pack(b"seq");
        const PAR: u64 = pack(b"par");
        const XOR: u64 = pack(b"xor");
        const MATCH: u64 = pack(b"match");
        const MISMATCH: u64 = pack(b"mismatch");
        const FOLD: u64 = pack(b"fold");
        const NEXT: u64 = pack(b"next");
        const NEW: u64 = pack(b"new");
        const AP: u64 = pack(b"ap");
        const CANON: u64 = pack(b"canon");
        const FAIL: u64 = pack(b"fail");
        const NULL: u64 = pack(b"null");
        const NEVER: u64 = pack(b"never");
        Some(match packed {
            CALL => Self::Call,
            SEQ => Self::Seq,
            PAR => Self::Par,
            XOR => Self::Xor,
            MATCH => Self::Match,
            MISMATCH => Self::Mismatch,
            FOLD => Self::Fold,
            NEXT => Self::Next,
            NEW => Self::New,
            AP => Self::Ap,
            CANON => Self::Canon,
            FAIL => Self::Fail,
            NULL => Self::Null,
            NEVER => Self::Never,
            _ => return None,
        })
    }

    pub(crate) fn text(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Seq => "seq",
            Self::Par => "par",
            Self::Xor => "xor",
            Self::Match => "match",
            Self::Mismatch => "mismatch",
            Self::Fold => "fold",
            Self::Next => "next",
            Self::New => "new",
            Self::Ap => "ap",
            Self::Canon => "canon",
            Self::Fail => "fail",
            Self::Null => "null",
            Self::Never => "never",
        }
    }
}
