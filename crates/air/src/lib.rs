//! AIR, the flow language that travels inside every Weft particle.
//!
//! This crate is the pure core of Weft: it parses and prints scripts, runs them,
//! and merges the data that peers exchange. It does no I/O and reads no clock or
//! randomness; time, keys and limits come in as parameters.

mod ast;
mod data;
mod error;
mod limits;
mod run;

pub use ast::*;
pub use data::Data;
pub use error::Error;
pub use limits::Limits;
pub use run::{CallId, CallRequest, CallResult, Outcome, PeerKeys, Provenance, RunParams, run};
