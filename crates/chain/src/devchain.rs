//! [`DevChain`]: a local anvil chain with `USDToken` and `Market` deployed, for `weft up` and
//! tests.
//!
//! anvil comes from npm (`@foundry-rs/anvil`, installed into `tools/chain` by
//! `scripts/setup.sh`); its binary sits in the platform package next to the wrapper. The chain
//! listens on 127.0.0.1 on a port the OS picks (anvil prints it), is ready once it answers
//! `eth_chainId`, and is killed when the `DevChain` is dropped.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use alloy::{
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    time::{Instant, sleep_until, timeout_at},
};

use crate::{AlloyMarket, Contracts, Error, MarketParams, Result, RpcConfig, keys};

/// How the dev chain is started and what market it deploys.
#[derive(Debug, Clone)]
pub struct DevChainConfig {
    /// The anvil binary; by default `$WEFT_ANVIL`, else the one in `tools/chain/node_modules`.
    pub anvil: Option<PathBuf>,
    /// How long anvil may take to start answering.
    pub startup_timeout: Duration,
    pub epoch_seconds: u64,
    pub min_collateral: U256,
    pub slash_bps: u16,
    pub heartbeat_epochs: u32,
    pub reserve_epochs: u32,
    pub rpc: RpcConfig,
}

impl Default for DevChainConfig {
    fn default() -> Self {
        Self {
            anvil: None,
            startup_timeout: Duration::from_secs(30),
            epoch_seconds: 60,
            // 100 USD (6 decimals), a tenth of it slashed per failure.
            min_collateral: U256::from(100_000_000u64),
            slash_bps: 1_000,
            heartbeat_epochs: 3,
            reserve_epochs: 2,
            rpc: RpcConfig::default(),
        }
    }
}

/// A running anvil with the market deployed; dropping it kills anvil.
#[derive(Debug)]
pub struct DevChain {
    child: Child,
    url: String,
    contracts: Contracts,
    params: MarketParams,
    rpc: RpcConfig,
    /// Mints tokens and sends anvil's test-only RPCs.
    admin: AlloyMarket,
}

/// Where `tools/chain` installs anvil for this platform.
pub fn bundled_anvil() -> PathBuf {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let exe = if os == "win32" { "anvil.exe" } else { "anvil" };
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tools/chain/node_modules/@foundry-rs")
        .join(format!("anvil-{os}-{arch}"))
        .join("bin")
        .join(exe)
}

impl DevChain {
    /// Starts anvil, waits until it answers and deploys the contracts.
    pub async fn start(config: DevChainConfig) -> Result<Self> {
        let anvil = config
            .anvil
            .clone()
            .or_else(|| std::env::var_os("WEFT_ANVIL").map(PathBuf::from))
            .unwrap_or_else(bundled_anvil);
        if !anvil.is_file() {
            return Err(Error::DevChain(format!(
                "anvil not found at {}: run scripts/setup.sh (it installs tools/chain), or set WEFT_ANVIL",
                anvil.display()
            )));
        }
        let deadline = Instant::now() + config.startup_timeout;
        let (child, url) = spawn(&anvil, deadline).await?;
        let deployer = keys::generate();
        let mut chain = Self {
            child,
            url: url.clone(),
            contracts: Contracts {
                market: Address::ZERO,
                token: Address::ZERO,
            },
            params: params(&config, Address::ZERO),
            rpc: config.rpc.clone(),
            admin: AlloyMarket::connect(&url, deployer.clone(), Address::ZERO, config.rpc.clone())?,
        };
        chain.wait_ready(deadline).await?;
        chain.fund(deployer.address()).await?;
        let token = AlloyMarket::deploy_token(&url, deployer.clone(), &config.rpc).await?;
        chain.params = params(&config, token);
        let market =
            AlloyMarket::deploy_market(&url, deployer.clone(), &chain.params, &config.rpc).await?;
        chain.contracts = Contracts { market, token };
        chain.admin = AlloyMarket::connect(&url, deployer, market, config.rpc)?;
        Ok(chain)
    }

    /// The chain's JSON-RPC endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn contracts(&self) -> Contracts {
        self.contracts
    }

    pub fn params(&self) -> &MarketParams {
        &self.params
    }

    /// A handle on the market signing as `signer`.
    pub fn market_for(&self, signer: PrivateKeySigner) -> Result<AlloyMarket> {
        AlloyMarket::connect(&self.url, signer, self.contracts.market, self.rpc.clone())
    }

    /// A new account with gas money and `tokens` of the payment token.
    pub async fn funded_account(&self, tokens: U256) -> Result<PrivateKeySigner> {
        let key = keys::generate();
        self.fund(key.address()).await?;
        self.mint(key.address(), tokens).await?;
        Ok(key)
    }

    /// A market handle for a new [`DevChain::funded_account`].
    pub async fn funded_market(&self, tokens: U256) -> Result<AlloyMarket> {
        let key = self.funded_account(tokens).await?;
        self.market_for(key)
    }

    /// Mints payment tokens for `to`.
    pub async fn mint(&self, to: Address, amount: U256) -> Result<()> {
        self.admin
            .mint_dev_token(self.contracts.token, to, amount)
            .await
    }

    /// Moves the chain's clock forward and mines a block (instead of waiting for epochs).
    pub async fn advance_time(&self, seconds: u64) -> Result<()> {
        self.rpc("evm_increaseTime", serde_json::json!([seconds]))
            .await?;
        self.rpc("evm_mine", serde_json::json!([])).await?;
        Ok(())
    }

    /// The timestamp of the latest block.
    pub async fn now(&self) -> Result<u64> {
        let block = self
            .rpc("eth_getBlockByNumber", serde_json::json!(["latest", false]))
            .await?;
        block["timestamp"]
            .as_str()
            .and_then(|hex| u64::from_str_radix(hex.trim_start_matches("0x"), 16).ok())
            .ok_or_else(|| Error::DevChain(format!("latest block has no timestamp: {block}")))
    }

    /// Gives `account` 1000 ether for gas.
    async fn fund(&self, account: Address) -> Result<()> {
        let wei = U256::from(10u64).pow(U256::from(21u64));
        self.rpc("anvil_setBalance", serde_json::json!([account, wei]))
            .await?;
        Ok(())
    }

    async fn rpc(
        &self,
        method: &'static str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value> {
        self.admin
            .provider()
            .raw_request(method.into(), params)
            .await
            .map_err(|e| Error::Rpc {
                call: method,
                message: crate::alloy_market::with_causes(&e),
            })
    }

    /// Polls `eth_chainId` until anvil answers or the deadline passes.
    async fn wait_ready(&mut self, deadline: Instant) -> Result<()> {
        let url = self
            .url
            .parse()
            .map_err(|e| Error::DevChain(format!("bad anvil url {}: {e}", self.url)))?;
        let probe = ProviderBuilder::new().connect_http(url);
        loop {
            let attempt = Instant::now();
            if let Ok(Ok(_)) = timeout_at(deadline, probe.get_chain_id()).await {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(Error::DevChain(format!(
                    "anvil exited with {status} before answering"
                )));
            }
            if Instant::now() >= deadline {
                return Err(Error::DevChain(format!(
                    "anvil at {} did not answer in time",
                    self.url
                )));
            }
            sleep_until(attempt + Duration::from_millis(50)).await;
        }
    }
}

impl Drop for DevChain {
    fn drop(&mut self) {
        // kill_on_drop would do it too; this makes the intent explicit and immediate.
        let _ = self.child.start_kill();
    }
}

fn params(config: &DevChainConfig, token: Address) -> MarketParams {
    MarketParams {
        collateral_token: token,
        // Slashed collateral goes nowhere anyone holds a key for on a dev chain.
        treasury: Address::repeat_byte(0x7e),
        epoch_seconds: config.epoch_seconds,
        min_collateral: config.min_collateral,
        slash_bps: config.slash_bps,
        heartbeat_epochs: config.heartbeat_epochs,
        reserve_epochs: config.reserve_epochs,
    }
}

/// Starts anvil on a port the OS picks and reads the address it listens on.
async fn spawn(anvil: &Path, deadline: Instant) -> Result<(Child, String)> {
    let mut child = Command::new(anvil)
        .args(["--host", "127.0.0.1", "--port", "0", "--accounts", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| Error::DevChain(format!("cannot start {}: {e}", anvil.display())))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::DevChain("anvil's stdout is not captured".into()))?;
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = match timeout_at(deadline, lines.next_line()).await {
            Err(_) => {
                return Err(Error::DevChain(
                    "anvil did not start listening in time".into(),
                ));
            }
            Ok(Err(e)) => return Err(Error::DevChain(format!("reading anvil's output: {e}"))),
            Ok(Ok(None)) => return Err(Error::DevChain("anvil exited before listening".into())),
            Ok(Ok(Some(line))) => line,
        };
        if let Some(address) = line.trim().strip_prefix("Listening on ") {
            break address.trim().to_string();
        }
    };
    // anvil logs every request; keep reading so its pipe never fills and blocks it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, format!("http://{address}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn missing_anvil_says_how_to_install_it() {
        let config = DevChainConfig {
            anvil: Some("/nonexistent/anvil".into()),
            ..DevChainConfig::default()
        };
        let message = match DevChain::start(config).await {
            Err(e) => e.to_string(),
            Ok(_) => panic!("a dev chain started without anvil"),
        };
        assert!(message.contains("scripts/setup.sh"), "{message}");
    }

    #[test]
    fn bundled_anvil_is_in_the_platform_package() {
        let path = bundled_anvil();
        let text = path.to_string_lossy();
        assert!(
            text.contains("tools/chain/node_modules/@foundry-rs/anvil-"),
            "{text}"
        );
    }
}
