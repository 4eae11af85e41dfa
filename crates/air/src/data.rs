//! A particle's data: the signed results of calls and canons, keyed by where they
//! happened, and the binary format that carries them.
//!
//! # What is stored
//!
//! Only what a peer cannot recompute: the results of service calls (success or
//! failure), the frozen contents of `canon`, and "sent" markers. Everything else
//! (`ap`, `match`, `seq`/`par`/`xor` outcomes, folds, scopes, errors) is
//! recomputed by every run, which executes the script from the root against
//! the data. Each entry is keyed by an [`EntryKey`]: a 128-bit name of *where*
//! it happened (the instruction's node id plus the fold iterations around it;
//! see `exec::key`), so peers agree on keys whatever order they learn things in.
//!
//! # Batches and signatures
//!
//! A run that produces entries appends exactly one [`Batch`] signed (ed25519) by
//! the running peer over (format version, particle id, producer, entries with
//! their values named by BLAKE3). A batch is identified by (producer,
//! signature).
//!
//! # Merge laws
//!
//! [`Data::merge`] is a union of batches: idempotent, commutative and
//! associative, because a `Data` is a set of batches and the effective entry at
//! a key is a function of that set (a result beats a `Sent` marker; two
//! different results at one key are rejected). A batch already held is skipped
//! without re-verifying; any other incoming batch is verified with its
//! producer's key, unless this process verified that very signature over
//! those very bytes before (a bounded process-wide memo, `verified`).
//! Rejection leaves the receiver unchanged.
//!
//! # Values
//!
//! Values are shared (`Arc`) and deduplicated by content hash: a value passed
//! through many peers is held and encoded once per `Data`; values of 4 KiB and
//! more are also shared across every `Data` of the process (a weak table, see
//! `shared`), and a call result equal to an argument the data holds reuses it
//! without being hashed again.
//!
//! PINNED API: `Data::default()` (empty), `Data::to_bytes`, `Data::from_bytes`.

mod batch;
mod codec;
mod fast_hash;
mod merge;
mod shared;
mod strict;
#[cfg(test)]
mod tests;
mod value;
mod verified;

use std::{collections::BTreeMap, sync::Arc};

pub(crate) use batch::{Batch, CanonElem, Entry, EntryKey};
pub(crate) use fast_hash::{FastMap, FastSet};
pub(crate) use merge::{Slot, Store};
use serde_json::Value;
pub(crate) use value::{ValueHash, ValueRef};
pub use verified::forget_verified_signatures;

use crate::{Error, Limits, PeerKeys};

/// The data of one particle as one peer knows it: a set of signed batches.
#[derive(Debug, Clone, Default)]
pub struct Data {
    batches: BTreeMap<BatchId, Arc<Batch>>,
    /// The effective entry at each key (derived from `batches`).
    index: FastMap<EntryKey, Slot>,
    /// Every value held, by content hash, to share equal values.
    values: FastMap<ValueHash, Arc<Value>>,
    /// The hash of each held value by allocation address, so a value passed
    /// back unchanged (an identity service) is recognized without hashing it.
    by_addr: FastMap<usize, ValueHash>,
    /// This peer's memory of stream order: the rank of every stream element its
    /// runs saw (see `exec::stream`). Local: not encoded, not compared.
    stream_ranks: FastMap<EntryKey, u64>,
    /// The same elements by rank (an element's rank is its index here).
    stream_keys: Vec<EntryKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct BatchId {
    producer: Arc<str>,
    signature: [u8; 64],
}

impl BatchId {
    fn of(batch: &Batch) -> Self {
        Self {
            producer: batch.producer.clone(),
            signature: batch.signature.0,
        }
    }
}

impl PartialEq for Data {
    fn eq(&self, other: &Self) -> bool {
        self.batches == other.batches
    }
}

impl Data {
    /// The canonical encoding (see `docs/data-format.md`). Equal data give equal bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        codec::encode(
            self.batches.values().map(|batch| &**batch),
            &self.stream_keys,
        )
    }

    /// Decodes data, checking every length against the input and `limits`.
    /// Signatures are checked when the data is merged (by [`crate::run`] or
    /// [`Data::merge`]), since that needs the producers' keys.
    pub fn from_bytes(bytes: &[u8], limits: &Limits) -> Result<Self, Error> {
        let decoded = codec::decode(bytes, limits)?;
        let mut data = Self::default();
        for batch in decoded.batches {
            data.insert_trusted(batch);
        }
        data.remember_stream_order(&decoded.stream_order);
        Ok(data)
    }

    /// True when no peer has recorded anything yet.
    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    /// How many signed batches the data holds (one per producing run).
    pub fn batch_count(&self) -> usize {
        self.batches.len()
    }

    /// How many keys have an entry (a result, a canon or a sent marker).
    pub fn entry_count(&self) -> usize {
        self.index.len()
    }

    /// The peers that signed batches, sorted, without duplicates.
    pub fn producers(&self) -> Vec<String> {
        let mut peers: Vec<String> = self
            .batches
            .keys()
            .map(|id| id.producer.to_string())
            .collect();
        peers.dedup();
        peers
    }

    /// Merges `incoming` into `self` after verifying every batch `self` does
    /// not hold yet. On error `self` is unchanged.
    pub fn merge(
        &mut self,
        mut incoming: Data,
        particle_id: &str,
        keys: &dyn PeerKeys,
    ) -> Result<(), Error> {
        let order = std::mem::take(&mut incoming.stream_keys);
        incoming.stream_ranks.clear();
        let store =
            Store::stage(self, incoming, particle_id, keys).map_err(|hard| Error::Rejected {
                code: hard.code(),
                message: hard.to_string(),
            })?;
        let overlay = store.into_overlay();
        self.commit(overlay, None);
        self.remember_stream_order(&order);
        Ok(())
    }

    /// Adds a batch without verifying it (decoding, or a batch just signed here).
    fn insert_trusted(&mut self, mut batch: Batch) {
        let id = BatchId::of(&batch);
        if self.batches.contains_key(&id) {
            return;
        }
        batch.for_each_value_mut(|value| self.intern(value));
        for (key, entry) in &batch.entries {
            self.index
                .entry(*key)
                .or_default()
                .absorb(&batch.producer, entry);
        }
        self.batches.insert(id, Arc::new(batch));
    }

    /// Makes `value` share the allocation of an equal value already held.
    fn intern(&mut self, value: &mut ValueRef) {
        match self.values.get(&value.hash) {
            Some(held) => value.value = held.clone(),
            None => {
                self.by_addr
                    .insert(Arc::as_ptr(&value.value) as usize, value.hash);
                self.values.insert(value.hash, value.value.clone());
            }
        }
    }

    pub(crate) fn slot(&self, key: EntryKey) -> Option<&Slot> {
        self.index.get(&key)
    }

    pub(crate) fn value(&self, hash: &ValueHash) -> Option<&Arc<Value>> {
        self.values.get(hash)
    }

    pub(crate) fn hash_of(&self, value: &Arc<Value>) -> Option<ValueHash> {
        self.by_addr.get(&(Arc::as_ptr(value) as usize)).copied()
    }

    pub(crate) fn stream_rank(&self, key: EntryKey) -> Option<u64> {
        self.stream_ranks.get(&key).copied()
    }

    /// How many stream elements have a rank; every rank is below this.
    pub(crate) fn ranked(&self) -> u64 {
        self.stream_ranks.len() as u64
    }

    /// Moves out the stream ranks of data about to be merged in.
    pub(crate) fn take_stream_ranks(&mut self) -> FastMap<EntryKey, u64> {
        self.stream_keys.clear();
        std::mem::take(&mut self.stream_ranks)
    }

    /// Ranks the stream elements a run saw that had no rank yet, in the order
    /// given (each stream's order, streams one after the other).
    pub(crate) fn remember_stream_order(&mut self, keys: &[EntryKey]) {
        for key in keys {
            let next = self.stream_keys.len() as u64;
            if let std::collections::hash_map::Entry::Vacant(slot) = self.stream_ranks.entry(*key) {
                slot.insert(next);
                self.stream_keys.push(*key);
            }
        }
    }

    pub(crate) fn holds_batch(&self, batch: &Batch) -> bool {
        self.batches.contains_key(&BatchId::of(batch))
    }

    fn into_batches(self) -> impl Iterator<Item = Arc<Batch>> {
        self.batches.into_values()
    }

    /// Applies a staged merge and, if given, this run's own signed batch.
    pub(crate) fn commit(&mut self, overlay: merge::Overlay, local: Option<Batch>) {
        for batch in overlay.new_batches {
            self.insert_trusted(batch);
        }
        if let Some(batch) = local {
            self.insert_trusted(batch);
        }
    }
}
