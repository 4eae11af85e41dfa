//! JSON values as the data format stores them: a canonical binary encoding and a
//! content hash (BLAKE3 of that encoding) that names each distinct value once.

use std::sync::Arc;

use serde_json::{Map, Number, Value};

pub(crate) const TAG_NULL: u8 = 0;
pub(crate) const TAG_FALSE: u8 = 1;
pub(crate) const TAG_TRUE: u8 = 2;
pub(crate) const TAG_UINT: u8 = 3;
pub(crate) const TAG_NEGINT: u8 = 4;
pub(crate) const TAG_FLOAT: u8 = 5;
pub(crate) const TAG_STRING: u8 = 6;
pub(crate) const TAG_ARRAY: u8 = 7;
pub(crate) const TAG_OBJECT: u8 = 8;

/// BLAKE3 of a value's canonical encoding (several times faster than SHA-256
/// on large values, which decode and record hash in full): equal hashes mean equal values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ValueHash(pub [u8; 32]);

impl ValueHash {
    pub(crate) fn of_encoding(bytes: &[u8]) -> Self {
        Self(*blake3::hash(bytes).as_bytes())
    }
}

/// A shared JSON value with its content hash. Cloning is cheap; equal values
/// held by one [`crate::Data`] share one allocation.
#[derive(Debug, Clone)]
pub(crate) struct ValueRef {
    pub hash: ValueHash,
    pub value: Arc<Value>,
}

impl PartialEq for ValueRef {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash
    }
}

/// A value nested deeper than the limit allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooDeep;

impl ValueRef {
    /// Hashes `value`, refusing values nested deeper than `max_depth`. Returns
    /// the encoded size too, so callers can check size limits.
    pub(crate) fn new(value: Arc<Value>, max_depth: usize) -> Result<(Self, usize), TooDeep> {
        // Hash while encoding: a large value is never copied into a buffer.
        let mut sink = HashSink {
            hasher: blake3::Hasher::new(),
            buf: [0; HashSink::CHUNK],
            used: 0,
            len: 0,
        };
        encode_value(&value, &mut sink, max_depth)?;
        sink.hasher.update(&sink.buf[..sink.used]);
        let hash = ValueHash(*sink.hasher.finalize().as_bytes());
        let value = if sink.len >= super::shared::MIN_SHARED_BYTES {
            super::shared::share(hash, value)
        } else {
            value
        };
        Ok((Self { hash, value }, sink.len))
    }
}

/// Where encoded bytes go: a buffer, or a hasher.
pub(crate) trait Sink {
    fn put(&mut self, byte: u8);
    fn put_all(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, byte: u8) {
        self.push(byte);
    }

    fn put_all(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Hashes an encoding in chunks, holding at most `CHUNK` bytes of it, on
/// the stack: most values are small, and a heap buffer per hashed value
/// cost more than the hashing.
struct HashSink {
    hasher: blake3::Hasher,
    buf: [u8; Self::CHUNK],
    used: usize,
    len: usize,
}

impl HashSink {
    /// One BLAKE3 chunk.
    const CHUNK: usize = 1024;
}

impl Sink for HashSink {
    fn put(&mut self, byte: u8) {
        self.put_all(&[byte]);
    }

    fn put_all(&mut self, bytes: &[u8]) {
        self.len += bytes.len();
        if self.used + bytes.len() > Self::CHUNK {
            self.hasher.update(&self.buf[..self.used]);
            self.used = 0;
            if bytes.len() > Self::CHUNK {
                self.hasher.update(bytes);
                return;
            }
        }
        let end = self.used + bytes.len();
        self.buf[self.used..end].copy_from_slice(bytes);
        self.used = end;
    }
}

fn put_varint(out: &mut impl Sink, mut n: u64) {
    let mut buf = [0u8; 10];
    let mut len = 0;
    while n >= 0x80 {
        buf[len] = (n as u8) | 0x80;
        n >>= 7;
        len += 1;
    }
    buf[len] = n as u8;
    out.put_all(&buf[..=len]);
}

fn put_str(out: &mut impl Sink, text: &str) {
    put_varint(out, text.len() as u64);
    out.put_all(text.as_bytes());
}

pub(crate) fn write_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    write_varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// Appends the canonical encoding of `value`: objects with their keys in
/// ascending byte order, integers as the smallest fitting tag, floats as bits.
pub(crate) fn encode_value(
    value: &Value,
    out: &mut impl Sink,
    depth_left: usize,
) -> Result<(), TooDeep> {
    match value {
        Value::Null => out.put(TAG_NULL),
        Value::Bool(false) => out.put(TAG_FALSE),
        Value::Bool(true) => out.put(TAG_TRUE),
        Value::Number(number) => encode_number(number, out),
        Value::String(text) => {
            out.put(TAG_STRING);
            put_str(out, text);
        }
        Value::Array(items) => {
            let depth_left = depth_left.checked_sub(1).ok_or(TooDeep)?;
            out.put(TAG_ARRAY);
            put_varint(out, items.len() as u64);
            for item in items {
                encode_value(item, out, depth_left)?;
            }
        }
        Value::Object(map) => {
            let depth_left = depth_left.checked_sub(1).ok_or(TooDeep)?;
            out.put(TAG_OBJECT);
            put_varint(out, map.len() as u64);
            for (key, item) in sorted_entries(map) {
                put_str(out, key);
                encode_value(item, out, depth_left)?;
            }
        }
    }
    Ok(())
}

fn encode_number(number: &Number, out: &mut impl Sink) {
    if let Some(n) = number.as_u64() {
        out.put(TAG_UINT);
        put_varint(out, n);
    } else if let Some(n) = number.as_i64() {
        // Only negative integers get here; store -1 - n so it fits a u64.
        out.put(TAG_NEGINT);
        put_varint(out, !(n as u64));
    } else {
        out.put(TAG_FLOAT);
        let bits = number.as_f64().unwrap_or(0.0).to_bits();
        out.put_all(&bits.to_le_bytes());
    }
}

/// The map's entries in ascending key order, whatever order the map keeps
/// (serde_json keeps insertion order when another crate enables `preserve_order`).
pub(crate) fn sorted_entries(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    if !entries.windows(2).all(|w| w[0].0 < w[1].0) {
        entries.sort_by(|a, b| a.0.cmp(b.0));
    }
    entries
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn hash(value: Value) -> ValueHash {
        ValueRef::new(Arc::new(value), 64)
            .map(|(v, _)| v.hash)
            .unwrap()
    }

    #[test]
    fn integer_and_float_differ() {
        assert_ne!(hash(json!(3)), hash(json!(3.0)));
        assert_ne!(hash(json!(-3)), hash(json!(3)));
        assert_eq!(
            hash(json!({"a": 1, "b": [true, null]})),
            hash(json!({"b": [true, null], "a": 1}))
        );
    }

    #[test]
    fn depth_is_bounded() {
        let deep = json!([[[[1]]]]);
        assert!(ValueRef::new(Arc::new(deep.clone()), 4).is_ok());
        assert_eq!(ValueRef::new(Arc::new(deep), 3).map(|_| ()), Err(TooDeep));
    }
}
