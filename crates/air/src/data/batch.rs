//! Batches: the unit of signing. One run on one peer appends at most one batch
//! holding every entry that run produced, signed by that peer.

use std::sync::Arc;

use weft_core::{KeyPair, Signature};

use super::value::{ValueRef, write_str, write_varint};
use crate::Provenance;

/// Names where an entry happened: the instruction plus the fold iterations
/// around it (see `exec::key` for the derivation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct EntryKey(pub u128);

impl EntryKey {
    /// The [`crate::CallId`] of a call at this key: its low 64 bits.
    pub(crate) fn call_id(self) -> crate::CallId {
        crate::CallId(self.0 as u64)
    }
}

/// What a peer recorded at one key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Entry {
    /// The producer forwarded the particle to the peer that must execute the
    /// call or canon at this key; it must not forward for this key again.
    Sent,
    /// A call that succeeded on the producer.
    Ok(ValueRef),
    /// A call that failed on the producer.
    Err { ret_code: i64, message: ValueRef },
    /// A canon executed on the producer: the stream frozen as it was.
    Canon(Arc<[CanonElem]>),
}

pub(crate) const ENTRY_SENT: u8 = 0;
pub(crate) const ENTRY_OK: u8 = 1;
pub(crate) const ENTRY_ERR: u8 = 2;
pub(crate) const ENTRY_CANON: u8 = 3;

pub(crate) const PROV_LITERAL: u8 = 0;
pub(crate) const PROV_CALL: u8 = 1;
pub(crate) const PROV_ERROR: u8 = 2;
pub(crate) const PROV_MANY: u8 = 3;

/// One element of a frozen stream (`map_key` is set for stream maps).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CanonElem {
    pub map_key: Option<ValueRef>,
    pub value: ValueRef,
    pub provenance: Arc<Provenance>,
}

/// Entries of one run of one peer, sorted by key, keys unique.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Batch {
    pub producer: Arc<str>,
    pub signature: Signature,
    pub entries: Vec<(EntryKey, Entry)>,
}

/// Domain separation for batch signatures.
const SIGNING_DOMAIN: &[u8] = b"weft-air-batch\0";

impl Batch {
    /// Signs `entries` (sorted by key, unique) as `keypair`'s peer `producer`.
    pub(crate) fn sign(
        keypair: &KeyPair,
        particle_id: &str,
        producer: Arc<str>,
        entries: Vec<(EntryKey, Entry)>,
    ) -> Self {
        let message = signing_message(particle_id, &producer, &entries);
        let signature = keypair.sign(&message);
        Self {
            producer,
            signature,
            entries,
        }
    }

    /// The bytes the producer signed.
    pub(crate) fn signing_message(&self, particle_id: &str) -> Vec<u8> {
        signing_message(particle_id, &self.producer, &self.entries)
    }

    /// Calls `f` on every value the batch refers to, in encoding order.
    pub(crate) fn for_each_value_mut(&mut self, mut f: impl FnMut(&mut ValueRef)) {
        for (_, entry) in &mut self.entries {
            match entry {
                Entry::Sent => {}
                Entry::Ok(value) => f(value),
                Entry::Err { message, .. } => f(message),
                Entry::Canon(elems) => {
                    let mut owned: Vec<CanonElem> = elems.to_vec();
                    for elem in &mut owned {
                        if let Some(key) = &mut elem.map_key {
                            f(key);
                        }
                        f(&mut elem.value);
                    }
                    *elems = owned.into();
                }
            }
        }
    }
}

/// The signed bytes: format version, particle id, producer, then each entry with
/// its values named by content hash (so the signature covers them without
/// depending on the value table's layout).
pub(crate) fn signing_message(
    particle_id: &str,
    producer: &str,
    entries: &[(EntryKey, Entry)],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + entries.len() * 56);
    out.extend_from_slice(SIGNING_DOMAIN);
    out.push(super::codec::FORMAT_VERSION);
    write_str(&mut out, particle_id);
    write_str(&mut out, producer);
    write_varint(&mut out, entries.len() as u64);
    for (key, entry) in entries {
        out.extend_from_slice(&key.0.to_be_bytes());
        match entry {
            Entry::Sent => out.push(ENTRY_SENT),
            Entry::Ok(value) => {
                out.push(ENTRY_OK);
                out.extend_from_slice(&value.hash.0);
            }
            Entry::Err { ret_code, message } => {
                out.push(ENTRY_ERR);
                out.extend_from_slice(&ret_code.to_be_bytes());
                out.extend_from_slice(&message.hash.0);
            }
            Entry::Canon(elems) => {
                out.push(ENTRY_CANON);
                write_varint(&mut out, elems.len() as u64);
                for elem in elems.iter() {
                    match &elem.map_key {
                        None => out.push(0),
                        Some(key) => {
                            out.push(1);
                            out.extend_from_slice(&key.hash.0);
                        }
                    }
                    out.extend_from_slice(&elem.value.hash.0);
                    encode_provenance(&elem.provenance, &mut out);
                }
            }
        }
    }
    out
}

/// Provenance as the data format writes it (also inside signed bytes).
pub(crate) fn encode_provenance(provenance: &Provenance, out: &mut Vec<u8>) {
    match provenance {
        Provenance::Literal => out.push(PROV_LITERAL),
        Provenance::Call {
            peer,
            service,
            function,
            lens,
        } => {
            out.push(PROV_CALL);
            for part in [peer, service, function, lens] {
                write_str(out, part);
            }
        }
        Provenance::Error { peer } => {
            out.push(PROV_ERROR);
            write_str(out, peer);
        }
        Provenance::Many(items) => {
            out.push(PROV_MANY);
            write_varint(out, items.len() as u64);
            for item in items {
                encode_provenance(item, out);
            }
        }
    }
}
