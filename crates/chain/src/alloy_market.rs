//! [`AlloyMarket`]: the market contract over any EVM JSON-RPC endpoint, with alloy.
//!
//! One HTTP provider per handle, with a local wallet that signs and the recommended fillers
//! (nonce, gas, chain id). Transient RPC errors (rate limits, 5xx) are retried a bounded number
//! of times by alloy's retry layer; a transaction's receipt is awaited with a timeout.

mod bindings;
mod convert;
mod events;

use std::{fmt, time::Duration};

use alloy::{
    contract::SolCallBuilder,
    network::EthereumWallet,
    primitives::{Address, U256},
    providers::{DynProvider, PendingTransactionError, Provider, ProviderBuilder, WatchTxError},
    rpc::{
        client::ClientBuilder,
        types::{Filter, TransactionReceipt},
    },
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent},
    transports::{
        http::reqwest::{self, Url},
        layers::RetryBackoffLayer,
    },
};

use crate::{
    Deal, DealId, DealTerms, Error, EventBatch, Market, MarketParams, Offer, OfferId, OfferTerms,
    ProviderInfo, Result, Revert,
};
use bindings::{Market as M, USDToken};

/// How an [`AlloyMarket`] talks to its endpoint.
#[derive(Debug, Clone)]
pub struct RpcConfig {
    /// How long one HTTP request may take.
    pub request_timeout: Duration,
    /// How long to wait for a sent transaction's receipt.
    pub receipt_timeout: Duration,
    /// Retries of a request that failed transiently (rate limit, server error).
    pub retries: u32,
    /// Pause before a retry.
    pub retry_backoff: Duration,
    /// Most blocks one [`Market::events`] call scans (endpoints cap `eth_getLogs` ranges).
    pub log_block_range: u64,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            receipt_timeout: Duration::from_secs(60),
            retries: 5,
            retry_backoff: Duration::from_millis(200),
            log_block_range: 5_000,
        }
    }
}

impl RpcConfig {
    pub fn with_receipt_timeout(mut self, timeout: Duration) -> Self {
        self.receipt_timeout = timeout;
        self
    }

    pub fn with_retries(mut self, retries: u32, backoff: Duration) -> Self {
        self.retries = retries;
        self.retry_backoff = backoff;
        self
    }
}

/// Where the contracts of one deployment are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contracts {
    pub market: Address,
    /// The payment token deployed with the market (also its collateral token on dev chains).
    pub token: Address,
}

/// The market over JSON-RPC, signing as one account.
#[derive(Clone)]
pub struct AlloyMarket {
    provider: DynProvider,
    contract: M::MarketInstance<DynProvider>,
    market: Address,
    account: Address,
    config: RpcConfig,
}

impl fmt::Debug for AlloyMarket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlloyMarket")
            .field("market", &self.market)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// A provider for `url` that signs with `signer`.
fn connect(url: &str, signer: PrivateKeySigner, config: &RpcConfig) -> Result<DynProvider> {
    let parsed = url.parse::<Url>().map_err(|e| Error::InvalidUrl {
        url: url.into(),
        message: e.to_string(),
    })?;
    let http = reqwest::Client::builder()
        .timeout(config.request_timeout)
        .build()
        .map_err(|e| Error::InvalidUrl {
            url: url.into(),
            message: e.to_string(),
        })?;
    let backoff = u64::try_from(config.retry_backoff.as_millis()).unwrap_or(u64::MAX);
    // The compute-unit budget is for metered public endpoints; ours only needs the retries.
    let client = ClientBuilder::default()
        .layer(RetryBackoffLayer::new(config.retries, backoff, u64::MAX))
        .http_with_client(http, parsed);
    // The nonce is read from the chain for every transaction: alloy's default cache counts a
    // nonce as used even when gas estimation refused the call, and every later transaction of
    // the account would then wait forever behind the gap.
    Ok(ProviderBuilder::new()
        .disable_recommended_fillers()
        .with_gas_estimation()
        .with_simple_nonce_management()
        .fetch_chain_id()
        .wallet(EthereumWallet::from(signer))
        .connect_client(client)
        .erased())
}

fn rpc_error(call: &'static str) -> impl Fn(alloy::transports::TransportError) -> Error {
    move |e| Error::Rpc {
        call,
        message: with_causes(&e),
    }
}

/// `e` and its sources: transport errors keep the useful part ("Connection refused", "invalid
/// peer certificate") several levels down.
pub(crate) fn with_causes(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        source = cause.source();
    }
    message
}

/// A refused call becomes [`Error::Reverted`] with the decoded reason; anything else is RPC.
fn contract_error(call: &'static str) -> impl Fn(alloy::contract::Error) -> Error {
    move |e| match e.as_revert_data() {
        Some(data) => Error::reverted(call, convert::revert(&data)),
        None => Error::Rpc {
            call,
            message: with_causes(&e),
        },
    }
}

impl AlloyMarket {
    /// A handle on the market at `market` through `url`, signing as `signer`.
    pub fn connect(
        url: &str,
        signer: PrivateKeySigner,
        market: Address,
        config: RpcConfig,
    ) -> Result<Self> {
        let account = signer.address();
        let provider = connect(url, signer, &config)?;
        let contract = M::new(market, provider.clone());
        Ok(Self {
            provider,
            contract,
            market,
            account,
            config,
        })
    }

    /// Deploys a development `USDToken` (anyone may mint it), returning its address.
    pub async fn deploy_token(
        url: &str,
        signer: PrivateKeySigner,
        config: &RpcConfig,
    ) -> Result<Address> {
        let provider = connect(url, signer, config)?;
        let token = USDToken::deploy(provider)
            .await
            .map_err(contract_error("deploy USDToken"))?;
        Ok(*token.address())
    }

    /// Deploys a `Market` with `params`, returning its address.
    pub async fn deploy_market(
        url: &str,
        signer: PrivateKeySigner,
        params: &MarketParams,
        config: &RpcConfig,
    ) -> Result<Address> {
        let provider = connect(url, signer, config)?;
        let market = M::deploy(provider, convert::to_params(params))
            .await
            .map_err(contract_error("deploy Market"))?;
        Ok(*market.address())
    }

    /// The market contract's address.
    pub fn market_address(&self) -> Address {
        self.market
    }

    /// The underlying provider, for chain calls the trait does not cover.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// Mints `amount` of a development `USDToken` for `to`.
    pub async fn mint_dev_token(&self, token: Address, to: Address, amount: U256) -> Result<()> {
        let token = USDToken::new(token, &self.provider);
        self.send("mint", token.mint(to, amount)).await.map(drop)
    }

    fn contract(&self) -> &M::MarketInstance<DynProvider> {
        &self.contract
    }

    /// Sends a transaction and waits for its receipt; a revert in the block is an error too.
    async fn send<P: Provider, C: SolCall>(
        &self,
        call: &'static str,
        builder: SolCallBuilder<P, C>,
    ) -> Result<TransactionReceipt> {
        let pending = builder.send().await.map_err(contract_error(call))?;
        let tx = *pending.tx_hash();
        let timeout = self.config.receipt_timeout;
        let receipt = pending
            .with_timeout(Some(timeout))
            .get_receipt()
            .await
            .map_err(|e| match e {
                PendingTransactionError::TxWatcher(WatchTxError::Timeout) => {
                    Error::ReceiptTimeout { call, tx, timeout }
                }
                other => Error::Rpc {
                    call,
                    message: with_causes(&other),
                },
            })?;
        if !receipt.status() {
            // Estimation passed but the block disagreed (the state moved in between).
            let reason = Revert::Other(format!("transaction {tx} reverted in its block"));
            return Err(Error::reverted(call, reason));
        }
        Ok(receipt)
    }

    /// Lets the market take `amount` of `token` from this account, then runs the call.
    async fn approve(&self, call: &'static str, token: Address, amount: U256) -> Result<()> {
        if amount.is_zero() {
            return Ok(());
        }
        let token = USDToken::new(token, &self.provider);
        self.send(call, token.approve(self.market, amount))
            .await
            .map(drop)
    }

    async fn collateral_token(&self) -> Result<Address> {
        self.contract()
            .collateralToken()
            .call()
            .await
            .map_err(contract_error("collateralToken"))
    }

    /// The event `E` in `receipt` (the call's own result, read from its log).
    fn logged<E: SolEvent>(call: &'static str, receipt: &TransactionReceipt) -> Result<E> {
        receipt
            .decoded_log::<E>()
            .map(|log| log.data)
            .ok_or_else(|| Error::Rpc {
                call,
                message: format!("the receipt has no {} event", E::SIGNATURE),
            })
    }
}

impl Market for AlloyMarket {
    fn account(&self) -> Address {
        self.account
    }

    async fn register_provider(&self, collateral: U256) -> Result<()> {
        self.approve(
            "registerProvider (approve)",
            self.collateral_token().await?,
            collateral,
        )
        .await?;
        self.send(
            "registerProvider",
            self.contract().registerProvider(collateral),
        )
        .await
        .map(drop)
    }

    async fn add_collateral(&self, amount: U256) -> Result<()> {
        self.approve(
            "addCollateral (approve)",
            self.collateral_token().await?,
            amount,
        )
        .await?;
        self.send("addCollateral", self.contract().addCollateral(amount))
            .await
            .map(drop)
    }

    async fn withdraw_collateral(&self, amount: U256) -> Result<()> {
        self.send(
            "withdrawCollateral",
            self.contract().withdrawCollateral(amount),
        )
        .await
        .map(drop)
    }

    async fn publish_offer(&self, terms: &OfferTerms) -> Result<OfferId> {
        let receipt = self
            .send(
                "publishOffer",
                self.contract().publishOffer(convert::to_offer_terms(terms)),
            )
            .await?;
        let event: M::OfferRegistered = Self::logged("publishOffer", &receipt)?;
        Ok(convert::offer_id(event.offerId))
    }

    async fn update_offer(
        &self,
        offer: OfferId,
        price_per_cu: U256,
        compute_units: u64,
    ) -> Result<()> {
        let call = self
            .contract()
            .updateOffer(U256::from(offer.0), price_per_cu, compute_units);
        self.send("updateOffer", call).await.map(drop)
    }

    async fn withdraw_offer(&self, offer: OfferId) -> Result<()> {
        self.send(
            "withdrawOffer",
            self.contract().withdrawOffer(U256::from(offer.0)),
        )
        .await
        .map(drop)
    }

    async fn register_worker(&self, deal: DealId, index: u32, worker_id: &[u8]) -> Result<()> {
        let call =
            self.contract()
                .registerWorker(U256::from(deal.0), index, worker_id.to_vec().into());
        self.send("registerWorker", call).await.map(drop)
    }

    async fn heartbeat(&self, deal: DealId) -> Result<()> {
        self.send("heartbeat", self.contract().heartbeat(U256::from(deal.0)))
            .await
            .map(drop)
    }

    async fn withdraw_earnings(&self, token: Address, amount: U256) -> Result<()> {
        self.send(
            "withdrawEarnings",
            self.contract().withdrawEarnings(token, amount),
        )
        .await
        .map(drop)
    }

    async fn create_deal(&self, terms: &DealTerms, deposit: U256) -> Result<DealId> {
        self.approve("createDeal (approve)", terms.token, deposit)
            .await?;
        let call = self
            .contract()
            .createDeal(convert::to_deal_terms(terms), deposit);
        let receipt = self.send("createDeal", call).await?;
        let event: M::DealCreated = Self::logged("createDeal", &receipt)?;
        Ok(convert::deal_id(event.dealId))
    }

    async fn top_up(&self, deal: DealId, amount: U256) -> Result<()> {
        // The token is needed for the approval; an unknown deal is the contract's error to give.
        if let Some(d) = self.deal(deal).await? {
            self.approve("topUp (approve)", d.terms.token, amount)
                .await?;
        }
        self.send("topUp", self.contract().topUp(U256::from(deal.0), amount))
            .await
            .map(drop)
    }

    async fn withdraw_unused(&self, deal: DealId, amount: U256) -> Result<()> {
        self.send(
            "withdrawUnused",
            self.contract().withdrawUnused(U256::from(deal.0), amount),
        )
        .await
        .map(drop)
    }

    async fn stop_deal(&self, deal: DealId) -> Result<()> {
        self.send("stopDeal", self.contract().stopDeal(U256::from(deal.0)))
            .await
            .map(drop)
    }

    async fn report_failure(&self, deal: DealId, index: u32) -> Result<()> {
        self.send(
            "reportFailure",
            self.contract().reportFailure(U256::from(deal.0), index),
        )
        .await
        .map(drop)
    }

    async fn match_deal(&self, deal: DealId) -> Result<()> {
        self.send("matchDeal", self.contract().matchDeal(U256::from(deal.0)))
            .await
            .map(drop)
    }

    async fn settle(&self, deal: DealId) -> Result<()> {
        self.send("settle", self.contract().settle(U256::from(deal.0)))
            .await
            .map(drop)
    }

    async fn report_missed_heartbeat(&self, deal: DealId, index: u32) -> Result<()> {
        let call = self
            .contract()
            .reportMissedHeartbeat(U256::from(deal.0), index);
        self.send("reportMissedHeartbeat", call).await.map(drop)
    }

    async fn params(&self) -> Result<MarketParams> {
        let params = self
            .contract()
            .params()
            .call()
            .await
            .map_err(contract_error("params"))?;
        Ok(convert::params(params))
    }

    async fn current_epoch(&self) -> Result<u64> {
        self.contract()
            .currentEpoch()
            .call()
            .await
            .map_err(contract_error("currentEpoch"))
    }

    async fn provider(&self, provider: Address) -> Result<ProviderInfo> {
        let p = self
            .contract()
            .getProvider(provider)
            .call()
            .await
            .map_err(contract_error("getProvider"))?;
        Ok(convert::provider(p))
    }

    async fn offer(&self, offer: OfferId) -> Result<Option<Offer>> {
        let o = self
            .contract()
            .getOffer(U256::from(offer.0))
            .call()
            .await
            .map_err(contract_error("getOffer"))?;
        Ok(convert::offer(offer, o))
    }

    async fn active_offers(&self) -> Result<Vec<OfferId>> {
        let ids = self
            .contract()
            .getActiveOffers()
            .call()
            .await
            .map_err(contract_error("getActiveOffers"))?;
        Ok(ids.into_iter().map(convert::offer_id).collect())
    }

    async fn deal(&self, deal: DealId) -> Result<Option<Deal>> {
        let id = U256::from(deal.0);
        let d = self
            .contract()
            .getDeal(id)
            .call()
            .await
            .map_err(contract_error("getDeal"))?;
        let replicas = self
            .contract()
            .getReplicas(id)
            .call()
            .await
            .map_err(contract_error("getReplicas"))?;
        Ok(convert::deal(deal, d, replicas))
    }

    async fn earnings(&self, provider: Address, token: Address) -> Result<U256> {
        self.contract()
            .earnings(provider, token)
            .call()
            .await
            .map_err(contract_error("earnings"))
    }

    async fn token_balance(&self, token: Address, owner: Address) -> Result<U256> {
        let token = USDToken::new(token, &self.provider);
        token
            .balanceOf(owner)
            .call()
            .await
            .map_err(contract_error("balanceOf"))
    }

    async fn events(&self, from: u64) -> Result<EventBatch> {
        let latest = self
            .provider
            .get_block_number()
            .await
            .map_err(rpc_error("eth_blockNumber"))?;
        if from > latest {
            return Ok(EventBatch {
                events: Vec::new(),
                next_block: from,
            });
        }
        let to = latest.min(from.saturating_add(self.config.log_block_range.max(1) - 1));
        let filter = Filter::new()
            .address(self.market)
            .from_block(from)
            .to_block(to);
        let logs = self
            .provider
            .get_logs(&filter)
            .await
            .map_err(rpc_error("eth_getLogs"))?;
        let events = logs
            .iter()
            .filter_map(|log| Some((log.block_number?, events::decode(log)?)))
            .collect();
        Ok(EventBatch {
            events,
            next_block: to + 1,
        })
    }
}
