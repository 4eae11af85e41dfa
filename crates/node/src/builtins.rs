//! Pure builtin services: the ones whose result depends only on their arguments.
//!
//! Named and typed as Fluence's aqua-lib declares them (`builtin.aqua`, `math.aqua`), so
//! Aqua code written for Fluence runs unchanged: `op`, `math`, `cmp`, `array`, `json` and
//! `debug`. Each service is a table of functions in its own module; [`call_pure`] looks the
//! pair up and runs it. No I/O, no clock, no randomness: the pipeline may call these
//! inline, without a timeout, and a test can call them from data.
//!
//! ```text
//! let sum = call_pure("math", "add", &[json!(2), json!(3)]);
//! assert_eq!(sum, Some(Ok(json!(5))));
//! assert_eq!(call_pure("peer", "identify", &[]), None); // not pure: the pipeline handles it
//! ```
//!
//! Semantics follow Fluence's node (nox) where Aqua code can observe them: integers are
//! `i64` with checked arithmetic (overflow and division by zero are errors, never a wrap),
//! "no result" is the empty string, optional arguments accept Aqua's option encoding
//! (`[]`, `[x]`) as well as a bare value or `null`. Where nox's result order depended on a
//! hash set (`array.intersect`, `diff`, `sdiff`), ours is the order of first appearance, so
//! every peer computes the same bytes.

mod args;
mod array;
mod cmp;
mod debug;
mod json;
mod math;
mod op;
#[cfg(test)]
mod tests;

use std::io;

use serde_json::Value;

use args::Args;

/// Most elements (or object keys) a builtin builds into one result: `op.concat`,
/// `op.array`, `op.bytes_from_b58`, `array.*`, `json.obj*`. Larger results are refused with
/// an error instead of growing memory with the product of the arguments.
pub(crate) const MAX_RESULT_ITEMS: usize = 65_536;

/// Most bytes in a string a builtin builds (`op.concat_strings`, `json.stringify`,
/// `debug.stringify`, `op.string_from_b58`): the interpreter's default bound on one call
/// result (`weft_air::Limits::max_call_result_bytes`), so a builtin never produces what
/// the interpreter would then reject.
pub(crate) const MAX_RESULT_BYTES: usize = 16 << 20;

/// One builtin function: reads its arguments through [`Args`], which names the service,
/// function and argument in every error.
type PureFn = fn(&Args<'_>) -> Result<Value, String>;

/// A service id and its functions.
type Service = (&'static str, &'static [(&'static str, PureFn)]);

const SERVICES: &[Service] = &[
    ("op", op::FUNCTIONS),
    ("math", math::FUNCTIONS),
    ("cmp", cmp::FUNCTIONS),
    ("array", array::FUNCTIONS),
    ("json", json::FUNCTIONS),
    ("debug", debug::FUNCTIONS),
];

/// Runs `service.function` on `args` if it is a pure builtin.
///
/// `None` when it is not one (the pipeline then tries the stateful builtins, then hosted
/// services); `Err(message)` for a wrong number or type of arguments or a domain error,
/// the message starting with `service.function:` and naming the argument at fault.
pub(crate) fn call_pure(
    service: &str,
    function: &str,
    args: &[Value],
) -> Option<Result<Value, String>> {
    let (_, functions) = SERVICES.iter().find(|(id, _)| *id == service)?;
    let (_, run) = functions.iter().find(|(name, _)| *name == function)?;
    Some(run(&Args::new(service, function, args)))
}

/// Every pure builtin as `(service, function)`, for listings and tests.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn pure_functions() -> impl Iterator<Item = (&'static str, &'static str)> {
    SERVICES
        .iter()
        .flat_map(|(service, functions)| functions.iter().map(move |(name, _)| (*service, *name)))
}

/// The compact JSON text of `value`, refused once it passes [`MAX_RESULT_BYTES`]: the
/// serializer stops at the limit, so a huge value never becomes a huge string.
fn bounded_json_text(
    args: &Args<'_>,
    value: &(impl serde::Serialize + ?Sized),
) -> Result<String, String> {
    let mut out = BoundedBuf::default();
    if serde_json::to_writer(&mut out, value).is_err() {
        return Err(args.error(format!(
            "the JSON text would exceed {MAX_RESULT_BYTES} bytes"
        )));
    }
    // serde_json writes only UTF-8; a failure here would be a serde_json bug, still no panic.
    String::from_utf8(out.bytes).map_err(|e| args.error(format!("JSON text is not UTF-8: {e}")))
}

/// An in-memory writer that fails instead of growing past [`MAX_RESULT_BYTES`].
#[derive(Default)]
struct BoundedBuf {
    bytes: Vec<u8>,
}

impl io::Write for BoundedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_RESULT_BYTES {
            return Err(io::Error::other("result too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
