//! `weft run FILE.air|FILE.aqua`: runs a flow on the network and prints its result; Aqua
//! files are compiled first (see [`crate::aqua`]).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use serde_json::Value;

use crate::aqua;
use crate::session::{Connect, Session};

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// An AIR script (.air) or an Aqua file (.aqua).
    file: PathBuf,
    /// The Aqua function to run (needed when the file exports several).
    #[arg(long)]
    func: Option<String>,
    /// An argument as NAME=JSON (served to the flow by getDataSrv); repeatable.
    #[arg(long = "arg", value_name = "NAME=JSON")]
    args: Vec<String>,
    #[command(flatten)]
    connect: Connect,
}

pub fn run(args: RunArgs) -> anyhow::Result<()> {
    let mut data = BTreeMap::new();
    for arg in &args.args {
        let (name, value) = arg
            .split_once('=')
            .with_context(|| format!("--arg `{arg}` is not NAME=JSON"))?;
        let value: Value = serde_json::from_str(value).with_context(|| {
            format!("--arg {name}: `{value}` is not JSON (strings need quotes: {name}='\"text\"')")
        })?;
        data.insert(name.to_owned(), value);
    }
    let script = match args.file.extension().and_then(|e| e.to_str()) {
        Some("aqua") => {
            let functions = aqua::compile(&args.file)?;
            let (name, function) = aqua::choose(&functions, args.func.as_deref())?;
            let missing: Vec<&String> = function
                .args
                .iter()
                .filter(|a| !data.contains_key(*a))
                .collect();
            if !missing.is_empty() {
                bail!(
                    "{name} takes arguments {}: pass each with --arg NAME=JSON (missing: {})",
                    function.args.join(", "),
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            function.script
        }
        Some("air") => std::fs::read_to_string(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?,
        _ => bail!("{} is neither .air nor .aqua", args.file.display()),
    };
    let session = Session::open(&args.connect)?;
    let result = session.execute(&script, data);
    session.close();
    let values = result?;
    let out = match values.len() {
        1 => values.into_iter().next().unwrap_or(Value::Null),
        _ => Value::Array(values),
    };
    println!("{out}");
    Ok(())
}
