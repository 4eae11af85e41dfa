//! The `[provider]` section of the node's config: the chain, the wallet, the offer and the
//! schedules, as TOML text, and [`ProviderSettings`], the same checked and typed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use weft_chain::{Address, B256, U256};

use crate::NodeError;

/// Provider mode: the node sells compute on the market at `market` and deploys the deals
/// matched to it. Token amounts are decimal strings in the token's smallest unit (they
/// exceed TOML's integers); addresses are `0x` hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderModeConfig {
    /// The chain's JSON-RPC endpoint (`http://` or `https://`).
    pub rpc_url: String,
    /// The `Market` contract.
    pub market: String,
    /// The provider's secp256k1 wallet; relative paths are under `data_dir`. Created on
    /// first start when missing (fund it before the node can register).
    #[serde(default = "default_wallet")]
    pub wallet_key_file: PathBuf,
    /// Collateral staked when the wallet is not yet a registered provider.
    pub collateral: String,
    /// The ERC-20 the offer is paid in (earnings are withdrawn in it).
    pub token: String,
    /// Price of one compute unit for one epoch.
    pub price_per_cu: String,
    /// Compute units offered; each replica of a deal takes the deal's units.
    pub compute_units: u64,
    /// Up to 32 bytes of text (`"eu-west"`) or `0x` and 64 hex digits; empty for none.
    #[serde(default)]
    pub region: String,
    /// Bit mask of hardware attributes, decimal or `0x` hex.
    #[serde(default = "zero")]
    pub attributes: String,
    /// The first block to read market events from (0 replays the market's whole history,
    /// which restores the deals this provider serves after a restart).
    #[serde(default)]
    pub from_block: u64,
    #[serde(default = "default_poll")]
    pub poll_interval_ms: u64,
    #[serde(default = "default_heartbeat")]
    pub heartbeat_interval_ms: u64,
    #[serde(default = "default_withdraw")]
    pub withdraw_interval_ms: u64,
    /// First pause before retrying a failed step (registration, a deploy waiting for its
    /// component); it doubles up to `retry_max_ms`.
    #[serde(default = "default_retry")]
    pub retry_ms: u64,
    #[serde(default = "default_retry_max")]
    pub retry_max_ms: u64,
}

fn default_wallet() -> PathBuf {
    PathBuf::from("wallet.key")
}
fn zero() -> String {
    "0".into()
}
fn default_poll() -> u64 {
    2_000
}
fn default_heartbeat() -> u64 {
    30_000
}
fn default_withdraw() -> u64 {
    600_000
}
fn default_retry() -> u64 {
    200
}
fn default_retry_max() -> u64 {
    10_000
}

impl ProviderModeConfig {
    /// A provider section with the default schedules.
    pub fn new(rpc_url: &str, market: Address, token: Address) -> Self {
        Self {
            rpc_url: rpc_url.into(),
            market: market.to_string(),
            wallet_key_file: default_wallet(),
            collateral: "0".into(),
            token: token.to_string(),
            price_per_cu: "0".into(),
            compute_units: 0,
            region: String::new(),
            attributes: zero(),
            from_block: 0,
            poll_interval_ms: default_poll(),
            heartbeat_interval_ms: default_heartbeat(),
            withdraw_interval_ms: default_withdraw(),
            retry_ms: default_retry(),
            retry_max_ms: default_retry_max(),
        }
    }

    /// Checks every field and types it; `data_dir` anchors a relative wallet path.
    pub fn settings(&self, data_dir: &Path) -> Result<ProviderSettings, NodeError> {
        let scheme_ok = self.rpc_url.starts_with("http://") || self.rpc_url.starts_with("https://");
        if !scheme_ok {
            return Err(invalid(format!(
                "provider.rpc_url {:?} is not an http:// or https:// URL",
                self.rpc_url
            )));
        }
        if self.compute_units == 0 {
            return Err(invalid(
                "provider.compute_units is 0; offer at least 1 compute unit".into(),
            ));
        }
        let intervals = [
            ("provider.poll_interval_ms", self.poll_interval_ms),
            ("provider.heartbeat_interval_ms", self.heartbeat_interval_ms),
            ("provider.withdraw_interval_ms", self.withdraw_interval_ms),
            ("provider.retry_ms", self.retry_ms),
            ("provider.retry_max_ms", self.retry_max_ms),
        ];
        if let Some((name, _)) = intervals.iter().find(|(_, ms)| *ms == 0) {
            return Err(invalid(format!("{name} is 0; it must be at least 1")));
        }
        if self.retry_max_ms < self.retry_ms {
            return Err(invalid(format!(
                "provider.retry_max_ms ({}) is below provider.retry_ms ({})",
                self.retry_max_ms, self.retry_ms
            )));
        }
        let wallet = if self.wallet_key_file.is_absolute() {
            self.wallet_key_file.clone()
        } else {
            data_dir.join(&self.wallet_key_file)
        };
        Ok(ProviderSettings {
            rpc_url: self.rpc_url.clone(),
            market: address("provider.market", &self.market)?,
            wallet,
            collateral: amount("provider.collateral", &self.collateral)?,
            token: address("provider.token", &self.token)?,
            price_per_cu: amount("provider.price_per_cu", &self.price_per_cu)?,
            compute_units: self.compute_units,
            region: region(&self.region)?,
            attributes: amount("provider.attributes", &self.attributes)?,
            from_block: self.from_block,
            poll_interval: Duration::from_millis(self.poll_interval_ms),
            heartbeat_interval: Duration::from_millis(self.heartbeat_interval_ms),
            withdraw_interval: Duration::from_millis(self.withdraw_interval_ms),
            retry: Duration::from_millis(self.retry_ms),
            retry_max: Duration::from_millis(self.retry_max_ms),
        })
    }
}

/// A checked `[provider]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    pub rpc_url: String,
    pub market: Address,
    /// Absolute or relative to the working directory (already joined to `data_dir`).
    pub wallet: PathBuf,
    pub collateral: U256,
    pub token: Address,
    pub price_per_cu: U256,
    pub compute_units: u64,
    pub region: B256,
    pub attributes: U256,
    pub from_block: u64,
    pub poll_interval: Duration,
    pub heartbeat_interval: Duration,
    pub withdraw_interval: Duration,
    pub retry: Duration,
    pub retry_max: Duration,
}

fn invalid(message: String) -> NodeError {
    NodeError::InvalidConfig(message)
}

fn address(field: &str, text: &str) -> Result<Address, NodeError> {
    text.trim().parse::<Address>().map_err(|e| {
        invalid(format!(
            "{field} {text:?} is not an address ({e}); expected 0x and 40 hex digits"
        ))
    })
}

fn amount(field: &str, text: &str) -> Result<U256, NodeError> {
    text.trim().parse::<U256>().map_err(|e| {
        invalid(format!(
            "{field} {text:?} is not an amount ({e}); expected a decimal integer in the token's smallest unit (or 0x hex)"
        ))
    })
}

/// A region as the contract stores it: 32 raw bytes, or short text padded with zeros.
fn region(text: &str) -> Result<B256, NodeError> {
    if let Some(hex) = text.strip_prefix("0x") {
        return hex.parse::<B256>().map_err(|e| {
            invalid(format!(
                "provider.region {text:?} is not 0x and 64 hex digits ({e})"
            ))
        });
    }
    let bytes = text.as_bytes();
    if bytes.len() > 32 {
        return Err(invalid(format!(
            "provider.region {text:?} is {} bytes; a region name is at most 32",
            bytes.len()
        )));
    }
    let mut out = [0u8; 32];
    out[..bytes.len()].copy_from_slice(bytes);
    Ok(B256::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section() -> ProviderModeConfig {
        let mut c = ProviderModeConfig::new(
            "http://127.0.0.1:8545",
            Address::repeat_byte(1),
            Address::repeat_byte(2),
        );
        c.collateral = "100000000".into();
        c.price_per_cu = "1000".into();
        c.compute_units = 4;
        c
    }

    fn error(c: &ProviderModeConfig) -> String {
        match c.settings(Path::new("/data")) {
            Err(e) => e.to_string(),
            Ok(s) => panic!("accepted {s:?}"),
        }
    }

    #[test]
    fn a_complete_section_is_typed_and_the_wallet_sits_in_the_data_dir() {
        let mut c = section();
        c.region = "eu-west".into();
        c.attributes = "0x5".into();
        let s = c.settings(Path::new("/data")).unwrap();
        assert_eq!(s.wallet, PathBuf::from("/data/wallet.key"));
        assert_eq!(s.collateral, U256::from(100_000_000u64));
        assert_eq!(s.attributes, U256::from(5u8));
        assert_eq!(&s.region[..7], b"eu-west");
        assert!(s.region[7..].iter().all(|b| *b == 0));
    }

    #[test]
    fn the_commented_example_section_parses() {
        let example = include_str!("../../node.example.toml");
        let start = example.find("# [provider]").unwrap();
        let section: String = example[start..]
            .lines()
            .map(|line| line.strip_prefix("# ").unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n");
        let config = crate::NodeConfig::from_toml(&section).unwrap();
        let settings = config.provider_settings().unwrap().unwrap();
        assert_eq!(settings.compute_units, 16);
        assert_eq!(settings.price_per_cu, U256::from(1000u64));
        assert_eq!(settings.wallet, PathBuf::from("weft-data/wallet.key"));
    }

    #[test]
    fn a_section_without_its_market_is_refused() {
        let text = "[provider]\nrpc_url = \"http://127.0.0.1:8545\"\ncompute_units = 1\n";
        let err = crate::NodeConfig::from_toml(text).unwrap_err();
        assert!(err.contains("market"), "{err}");
    }

    #[test]
    fn wrong_fields_are_named_in_the_error() {
        type Spoil = fn(&mut ProviderModeConfig);
        let cases: [(Spoil, &str); 7] = [
            (|c| c.rpc_url = "127.0.0.1:8545".into(), "provider.rpc_url"),
            (|c| c.market = "0x12".into(), "provider.market"),
            (|c| c.collateral = "-5".into(), "provider.collateral"),
            (|c| c.price_per_cu = "1.5".into(), "provider.price_per_cu"),
            (|c| c.compute_units = 0, "provider.compute_units"),
            (|c| c.region = "x".repeat(33), "provider.region"),
            (
                |c| c.heartbeat_interval_ms = 0,
                "provider.heartbeat_interval_ms",
            ),
        ];
        for (spoil, field) in cases {
            let mut c = section();
            spoil(&mut c);
            assert!(error(&c).contains(field), "{field}: {}", error(&c));
        }
    }
}
