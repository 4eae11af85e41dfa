//! `array`: sums and set operations on arrays (aqua-lib's `service Array("array")` in
//! `math.aqua`, plus nox's `slice` and `length`).
//!
//! The set operations return elements in the order they first appear (in `xs`, then `ys`)
//! rather than nox's hash-set order: Aqua promises no order, and a fixed one lets every peer
//! and every test see the same result.

use std::collections::HashSet;

use serde_json::Value;

use super::args::Args;
use super::{PureFn, op};

pub(super) const FUNCTIONS: &[(&str, PureFn)] = &[
    ("sum", sum),
    ("dedup", dedup),
    ("intersect", intersect),
    ("diff", diff),
    ("sdiff", sdiff),
    ("slice", slice),
    ("length", op::array_length),
];

/// The checked sum of an array of `i64`.
fn sum(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(1)?;
    let xs = args.array_of(0, "an array of integers (i64)", Value::as_i64)?;
    xs.iter()
        .try_fold(0i64, |acc, x| acc.checked_add(*x))
        .map(Value::from)
        .ok_or_else(|| args.error("the sum overflows i64"))
}

/// Removes duplicate strings, keeping each one's first occurrence.
fn dedup(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(1)?;
    let xs = args.strings(0)?;
    strings_result(args, unique(xs.into_iter(), |_| true))
}

/// Strings in both arrays.
fn intersect(args: &Args<'_>) -> Result<Value, String> {
    let (xs, ys) = two_string_arrays(args)?;
    let ys: HashSet<&str> = ys.into_iter().collect();
    strings_result(args, unique(xs.into_iter(), |x| ys.contains(x)))
}

/// Strings of the first array that are not in the second.
fn diff(args: &Args<'_>) -> Result<Value, String> {
    let (xs, ys) = two_string_arrays(args)?;
    let ys: HashSet<&str> = ys.into_iter().collect();
    strings_result(args, unique(xs.into_iter(), |x| !ys.contains(x)))
}

/// Strings in exactly one of the two arrays.
fn sdiff(args: &Args<'_>) -> Result<Value, String> {
    let (xs, ys) = two_string_arrays(args)?;
    let in_xs: HashSet<&str> = xs.iter().copied().collect();
    let in_ys: HashSet<&str> = ys.iter().copied().collect();
    let only_xs = xs.into_iter().filter(|x| !in_ys.contains(x));
    let only_ys = ys.into_iter().filter(|y| !in_xs.contains(y));
    strings_result(args, unique(only_xs.chain(only_ys), |_| true))
}

/// Elements `start..end` of an array of anything; `end` is exclusive. As in nox, any
/// slice of an empty array is empty.
fn slice(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(3)?;
    let items = args.array(0)?;
    let (start, end) = (args.index(1)?, args.index(2)?);
    if items.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    if start > end || end > items.len() {
        return Err(args.error(format!(
            "slice {start}..{end} is out of bounds of an array of {} elements \
             (need start <= end <= length)",
            items.len()
        )));
    }
    args.check_items(end - start)?;
    Ok(Value::Array(items[start..end].to_vec()))
}

fn two_string_arrays<'a>(args: &Args<'a>) -> Result<(Vec<&'a str>, Vec<&'a str>), String> {
    args.exactly(2)?;
    Ok((args.strings(0)?, args.strings(1)?))
}

/// The items that pass `keep`, each once, in order of first appearance.
fn unique<'a>(items: impl Iterator<Item = &'a str>, keep: impl Fn(&str) -> bool) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    items.filter(|x| keep(x) && seen.insert(*x)).collect()
}

fn strings_result(args: &Args<'_>, items: Vec<&str>) -> Result<Value, String> {
    args.check_items(items.len())?;
    Ok(Value::Array(
        items
            .into_iter()
            .map(|s| Value::String(s.to_owned()))
            .collect(),
    ))
}
