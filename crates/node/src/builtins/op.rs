//! `op`: Aqua's everyday helpers (aqua-lib's `service Op("op")`): building arrays and
//! strings, base58 and SHA-256.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::args::Args;
use super::{MAX_RESULT_BYTES, PureFn};

/// Most bytes base58-encoded in one call. Base58 takes time quadratic in the length (a
/// millisecond or so here, a second at 16 KiB), and what it carries in practice (peer ids,
/// keys, hashes, signatures) is under 100 bytes.
pub(crate) const MAX_BASE58_BYTES: usize = 1024;

/// Longest base58 text decoded in one call: the encoding of [`MAX_BASE58_BYTES`] bytes
/// (each base58 digit carries log2(58) = 5.86 bits).
pub(crate) const MAX_BASE58_TEXT: usize = MAX_BASE58_BYTES * 8 * 100 / 585 + 1;

/// The multihash prefix of a SHA-256 digest: code 0x12, digest length 32.
const SHA256_MULTIHASH_PREFIX: [u8; 2] = [0x12, 0x20];

pub(super) const FUNCTIONS: &[(&str, PureFn)] = &[
    ("noop", noop),
    ("identity", identity),
    ("array", array),
    ("array_length", array_length),
    ("concat", concat),
    ("concat_strings", concat_strings),
    ("string_to_b58", string_to_b58),
    ("string_from_b58", string_from_b58),
    ("bytes_to_b58", bytes_to_b58),
    ("bytes_from_b58", bytes_from_b58),
    ("sha256_string", sha256_string),
];

/// "No result" as nox gives it: the empty string.
fn nothing() -> Value {
    Value::String(String::new())
}

/// Takes any arguments: AIR scripts pass variables to `op.noop` just to wait for them.
fn noop(_: &Args<'_>) -> Result<Value, String> {
    Ok(nothing())
}

fn identity(args: &Args<'_>) -> Result<Value, String> {
    args.between(0, 1)?;
    Ok(args.all().first().cloned().unwrap_or_else(nothing))
}

/// Any number of arguments of any type (Aqua declares four and calls it with any number).
fn array(args: &Args<'_>) -> Result<Value, String> {
    args.check_items(args.len())?;
    Ok(Value::Array(args.all().to_vec()))
}

pub(super) fn array_length(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(1)?;
    Ok(Value::from(args.array(0)?.len()))
}

/// Flattens any number of arrays into one.
fn concat(args: &Args<'_>) -> Result<Value, String> {
    let arrays = (0..args.len())
        .map(|i| args.array(i))
        .collect::<Result<Vec<_>, _>>()?;
    args.check_items(arrays.iter().map(|a| a.len()).sum())?;
    Ok(Value::Array(arrays.concat()))
}

/// Joins any number of strings.
fn concat_strings(args: &Args<'_>) -> Result<Value, String> {
    let parts = (0..args.len())
        .map(|i| args.str(i))
        .collect::<Result<Vec<_>, _>>()?;
    let total: usize = parts.iter().map(|s| s.len()).sum();
    if total > MAX_RESULT_BYTES {
        return Err(args.error(format!(
            "the result would be {total} bytes, more than the limit of {MAX_RESULT_BYTES}"
        )));
    }
    Ok(Value::String(parts.concat()))
}

fn string_to_b58(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(1)?;
    let s = args.str(0)?;
    check_base58_length(args, "bytes", s.len(), MAX_BASE58_BYTES)?;
    Ok(Value::String(bs58::encode(s).into_string()))
}

/// Decodes base58 to bytes, then the bytes as UTF-8.
fn string_from_b58(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(1)?;
    let bytes = decode_base58(args)?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|e| args.error(format!("the decoded bytes are not UTF-8: {e}")))
}

fn bytes_to_b58(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(1)?;
    let bytes = args.array_of(0, "an array of bytes (integers 0 to 255)", |v| {
        v.as_u64().and_then(|n| u8::try_from(n).ok())
    })?;
    check_base58_length(args, "bytes", bytes.len(), MAX_BASE58_BYTES)?;
    Ok(Value::String(bs58::encode(bytes).into_string()))
}

fn bytes_from_b58(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(1)?;
    let bytes = decode_base58(args)?;
    Ok(Value::Array(bytes.into_iter().map(Value::from).collect()))
}

/// SHA-256 of the string's UTF-8 bytes. Optional arguments as in nox: `digest_only`
/// drops the multihash prefix, `as_bytes` returns a byte array instead of base58.
fn sha256_string(args: &Args<'_>) -> Result<Value, String> {
    args.between(1, 3)?;
    let s = args.str(0)?;
    let digest_only = args.opt_bool(1)?.unwrap_or(false);
    let as_bytes = args.opt_bool(2)?.unwrap_or(false);
    let digest = Sha256::digest(s.as_bytes());
    let hash = if digest_only {
        digest.to_vec()
    } else {
        [&SHA256_MULTIHASH_PREFIX[..], &digest[..]].concat()
    };
    Ok(if as_bytes {
        Value::Array(hash.into_iter().map(Value::from).collect())
    } else {
        Value::String(bs58::encode(hash).into_string())
    })
}

/// The bytes of base58 argument 1.
fn decode_base58(args: &Args<'_>) -> Result<Vec<u8>, String> {
    let text = args.str(0)?;
    check_base58_length(args, "characters", text.len(), MAX_BASE58_TEXT)?;
    bs58::decode(text)
        .into_vec()
        .map_err(|e| args.error(format!("argument 1 is not valid base58: {e}")))
}

fn check_base58_length(args: &Args<'_>, unit: &str, len: usize, max: usize) -> Result<(), String> {
    if len > max {
        return Err(args.error(format!(
            "argument 1 is {len} {unit}, more than the base58 limit of {max}"
        )));
    }
    Ok(())
}
