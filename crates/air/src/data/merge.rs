//! Staging a merge: incoming batches are verified and checked for conflicts
//! into an overlay, the run reads through the overlay and adds its own
//! entries, and only a run that ends without a hard error commits it. So a
//! rejected particle leaves the previous data untouched, without copying it.

use std::sync::Arc;

use serde_json::Value;

use super::{
    Batch, Data, Entry, EntryKey, FastMap, ValueHash, ValueRef, strict,
    verified::{self, Verdict},
};
use crate::{PeerKeys, exec::HardError};

/// The effective entry at one key.
#[derive(Debug, Clone, Default)]
pub(crate) struct Slot {
    /// A call result or a canon (beats any number of `Sent` markers).
    pub result: Option<Produced>,
    pub sent: bool,
}

/// An entry other than `Sent`, with the peer that signed it.
#[derive(Debug, Clone)]
pub(crate) struct Produced {
    pub producer: Arc<str>,
    pub entry: Entry,
}

impl Slot {
    pub(super) fn absorb(&mut self, producer: &Arc<str>, entry: &Entry) {
        match entry {
            Entry::Sent => self.sent = true,
            _ if self.result.is_none() => {
                self.result = Some(Produced {
                    producer: producer.clone(),
                    entry: entry.clone(),
                });
            }
            _ => {}
        }
    }
}

/// What a run adds to the data it started from.
#[derive(Debug, Default)]
pub(crate) struct Overlay {
    pub(super) new_batches: Vec<Batch>,
    extra: FastMap<EntryKey, Slot>,
    values: FastMap<ValueHash, Arc<Value>>,
    by_addr: FastMap<usize, ValueHash>,
    /// Entries this run produced, to be signed as one batch.
    pub(crate) local: Vec<(EntryKey, Entry)>,
}

/// The data as a run sees it: the previous data plus the overlay.
#[derive(Debug)]
pub(crate) struct Store<'d> {
    base: &'d Data,
    over: Overlay,
    /// The stream order the incoming data's sender saw (see `exec::stream`).
    incoming_ranks: FastMap<EntryKey, u64>,
}

impl<'d> Store<'d> {
    /// Verifies and stages every batch of `incoming` that `base` lacks.
    pub(crate) fn stage(
        base: &'d Data,
        mut incoming: Data,
        particle_id: &str,
        keys: &dyn PeerKeys,
    ) -> Result<Self, HardError> {
        let mut store = Self {
            base,
            over: Overlay::default(),
            incoming_ranks: incoming.take_stream_ranks(),
        };
        let fresh: Vec<Arc<Batch>> = incoming
            .into_batches()
            .filter(|batch| !base.holds_batch(batch))
            .collect();
        verify_all(&fresh, particle_id, keys)?;
        for batch in fresh {
            let mut batch = Arc::try_unwrap(batch).unwrap_or_else(|shared| (*shared).clone());
            batch.for_each_value_mut(|value| *value = store.intern(value.clone()));
            for (key, entry) in &batch.entries {
                if !matches!(entry, Entry::Sent)
                    && let Some(held) = store.lookup(*key).0
                    && (held.producer != batch.producer || held.entry != *entry)
                {
                    return Err(HardError::ConflictingResults {
                        first: held.producer.to_string(),
                        second: batch.producer.to_string(),
                    });
                }
                store
                    .over
                    .extra
                    .entry(*key)
                    .or_default()
                    .absorb(&batch.producer, entry);
            }
            store.over.new_batches.push(batch);
        }
        Ok(store)
    }

    /// The effective result at `key` (if any) and whether a `Sent` marker exists.
    pub(crate) fn lookup(&self, key: EntryKey) -> (Option<&Produced>, bool) {
        let extra = if self.over.extra.is_empty() {
            None
        } else {
            self.over.extra.get(&key)
        };
        let base = self.base.slot(key);
        let result = extra
            .and_then(|slot| slot.result.as_ref())
            .or_else(|| base.and_then(|slot| slot.result.as_ref()));
        let sent = extra.is_some_and(|slot| slot.sent) || base.is_some_and(|slot| slot.sent);
        (result, sent)
    }

    /// The rank of a stream element in this peer's earlier runs.
    /// The rank of a stream element: this peer's earlier runs first, then the
    /// order the incoming data's sender saw.
    pub(crate) fn stream_rank(&self, key: EntryKey) -> Option<u64> {
        self.base.stream_rank(key).or_else(|| {
            self.incoming_ranks
                .get(&key)
                .map(|rank| self.base.ranked() + rank)
        })
    }

    /// Returns `value` sharing the allocation of an equal value already known.
    pub(crate) fn intern(&mut self, value: ValueRef) -> ValueRef {
        if let Some(held) = self.base.value(&value.hash) {
            return ValueRef {
                hash: value.hash,
                value: held.clone(),
            };
        }
        let by_addr = &mut self.over.by_addr;
        let held = self.over.values.entry(value.hash).or_insert_with(|| {
            by_addr.insert(Arc::as_ptr(&value.value) as usize, value.hash);
            value.value.clone()
        });
        ValueRef {
            hash: value.hash,
            value: held.clone(),
        }
    }

    /// The content hash of a value this data holds, found by its allocation.
    pub(crate) fn hash_of(&self, value: &Arc<Value>) -> Option<ValueHash> {
        self.base.hash_of(value).or_else(|| {
            self.over
                .by_addr
                .get(&(Arc::as_ptr(value) as usize))
                .copied()
        })
    }

    /// Records an entry this run produced (the caller checked the key is free).
    pub(crate) fn record(&mut self, key: EntryKey, entry: Entry, producer: &Arc<str>) {
        self.over
            .extra
            .entry(key)
            .or_default()
            .absorb(producer, &entry);
        self.over.local.push((key, entry));
    }

    pub(crate) fn into_overlay(self) -> Overlay {
        self.over
    }
}

/// Checks every batch's signature by its producer's key. Signatures this
/// process verified before are skipped (see [`verified`]); the others must
/// have acceptable encodings (see [`strict`]) and are checked all at once
/// (about half the cost of one at a time), then, only if that fails, one by
/// one to name the first bad batch, so the error is the same as without
/// batching.
fn verify_all(
    batches: &[Arc<Batch>],
    particle_id: &str,
    keys: &dyn PeerKeys,
) -> Result<(), HardError> {
    // The usual re-delivery brings nothing new: skip the process-wide memo lock.
    if batches.is_empty() {
        return Ok(());
    }
    let mut pending = Vec::with_capacity(batches.len());
    for batch in batches {
        let key = keys
            .public_key(&batch.producer)
            .ok_or_else(|| HardError::UnknownProducer {
                producer: batch.producer.to_string(),
            })?;
        let message = batch.signing_message(particle_id);
        let verdict = Verdict::of(&key, &batch.signature, &message);
        pending.push((batch, key, message, verdict));
    }
    let verdicts: Vec<Verdict> = pending.iter().map(|p| p.3).collect();
    let mut known = verified::known(&verdicts).into_iter();
    pending.retain(|_| known.next() == Some(false));
    let Some((first, ..)) = pending.first() else {
        return Ok(());
    };
    let bad = |batch: &Batch| HardError::BadSignature {
        producer: batch.producer.to_string(),
    };
    let checks: Vec<_> = pending
        .iter()
        .map(|(batch, key, message, _)| (*key, message.as_slice(), batch.signature))
        .collect();
    let acceptable = pending
        .iter()
        .all(|(batch, key, ..)| strict::acceptable(key, &batch.signature));
    if acceptable && weft_core::verify_batch(&checks).is_ok() {
        verified::remember(pending.iter().map(|p| p.3));
        return Ok(());
    }
    for (batch, key, message, _) in &pending {
        if !strict::acceptable(key, &batch.signature)
            || key.verify(message, &batch.signature).is_err()
        {
            return Err(bad(batch));
        }
    }
    // Unreachable in practice: the batch check failed yet each signature
    // passes alone. Refuse rather than accept what the batch check rejected.
    Err(bad(first))
}
