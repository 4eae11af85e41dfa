//! `debug`: turning any value into text for logs and error messages (aqua-lib's
//! `service Debug("debug")`).

use serde_json::Value;

use super::args::Args;
use super::{PureFn, bounded_json_text};

pub(super) const FUNCTIONS: &[(&str, PureFn)] = &[("stringify", stringify)];

/// The compact JSON text of the argument; of all arguments as an array when there are
/// several; and, as nox does, a JSON string saying so when there are none (so the result
/// is always valid JSON text).
fn stringify(args: &Args<'_>) -> Result<Value, String> {
    let text = match args.all() {
        [] => "\"<empty argument list>\"".to_owned(),
        [one] => bounded_json_text(args, one)?,
        many => bounded_json_text(args, many)?,
    };
    Ok(Value::String(text))
}
