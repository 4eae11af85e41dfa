//! A particle's data: the signed results of calls and canons, keyed by where they
//! happened, and the binary format that carries them.
//!
//! PINNED API: `Data::default()` (empty), `Data::to_bytes`, `Data::from_bytes`.

use crate::{Error, Limits};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Data {}

impl Data {
    pub fn to_bytes(&self) -> Vec<u8> {
        todo!("the data format")
    }

    pub fn from_bytes(bytes: &[u8], limits: &Limits) -> Result<Self, Error> {
        let _ = (bytes, limits);
        todo!("the data format")
    }
}
