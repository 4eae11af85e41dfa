//! The binary data format (see `docs/data-format.md`).
//!
//! The encoding is canonical: one `Data` has exactly one encoding, and the
//! decoder rejects every other byte string (unsorted batches or entries,
//! duplicate or unreferenced values, non-minimal varints, unsorted object keys).

use std::{collections::HashMap, sync::Arc};

use serde_json::{Map, Number, Value};
use weft_core::Signature;

use super::batch::{
    Batch, CanonElem, ENTRY_CANON, ENTRY_ERR, ENTRY_OK, ENTRY_SENT, Entry, EntryKey, PROV_CALL,
    PROV_ERROR, PROV_LITERAL, PROV_MANY, encode_provenance,
};
use super::value::{
    TAG_ARRAY, TAG_FALSE, TAG_FLOAT, TAG_NEGINT, TAG_NULL, TAG_OBJECT, TAG_STRING, TAG_TRUE,
    TAG_UINT, ValueHash, ValueRef, encode_value, write_str, write_varint,
};
use crate::{Error, Limits, Provenance};

pub(crate) const MAGIC: &[u8; 4] = b"WFTD";
pub(crate) const FORMAT_VERSION: u8 = 3;

/// Counts come from untrusted bytes: reserve at most this many items up front
/// (an item in memory is larger than its one-byte minimum encoding).
const PREALLOC_MAX: usize = 256;

/// Encodes batches (already in canonical order), then the stream order: element
/// keys in the order the encoding peer saw them.
pub(crate) fn encode<'a>(
    batches: impl Iterator<Item = &'a Batch> + Clone,
    stream_order: &[EntryKey],
) -> Vec<u8> {
    // Value table: each distinct value once, in order of first reference.
    let mut index: HashMap<ValueHash, u64> = HashMap::new();
    let mut table: Vec<&ValueRef> = Vec::new();
    let mut note = |value: &'a ValueRef| {
        index.entry(value.hash).or_insert_with(|| {
            table.push(value);
            table.len() as u64 - 1
        });
    };
    let mut batch_count = 0u64;
    for batch in batches.clone() {
        batch_count += 1;
        for (_, entry) in &batch.entries {
            match entry {
                Entry::Sent => {}
                Entry::Ok(value) => note(value),
                Entry::Err { message, .. } => note(message),
                Entry::Canon(elems) => {
                    for elem in elems.iter() {
                        if let Some(key) = &elem.map_key {
                            note(key);
                        }
                        note(&elem.value);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.push(FORMAT_VERSION);
    write_varint(&mut out, table.len() as u64);
    for value in &table {
        // Values in a Data were depth-checked when they entered it.
        let _ = encode_value(&value.value, &mut out, usize::MAX);
    }
    let idx = |value: &ValueRef| index.get(&value.hash).copied().unwrap_or(0);
    write_varint(&mut out, batch_count);
    for batch in batches {
        write_str(&mut out, &batch.producer);
        out.extend_from_slice(&batch.signature.0);
        write_varint(&mut out, batch.entries.len() as u64);
        for (key, entry) in &batch.entries {
            out.extend_from_slice(&key.0.to_be_bytes());
            match entry {
                Entry::Sent => out.push(ENTRY_SENT),
                Entry::Ok(value) => {
                    out.push(ENTRY_OK);
                    write_varint(&mut out, idx(value));
                }
                Entry::Err { ret_code, message } => {
                    out.push(ENTRY_ERR);
                    write_varint(&mut out, zigzag(*ret_code));
                    write_varint(&mut out, idx(message));
                }
                Entry::Canon(elems) => {
                    out.push(ENTRY_CANON);
                    write_varint(&mut out, elems.len() as u64);
                    for elem in elems.iter() {
                        match &elem.map_key {
                            None => out.push(0),
                            Some(key) => {
                                out.push(1);
                                write_varint(&mut out, idx(key));
                            }
                        }
                        write_varint(&mut out, idx(&elem.value));
                        encode_provenance(&elem.provenance, &mut out);
                    }
                }
            }
        }
    }
    write_varint(&mut out, stream_order.len() as u64);
    for key in stream_order {
        out.extend_from_slice(&key.0.to_be_bytes());
    }
    out
}

/// What [`decode`] finds: the batches in encoding order and the sender's stream order.
pub(crate) struct Decoded {
    pub batches: Vec<Batch>,
    pub stream_order: Vec<EntryKey>,
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// Decodes and checks canonical form; batches come out in encoding order.
pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded, Error> {
    if bytes.len() > limits.max_data_bytes {
        // A hard error like a bad signature: the receiving peer refuses this
        // particle and keeps its data, rather than the caller failing as a whole.
        let hard = crate::exec::HardError::DataTooLarge {
            size: bytes.len(),
            limit: limits.max_data_bytes,
        };
        return Err(Error::Rejected {
            code: hard.code(),
            message: hard.to_string(),
        });
    }
    let mut reader = Reader {
        bytes,
        pos: 0,
        max_depth: limits.max_depth,
    };
    if reader.take(4)? != MAGIC {
        return Err(reader.fail("not Weft particle data (bad magic bytes)"));
    }
    let version = reader.byte()?;
    if version != FORMAT_VERSION {
        return Err(reader.fail(&format!(
            "data format version {version} is not supported (this build reads version {FORMAT_VERSION})"
        )));
    }
    let value_count = reader.count()?;
    let mut table: Vec<ValueRef> = Vec::new();
    let mut seen: HashMap<ValueHash, ()> = HashMap::new();
    for _ in 0..value_count {
        let start = reader.pos;
        let value = reader.value(limits.max_depth)?;
        let encoding = &bytes[start..reader.pos];
        let hash = ValueHash::of_encoding(encoding);
        if seen.insert(hash, ()).is_some() {
            return Err(reader.fail("a value appears twice in the value table"));
        }
        let mut value = Arc::new(value);
        if encoding.len() >= super::shared::MIN_SHARED_BYTES {
            value = super::shared::share(hash, value);
        }
        table.push(ValueRef { hash, value });
    }
    let mut refs = RefCheck {
        table: &table,
        next: 0,
    };
    let batch_count = reader.count()?;
    let mut batches: Vec<Batch> = Vec::new();
    for _ in 0..batch_count {
        let batch = reader.batch(&mut refs)?;
        if let Some(prev) = batches.last()
            && (&*prev.producer, &prev.signature.0[..])
                >= (&*batch.producer, &batch.signature.0[..])
        {
            return Err(reader.fail("batches are not in ascending (producer, signature) order"));
        }
        batches.push(batch);
    }
    if refs.next != table.len() {
        return Err(reader.fail("the value table holds values no entry refers to"));
    }
    let order_count = reader.count()?;
    let mut stream_order = Vec::with_capacity(order_count.min(PREALLOC_MAX));
    let mut seen_keys = std::collections::HashSet::with_capacity(order_count.min(PREALLOC_MAX));
    for _ in 0..order_count {
        let key = reader.key()?;
        if !seen_keys.insert(key) {
            return Err(reader.fail("a stream element appears twice in the stream order"));
        }
        stream_order.push(key);
    }
    if reader.pos != bytes.len() {
        return Err(reader.fail("trailing bytes after the data"));
    }
    Ok(Decoded {
        batches,
        stream_order,
    })
}

/// Values must be referred to in table order, so the table has one layout.
struct RefCheck<'t> {
    table: &'t [ValueRef],
    next: usize,
}

impl RefCheck<'_> {
    fn get(&mut self, idx: u64) -> Option<ValueRef> {
        let idx = usize::try_from(idx).ok()?;
        if idx > self.next || idx >= self.table.len() {
            return None;
        }
        if idx == self.next {
            self.next += 1;
        }
        Some(self.table[idx].clone())
    }
}

struct Reader<'b> {
    bytes: &'b [u8],
    pos: usize,
    max_depth: usize,
}

impl<'b> Reader<'b> {
    fn fail(&self, what: &str) -> Error {
        Error::Decode(format!(
            "invalid particle data at byte {}: {what}",
            self.pos
        ))
    }

    fn take(&mut self, n: usize) -> Result<&'b [u8], Error> {
        if self.bytes.len() - self.pos < n {
            return Err(self.fail("unexpected end of data"));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    fn key(&mut self) -> Result<EntryKey, Error> {
        let mut raw = [0u8; 16];
        raw.copy_from_slice(self.take(16)?);
        Ok(EntryKey(u128::from_be_bytes(raw)))
    }

    fn byte(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }

    fn varint(&mut self) -> Result<u64, Error> {
        let mut result = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(self.fail("varint overflows 64 bits"));
            }
            result |= bits << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return Err(self.fail("varint is not in its shortest form"));
                }
                return Ok(result);
            }
        }
        Err(self.fail("varint is too long"))
    }

    /// A count of items that each take at least one byte: never more than the
    /// bytes left, so it can size nothing beyond the input.
    fn count(&mut self) -> Result<usize, Error> {
        let n = self.varint()?;
        match usize::try_from(n) {
            Ok(n) if n <= self.bytes.len() - self.pos => Ok(n),
            _ => Err(self.fail("a count is larger than the remaining data")),
        }
    }

    fn string(&mut self) -> Result<String, Error> {
        let len = self.count()?;
        let raw = self.take(len)?;
        std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|_| self.fail("a string is not valid UTF-8"))
    }

    fn value(&mut self, depth_left: usize) -> Result<Value, Error> {
        let tag = self.byte()?;
        Ok(match tag {
            TAG_NULL => Value::Null,
            TAG_FALSE => Value::Bool(false),
            TAG_TRUE => Value::Bool(true),
            TAG_UINT => Value::Number(self.varint()?.into()),
            TAG_NEGINT => {
                let raw = self.varint()?;
                if raw > i64::MAX as u64 {
                    return Err(self.fail("negative integer out of range"));
                }
                Value::Number((!raw as i64).into())
            }
            TAG_FLOAT => {
                let raw = self.take(8)?;
                let mut bits = [0u8; 8];
                bits.copy_from_slice(raw);
                let float = f64::from_bits(u64::from_le_bytes(bits));
                match Number::from_f64(float) {
                    Some(n) if !n.is_u64() && !n.is_i64() => Value::Number(n),
                    _ => return Err(self.fail("a float is not finite")),
                }
            }
            TAG_STRING => Value::String(self.string()?),
            TAG_ARRAY => {
                let depth_left = self.deeper(depth_left)?;
                let n = self.count()?;
                let mut items = Vec::with_capacity(n.min(PREALLOC_MAX));
                for _ in 0..n {
                    items.push(self.value(depth_left)?);
                }
                Value::Array(items)
            }
            TAG_OBJECT => {
                let depth_left = self.deeper(depth_left)?;
                let n = self.count()?;
                let mut map = Map::new();
                let mut last: Option<String> = None;
                for _ in 0..n {
                    let key = self.string()?;
                    if last.as_ref().is_some_and(|last| *last >= key) {
                        return Err(self.fail("object keys are not in ascending order"));
                    }
                    let item = self.value(depth_left)?;
                    last = Some(key.clone());
                    map.insert(key, item);
                }
                Value::Object(map)
            }
            _ => return Err(self.fail(&format!("unknown value tag {tag}"))),
        })
    }

    fn deeper(&self, depth_left: usize) -> Result<usize, Error> {
        depth_left
            .checked_sub(1)
            .ok_or_else(|| self.fail("a value is nested deeper than the limit"))
    }

    fn batch(&mut self, refs: &mut RefCheck<'_>) -> Result<Batch, Error> {
        let producer: Arc<str> = self.string()?.into();
        let mut signature = [0u8; 64];
        signature.copy_from_slice(self.take(64)?);
        let n = self.count()?;
        let mut entries: Vec<(EntryKey, Entry)> = Vec::with_capacity(n.min(PREALLOC_MAX));
        for _ in 0..n {
            let key = self.key()?;
            if entries.last().is_some_and(|(last, _)| *last >= key) {
                return Err(self.fail("entries are not in ascending key order"));
            }
            let entry = self.entry(refs)?;
            entries.push((key, entry));
        }
        Ok(Batch {
            producer,
            signature: Signature(signature),
            entries,
        })
    }

    fn value_ref(&mut self, refs: &mut RefCheck<'_>) -> Result<ValueRef, Error> {
        let idx = self.varint()?;
        refs.get(idx)
            .ok_or_else(|| self.fail("a value index is out of order or out of range"))
    }

    fn entry(&mut self, refs: &mut RefCheck<'_>) -> Result<Entry, Error> {
        let tag = self.byte()?;
        Ok(match tag {
            ENTRY_SENT => Entry::Sent,
            ENTRY_OK => Entry::Ok(self.value_ref(refs)?),
            ENTRY_ERR => {
                let ret_code = unzigzag(self.varint()?);
                Entry::Err {
                    ret_code,
                    message: self.value_ref(refs)?,
                }
            }
            ENTRY_CANON => {
                let n = self.count()?;
                let mut elems = Vec::with_capacity(n.min(PREALLOC_MAX));
                for _ in 0..n {
                    let map_key = match self.byte()? {
                        0 => None,
                        1 => Some(self.value_ref(refs)?),
                        _ => return Err(self.fail("bad canon element flag")),
                    };
                    let value = self.value_ref(refs)?;
                    let provenance = Arc::new(self.provenance(self.max_depth)?);
                    elems.push(CanonElem {
                        map_key,
                        value,
                        provenance,
                    });
                }
                Entry::Canon(elems.into())
            }
            _ => return Err(self.fail(&format!("unknown entry tag {tag}"))),
        })
    }

    fn provenance(&mut self, depth_left: usize) -> Result<Provenance, Error> {
        let tag = self.byte()?;
        Ok(match tag {
            PROV_LITERAL => Provenance::Literal,
            PROV_CALL => Provenance::Call {
                peer: self.string()?,
                service: self.string()?,
                function: self.string()?,
                lens: self.string()?,
            },
            PROV_ERROR => Provenance::Error {
                peer: self.string()?,
            },
            PROV_MANY => {
                let depth_left = depth_left
                    .checked_sub(1)
                    .ok_or_else(|| self.fail("provenance is nested deeper than the limit"))?;
                let n = self.count()?;
                let mut items = Vec::with_capacity(n.min(PREALLOC_MAX));
                for _ in 0..n {
                    items.push(self.provenance(depth_left)?);
                }
                Provenance::Many(items)
            }
            _ => return Err(self.fail(&format!("unknown provenance tag {tag}"))),
        })
    }
}
