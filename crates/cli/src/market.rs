//! The marketplace from the command line: `weft provider` for node operators, `weft deal`
//! for developers, `weft deploy --market`, and the local chain `weft up --chain` starts.
//!
//! Every command talks to the `Market` contract through `weft_chain::AlloyMarket`; the chain,
//! the contract and the signing wallet come from flags ([`chain::ChainArgs`]) or, by default,
//! from the local network's `network.json`. Amounts are whole tokens with up to 6 decimals
//! ([`amount`]), parsed exactly.

pub mod amount;
pub mod chain;
pub mod deal;
pub mod deploy;
pub mod devnet;
pub mod provider;

pub use deal::DealCommand;
pub use provider::ProviderCommand;

/// A peer id stored on chain as bytes, as text (or hex when it is not a peer id).
fn peer_text(bytes: &[u8]) -> String {
    match weft_core::PeerId::from_bytes(bytes) {
        Ok(peer) => peer.to_string(),
        Err(_) if bytes.is_empty() => "-".into(),
        Err(_) => format!(
            "0x{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        ),
    }
}
