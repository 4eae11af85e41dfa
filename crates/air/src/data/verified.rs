//! A process-wide memo of signatures that verified, so that a batch met again
//! (the same particle's data reaching another peer the process hosts, or a
//! delivery that repeats batches the receiver does not hold) is not verified
//! again. A verdict is a pure function of (public key, signature, signed
//! bytes), and the memo is keyed by a BLAKE3 hash of exactly those, so it can
//! only skip work, never change a verdict. Only successes are remembered.
//!
//! Bounded: two generations of at most [`GENERATION`] hashes each; when the
//! young one fills up, the old one is dropped and the young one takes its
//! place, so recently used entries survive and memory stays under a few MiB.

use std::sync::{Mutex, OnceLock};

use weft_core::{PublicKey, Signature};

use super::FastSet;

/// Entries per generation (32 bytes each, plus the table's overhead).
const GENERATION: usize = 16_384;

/// Names one verification: BLAKE3 of the key, the signature and the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Verdict([u8; 32]);

impl Verdict {
    pub(crate) fn of(key: &PublicKey, signature: &Signature, message: &[u8]) -> Self {
        let mut hasher = blake3::Hasher::new_derive_key("weft-air verified batch v1");
        hasher.update(&key.to_bytes());
        hasher.update(&signature.0);
        hasher.update(message);
        Self(*hasher.finalize().as_bytes())
    }
}

#[derive(Debug, Default)]
struct Memo {
    young: FastSet<Verdict>,
    old: FastSet<Verdict>,
}

fn memo() -> &'static Mutex<Memo> {
    static MEMO: OnceLock<Mutex<Memo>> = OnceLock::new();
    MEMO.get_or_init(Mutex::default)
}

fn lock() -> std::sync::MutexGuard<'static, Memo> {
    // A poisoned lock only means another thread panicked mid-update of a
    // cache of successes: keep using it.
    memo()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether each verdict is known to be a success, in order.
pub(crate) fn known(verdicts: &[Verdict]) -> Vec<bool> {
    let memo = lock();
    verdicts
        .iter()
        .map(|v| memo.young.contains(v) || memo.old.contains(v))
        .collect()
}

/// Remembers verifications that succeeded.
pub(crate) fn remember(verdicts: impl IntoIterator<Item = Verdict>) {
    let mut memo = lock();
    for verdict in verdicts {
        if memo.young.len() >= GENERATION {
            let young = std::mem::take(&mut memo.young);
            memo.old = young;
        }
        memo.young.insert(verdict);
    }
}

/// Forgets every verdict, so the next merges verify everything again. For
/// benchmarks that must time the same work on every repetition.
pub fn forget_verified_signatures() {
    let mut memo = lock();
    memo.young = FastSet::default();
    memo.old = FastSet::default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memo_stays_bounded_and_keeps_recent_verdicts() {
        let key = weft_core::KeyPair::from_seed([7; 32]).public_key();
        let verdict = |i: u32| Verdict::of(&key, &Signature([0; 64]), &i.to_be_bytes());
        // Far more than two generations: older verdicts are dropped.
        let count = 3 * GENERATION as u32;
        remember((0..count).map(verdict));
        let first_and_last = known(&[verdict(0), verdict(count - 1)]);
        assert_eq!(first_and_last, vec![false, true]);
        let memo = lock();
        assert!(memo.young.len() + memo.old.len() <= 2 * GENERATION);
    }

    #[test]
    fn every_part_of_a_verification_names_it() {
        let a = weft_core::KeyPair::from_seed([1; 32]).public_key();
        let b = weft_core::KeyPair::from_seed([2; 32]).public_key();
        let signature = Signature([3; 64]);
        let base = Verdict::of(&a, &signature, b"message");
        assert_ne!(base, Verdict::of(&b, &signature, b"message"));
        assert_ne!(base, Verdict::of(&a, &Signature([4; 64]), b"message"));
        assert_ne!(base, Verdict::of(&a, &signature, b"messagE"));
    }
}
