//! AIR, the flow language that travels inside every Weft particle.
//!
//! This crate is the pure core of Weft: it parses and prints scripts, runs them,
//! and merges the data that peers exchange. It does no I/O and reads no clock or
//! randomness; time, keys and limits come in as parameters.

mod ast;
mod data;
mod error;
mod exec;
mod limits;
mod parse;
mod print;
mod run;
pub mod sim;
mod validate;

pub use ast::*;
pub use data::{Data, forget_verified_signatures};
pub use error::Error;
pub use limits::Limits;
pub use parse::{ParseError, parse, parse_syntax, parse_syntax_with_limits, parse_with_limits};
pub use print::{instr_head, print, print_with_comments, value_to_string};
pub use run::{CallId, CallRequest, CallResult, Outcome, PeerKeys, Provenance, RunParams, run};
