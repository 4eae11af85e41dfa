//! `math`: integer arithmetic (aqua-lib's `service Math("math")` in `math.aqua`).
//!
//! Arguments and results are `i64` as Aqua declares them; every operation is checked, so
//! an overflow or a division by zero is an error the flow can catch, never a wrapped or
//! saturated number that looks valid.

use serde_json::Value;

use super::PureFn;
use super::args::Args;

pub(super) const FUNCTIONS: &[(&str, PureFn)] = &[
    ("add", add),
    ("sub", sub),
    ("mul", mul),
    ("fmul", fmul),
    ("div", div),
    ("rem", rem),
    ("pow", pow),
    ("log", log),
];

/// Two `i64` arguments.
fn pair(args: &Args<'_>) -> Result<(i64, i64), String> {
    args.exactly(2)?;
    Ok((args.i64(0)?, args.i64(1)?))
}

fn overflow(args: &Args<'_>, x: i64, op: &str, y: i64) -> String {
    args.error(format!("{x} {op} {y} overflows i64"))
}

fn add(args: &Args<'_>) -> Result<Value, String> {
    let (x, y) = pair(args)?;
    x.checked_add(y)
        .map(Value::from)
        .ok_or_else(|| overflow(args, x, "+", y))
}

fn sub(args: &Args<'_>) -> Result<Value, String> {
    let (x, y) = pair(args)?;
    x.checked_sub(y)
        .map(Value::from)
        .ok_or_else(|| overflow(args, x, "-", y))
}

fn mul(args: &Args<'_>) -> Result<Value, String> {
    let (x, y) = pair(args)?;
    x.checked_mul(y)
        .map(Value::from)
        .ok_or_else(|| overflow(args, x, "*", y))
}

/// floor(x * y) of two numbers of any kind, as an `i64`: how Aqua scales by a fraction.
fn fmul(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(2)?;
    let (x, y) = (args.f64(0)?, args.f64(1)?);
    let product = (x * y).floor();
    // i64::MAX is not exactly representable; its f64 neighbour 2^63 is already out of range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if (-LIMIT..LIMIT).contains(&product) {
        // In range and integral, so the cast is exact.
        Ok(Value::from(product as i64))
    } else {
        Err(args.error(format!("floor({x} * {y}) does not fit in i64")))
    }
}

/// Integer division rounding toward zero, like Rust and nox.
fn div(args: &Args<'_>) -> Result<Value, String> {
    let (x, y) = pair(args)?;
    if y == 0 {
        return Err(args.error(format!("division by zero: {x} / 0")));
    }
    x.checked_div(y)
        .map(Value::from)
        .ok_or_else(|| overflow(args, x, "/", y))
}

/// Remainder with the sign of `x`, like Rust and nox.
fn rem(args: &Args<'_>) -> Result<Value, String> {
    let (x, y) = pair(args)?;
    if y == 0 {
        return Err(args.error(format!("division by zero: {x} % 0")));
    }
    x.checked_rem(y)
        .map(Value::from)
        .ok_or_else(|| overflow(args, x, "%", y))
}

/// x to the power y, y a `u32`.
fn pow(args: &Args<'_>) -> Result<Value, String> {
    args.exactly(2)?;
    let (x, y) = (args.i64(0)?, args.u32(1)?);
    x.checked_pow(y)
        .map(Value::from)
        .ok_or_else(|| args.error(format!("{x} ^ {y} overflows i64")))
}

/// The integer logarithm of `y` in base `x`, rounded down (`log(2, 8) = 3`).
fn log(args: &Args<'_>) -> Result<Value, String> {
    let (base, y) = pair(args)?;
    if base < 2 {
        return Err(args.error(format!(
            "argument 1 (the base) must be at least 2, got {base}"
        )));
    }
    if y < 1 {
        return Err(args.error(format!("argument 2 must be positive, got {y}")));
    }
    // Both checked above, so this cannot fail; keep the error path rather than unwrap.
    y.checked_ilog(base)
        .map(Value::from)
        .ok_or_else(|| args.error(format!("log base {base} of {y} is undefined")))
}
