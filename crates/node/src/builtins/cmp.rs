//! `cmp`: integer comparisons (aqua-lib's `service Compare("cmp")` in `math.aqua`).
//!
//! Aqua has no comparison operators on numbers in every position it needs them (`if`
//! compares for equality only), so flows call these.

use std::cmp::Ordering;

use serde_json::Value;

use super::PureFn;
use super::args::Args;

pub(super) const FUNCTIONS: &[(&str, PureFn)] = &[
    ("gt", gt),
    ("gte", gte),
    ("lt", lt),
    ("lte", lte),
    ("cmp", cmp),
];

/// The order of two `i64` arguments, x against y.
fn order(args: &Args<'_>) -> Result<Ordering, String> {
    args.exactly(2)?;
    Ok(args.i64(0)?.cmp(&args.i64(1)?))
}

fn gt(args: &Args<'_>) -> Result<Value, String> {
    Ok(Value::Bool(order(args)?.is_gt()))
}

fn gte(args: &Args<'_>) -> Result<Value, String> {
    Ok(Value::Bool(order(args)?.is_ge()))
}

fn lt(args: &Args<'_>) -> Result<Value, String> {
    Ok(Value::Bool(order(args)?.is_lt()))
}

fn lte(args: &Args<'_>) -> Result<Value, String> {
    Ok(Value::Bool(order(args)?.is_le()))
}

/// -1, 0 or 1 as x is less than, equal to or greater than y.
fn cmp(args: &Args<'_>) -> Result<Value, String> {
    let sign: i8 = match order(args)? {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    };
    Ok(Value::from(sign))
}
