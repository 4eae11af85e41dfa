//! Which chain, market and wallet a market command uses: its flags, else the local network's
//! chain (`weft up --chain`).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use weft_chain::{Address, AlloyMarket, Market as _, RpcConfig, keys};

use super::devnet::LocalChain;
use crate::local;

/// Where the market is and who signs.
#[derive(Debug, Clone, clap::Args)]
pub struct ChainArgs {
    /// The chain's JSON-RPC endpoint (default: the local network's chain from `weft up --chain`).
    #[arg(long, value_name = "URL")]
    pub rpc: Option<String>,
    /// The Market contract's address (default: the local network's).
    #[arg(long, value_name = "ADDRESS")]
    pub market_address: Option<String>,
    /// The ERC-20 to pay or be paid in (default: the local network's token, else the
    /// market's collateral token).
    #[arg(long, value_name = "ADDRESS")]
    pub token: Option<String>,
    /// The key file that signs (`0x` + 64 hex digits; default: the local network's
    /// developer wallet).
    #[arg(long, value_name = "FILE")]
    pub wallet: Option<PathBuf>,
}

/// A connected market handle and the runtime its calls run on.
pub struct Chain {
    pub market: AlloyMarket,
    pub token: Address,
    runtime: tokio::runtime::Runtime,
}

impl Chain {
    pub fn connect(args: &ChainArgs, network: &Path) -> anyhow::Result<Chain> {
        let local = local_chain(network)?;
        let rpc = match (&args.rpc, &local) {
            (Some(url), _) => url.clone(),
            (None, Some(chain)) => chain.rpc_url.clone(),
            (None, None) => bail!(
                "no chain configured: run `weft up --chain` for a local one, or pass --rpc URL and --market-address ADDRESS"
            ),
        };
        let from_local = args.rpc.is_none() || local.as_ref().is_some_and(|c| c.rpc_url == rpc);
        let local = local.filter(|_| from_local);
        let market = match (&args.market_address, &local) {
            (Some(text), _) => address("--market-address", text)?,
            (None, Some(chain)) => address("the local market", &chain.market)?,
            (None, None) => bail!("--rpc needs --market-address ADDRESS (the Market contract)"),
        };
        let wallet = match (&args.wallet, &local) {
            (Some(path), _) => path.clone(),
            (None, Some(chain)) => chain.developer_wallet.clone(),
            (None, None) => {
                bail!("pass --wallet FILE: the key file that signs (0x and 64 hex digits)")
            }
        };
        let signer = keys::load(&wallet)?;
        let market = AlloyMarket::connect(&rpc, signer, market, RpcConfig::default())?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let token = match (&args.token, &local) {
            (Some(text), _) => address("--token", text)?,
            (None, Some(chain)) => address("the local token", &chain.token)?,
            (None, None) => {
                runtime
                    .block_on(market.params())
                    .with_context(|| format!("cannot read the market's parameters from {rpc}"))?
                    .collateral_token
            }
        };
        Ok(Chain {
            market,
            token,
            runtime,
        })
    }

    /// Runs one market call to completion.
    pub fn run<T>(
        &self,
        call: impl std::future::Future<Output = weft_chain::Result<T>>,
    ) -> anyhow::Result<T> {
        Ok(self.runtime.block_on(call)?)
    }
}

/// The local network's chain, if it has one; an error when it is recorded but not running.
pub fn local_chain(network: &Path) -> anyhow::Result<Option<LocalChain>> {
    let Some(chain) = local::load(network)?.and_then(|s| s.chain) else {
        return Ok(None);
    };
    if !chain.is_alive() {
        bail!(
            "the local chain (anvil, pid {}) is not running: restart the network with `weft down && weft up --chain`",
            chain.pid
        );
    }
    Ok(Some(chain))
}

pub fn address(what: &str, text: &str) -> anyhow::Result<Address> {
    text.trim().parse::<Address>().map_err(|e| {
        anyhow::anyhow!("{what} {text:?} is not an address ({e}); expected 0x and 40 hex digits")
    })
}
