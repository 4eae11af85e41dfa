//! `weft`: the command-line tool for Weft developers and providers.
//!
//! Each top-level subcommand lives in its own module (`flow`, `component`, later
//! `node`, `up`, ...) with its own clap `Subcommand` enum and a `run` function;
//! this file only dispatches and turns errors into exit codes.

mod component;
mod flow;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Weft: a decentralized serverless compute network.
#[derive(Debug, Parser)]
#[command(name = "weft", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Work with AIR flows: simulate, format and check scripts.
    #[command(subcommand)]
    Flow(flow::FlowCommand),
    /// Try a WebAssembly component service locally: describe it, call its functions.
    #[command(subcommand)]
    Component(component::ComponentCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Flow(command) => flow::run(command),
        Command::Component(command) => component::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            match error.downcast_ref::<Diagnostic>() {
                Some(diagnostic) => eprintln!("{diagnostic}"),
                None => eprintln!("error: {error:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

/// An error whose text is already a complete diagnostic (a located script error
/// with its source line and carets), printed as is.
#[derive(Debug)]
pub(crate) struct Diagnostic(pub(crate) String);

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Diagnostic {}
