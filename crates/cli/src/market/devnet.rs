//! The local network's chain (`weft up --chain`): an anvil process that outlives the `weft`
//! command that started it, the market contracts on it, and funded wallets for the
//! developer and for each node's provider mode.
//!
//! `weft_chain::DevChain` kills anvil when dropped (right for tests); here anvil runs in its
//! own process group with its pid in `network.json`, like the nodes, and `weft down` stops it.

use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alloy::providers::Provider as _;
use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};
use weft_chain::{
    Address, AlloyMarket, DevChainConfig, MarketParams, PrivateKeySigner, RpcConfig, U256, keys,
};

/// How long anvil may take to answer.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// Tokens minted for the developer wallet and for each provider wallet.
const DEVELOPER_TOKENS: u64 = 10_000;
const PROVIDER_TOKENS: u64 = 1_000;
/// What each local node offers: 0.001 USD per compute unit per epoch, 16 units, 100 USD staked.
const PRICE_PER_CU: &str = "1000";
const COMPUTE_UNITS: u64 = 16;
const COLLATERAL: &str = "100000000";
/// Local nodes read market events often so a deploy is matched and served within seconds.
const POLL_INTERVAL_MS: u64 = 500;

/// The local chain as `network.json` records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LocalChain {
    pub pid: u32,
    pub rpc_url: String,
    pub market: String,
    pub token: String,
    /// A funded wallet `weft deal` and `weft deploy --market` sign with by default.
    pub developer_wallet: PathBuf,
    pub developer: String,
}

impl LocalChain {
    pub fn is_alive(&self) -> bool {
        crate::local::process_alive(self.pid)
    }
}

/// A freshly started chain, with the admin handle that funds wallets on it.
pub struct DevNet {
    pub chain: LocalChain,
    runtime: tokio::runtime::Runtime,
    admin: AlloyMarket,
    token: Address,
    market: Address,
}

/// Starts anvil in `dir` (its log is `dir/anvil.log`), deploys the contracts and funds a
/// developer wallet. On error anvil is stopped again.
pub fn start(dir: &Path) -> anyhow::Result<DevNet> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let anvil = std::env::var_os("WEFT_ANVIL")
        .map(PathBuf::from)
        .unwrap_or_else(weft_chain::bundled_anvil);
    if !anvil.is_file() {
        bail!(
            "anvil not found at {}: run scripts/setup.sh (it installs tools/chain), or set WEFT_ANVIL",
            anvil.display()
        );
    }
    let port = free_port()?;
    let log_path = dir.join("anvil.log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("cannot create {}", log_path.display()))?;
    let child = Command::new(&anvil)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--accounts", "0"])
        .stdin(Stdio::null())
        // anvil logs every request on stdout; only its errors are worth a file.
        .stdout(Stdio::null())
        .stderr(log)
        .process_group(0)
        .spawn()
        .with_context(|| format!("cannot start {}", anvil.display()))?;
    let pid = child.id();
    let url = format!("http://127.0.0.1:{port}");
    let result = deploy_contracts(dir, pid, &url);
    if result.is_err() {
        stop(pid);
    }
    result.with_context(|| {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        format!(
            "starting the local chain failed; anvil's log ends with:\n{}",
            crate::last_lines(&log, 10)
        )
    })
}

fn deploy_contracts(dir: &Path, pid: u32, url: &str) -> anyhow::Result<DevNet> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let deployer = keys::generate();
    let probe_config = RpcConfig::default().with_retries(0, Duration::from_millis(1));
    let probe = AlloyMarket::connect(url, deployer.clone(), Address::ZERO, probe_config)?;
    runtime.block_on(wait_ready(&probe, pid))?;
    let rpc = RpcConfig::default();
    let defaults = DevChainConfig::default();
    let (token, market) = runtime.block_on(async {
        set_balance(&probe, deployer.address()).await?;
        let token = AlloyMarket::deploy_token(url, deployer.clone(), &rpc).await?;
        let params = MarketParams {
            collateral_token: token,
            // Slashed collateral goes nowhere anyone holds a key for on a dev chain.
            treasury: Address::repeat_byte(0x7e),
            epoch_seconds: defaults.epoch_seconds,
            min_collateral: defaults.min_collateral,
            slash_bps: defaults.slash_bps,
            heartbeat_epochs: defaults.heartbeat_epochs,
            reserve_epochs: defaults.reserve_epochs,
        };
        let market = AlloyMarket::deploy_market(url, deployer.clone(), &params, &rpc).await?;
        anyhow::Ok((token, market))
    })?;
    let admin = AlloyMarket::connect(url, deployer, market, rpc)?;
    let developer_wallet = dir.join("developer.key");
    let _ = std::fs::remove_file(&developer_wallet);
    let mut net = DevNet {
        chain: LocalChain {
            pid,
            rpc_url: url.to_owned(),
            market: market.to_string(),
            token: token.to_string(),
            developer_wallet: developer_wallet.clone(),
            developer: String::new(),
        },
        runtime,
        admin,
        token,
        market,
    };
    let developer = net.funded_wallet(&developer_wallet, DEVELOPER_TOKENS)?;
    net.chain.developer = developer.to_string();
    Ok(net)
}

impl DevNet {
    /// Creates a wallet at `path` with gas money and `tokens` whole tokens.
    pub fn funded_wallet(&self, path: &Path, tokens: u64) -> anyhow::Result<Address> {
        let key: PrivateKeySigner = keys::generate();
        keys::save(path, &key)?;
        let account = key.address();
        let amount = U256::from(tokens) * U256::from(10u64).pow(U256::from(6u64));
        self.runtime.block_on(async {
            set_balance(&self.admin, account).await?;
            self.admin
                .mint_dev_token(self.token, account, amount)
                .await?;
            anyhow::Ok(())
        })?;
        Ok(account)
    }

    /// A funded provider wallet at `wallet` and the `[provider]` section of a node config that
    /// uses it.
    pub fn provider_section(&self, wallet: &Path) -> anyhow::Result<(Address, String)> {
        let account = self.funded_wallet(wallet, PROVIDER_TOKENS)?;
        let mut provider =
            weft_node::ProviderModeConfig::new(&self.chain.rpc_url, self.market, self.token);
        provider.wallet_key_file = wallet.to_path_buf();
        provider.collateral = COLLATERAL.into();
        provider.price_per_cu = PRICE_PER_CU.into();
        provider.compute_units = COMPUTE_UNITS;
        provider.poll_interval_ms = POLL_INTERVAL_MS;
        #[derive(Serialize)]
        struct Section {
            provider: weft_node::ProviderModeConfig,
        }
        let text = toml::to_string(&Section { provider })
            .context("cannot write the node's [provider] section")?;
        Ok((account, text))
    }
}

/// Stops the chain's anvil and waits (bounded) until it is gone; its state is in memory only,
/// so nothing is lost by SIGKILL.
pub fn stop(pid: u32) {
    if !crate::local::process_alive(pid) {
        return;
    }
    let _ = Command::new("kill")
        .arg("-KILL")
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while crate::local::process_alive(pid) && Instant::now() < deadline {
        // Another process's exit cannot be awaited without being its parent: poll.
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A port nobody listens on now; anvil binds it a moment later.
fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free local port")?;
    Ok(listener.local_addr()?.port())
}

async fn wait_ready(probe: &AlloyMarket, pid: u32) -> anyhow::Result<()> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        let attempt = Instant::now();
        if probe.provider().get_chain_id().await.is_ok() {
            return Ok(());
        }
        if !crate::local::process_alive(pid) {
            bail!("anvil exited before answering");
        }
        if Instant::now() >= deadline {
            bail!(
                "anvil did not answer within {} s",
                STARTUP_TIMEOUT.as_secs()
            );
        }
        // Another process's readiness cannot be awaited: poll.
        tokio::time::sleep_until((attempt + Duration::from_millis(50)).into()).await;
    }
}

/// Gives `account` 1000 ether for gas (an anvil-only RPC).
async fn set_balance(handle: &AlloyMarket, account: Address) -> anyhow::Result<()> {
    let wei = U256::from(10u64).pow(U256::from(21u64));
    handle
        .provider()
        .raw_request::<_, serde_json::Value>(
            "anvil_setBalance".into(),
            serde_json::json!([account, wei]),
        )
        .await
        .context("anvil_setBalance failed")?;
    Ok(())
}
