//! `weft flow`: simulate, format and check AIR scripts locally.

use std::fmt::Display;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use weft_air::Limits;
use weft_air::sim::{SimOptions, simulate};

use crate::Diagnostic;

#[derive(Debug, Subcommand)]
pub(crate) enum FlowCommand {
    /// Run a script on virtual peers with mocked services and print what happened as
    /// one line of JSON: the calls in execution order and each peer's outcome.
    ///
    /// Mock a call with a comment on the line where it starts: `; ok = <json>`,
    /// `; err = {"ret_code": N, "message": "text"}`, `; behaviour = echo`,
    /// `; behaviour = arg.N`, `; seq_ok = {"0": v, "default": v}` or
    /// `; map = {"key": v}`. Unannotated calls return null.
    Simulate {
        /// The AIR script.
        file: PathBuf,
        /// Name of the peer that starts the flow (`%init_peer_id%`).
        #[arg(long, value_name = "NAME", default_value = "init")]
        init_peer: String,
    },
    /// Print the script in canonical layout (does not check variables).
    Fmt {
        /// The AIR script.
        file: PathBuf,
    },
    /// Parse and validate the script; print `ok` or the located error.
    Check {
        /// The AIR script.
        file: PathBuf,
    },
}

pub(crate) fn run(command: FlowCommand) -> anyhow::Result<()> {
    match command {
        FlowCommand::Simulate { file, init_peer } => {
            let source = read_script(&file)?;
            let options = SimOptions {
                init_peer,
                ..SimOptions::default()
            };
            let report = simulate(&source, &options).map_err(|e| script_error(&file, e))?;
            print_line(&report.to_json().to_string())
        }
        FlowCommand::Fmt { file } => {
            let source = read_script(&file)?;
            let script = weft_air::parse_syntax(&source).map_err(|e| script_error(&file, e))?;
            let text = weft_air::print_with_comments(&script, &source);
            print_line(text.trim_end())
        }
        FlowCommand::Check { file } => {
            let source = read_script(&file)?;
            weft_air::parse(&source).map_err(|e| script_error(&file, e))?;
            print_line("ok")
        }
    }
}

/// Reads at most one byte more than the largest script the parser accepts, so a
/// huge file costs no more memory than that.
fn read_script(path: &Path) -> anyhow::Result<String> {
    let max = Limits::default().max_script_bytes;
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read the script {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read the script {}", path.display()))?;
    anyhow::ensure!(
        bytes.len() <= max,
        "the script {} is over the limit of {max} bytes",
        path.display()
    );
    String::from_utf8(bytes)
        .with_context(|| format!("the script {} is not UTF-8 text", path.display()))
}

/// A script error located in `path`. Parse errors already render as a full
/// diagnostic (`error: ...` with the line and carets); others get the usual prefix.
fn script_error(path: &Path, error: impl Display) -> anyhow::Error {
    let text = error.to_string();
    let text = if text.starts_with("error:") {
        format!("{text}\n  = in {}", path.display())
    } else {
        format!("error: {}: {text}", path.display())
    };
    Diagnostic(text).into()
}

fn print_line(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").context("cannot write to stdout")?;
    out.flush().context("cannot write to stdout")
}
