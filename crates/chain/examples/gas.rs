//! Gas used by each marketplace operation, measured on a local anvil chain.
//!
//! ```text
//! CARGO_TARGET_DIR=$HOME/.cache/weft-target cargo run -p weft-chain --example gas
//! ```
//!
//! Starts a [`DevChain`] and runs every `Market` operation once through [`AlloyMarket`], the
//! path the node and the CLI use, then prints one row per transaction: the contract function
//! (decoded from the transaction's selector), the gas used from its receipt, and the state it
//! ran in. Cold/warm storage and zero/non-zero slots make the same function cost different
//! amounts, so the notes say which case was measured.
//!
//! The receipts are found from the blocks each operation added: anvil mines every transaction
//! in its own block at once, and nobody else sends to this private chain. That needs nothing
//! from `AlloyMarket` beyond its public `provider()`.

use std::{future::Future, process::ExitCode};

use alloy::{
    consensus::Transaction as _,
    network::TransactionResponse as _,
    primitives::{Address, Bytes},
    providers::Provider,
};
use weft_chain::{
    AlloyMarket, B256, Contracts, DealId, DealTerms, DevChain, DevChainConfig, Market, OfferTerms,
    U256,
};

mod abi {
    #![allow(
        missing_docs,
        missing_debug_implementations,
        clippy::too_many_arguments
    )]
    // Only for naming transactions by their selector.
    alloy::sol!(Market, "../../contracts/out/Market.json");
    alloy::sol!(USDToken, "../../contracts/out/USDToken.json");
}

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

/// One US dollar of the 6-decimal payment token.
const USD: u64 = 1_000_000;
/// Long epochs: the seconds anvil's clock moves during the run never cross a boundary.
const EPOCH: u64 = 3600;
/// An ed25519 libp2p peer id is 38 bytes; a worker id is a 64-character module hash.
const PEER_ID_BYTES: usize = 38;
const WORKER_ID_BYTES: usize = 64;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(rows) => {
            print!("{}", table(&rows));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gas: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One measured transaction.
struct Row {
    function: String,
    gas: u64,
    note: String,
}

/// The rows measured so far, and what finding them needs.
struct Bench {
    /// Any handle works for reading blocks.
    reader: AlloyMarket,
    contracts: Contracts,
    rows: Vec<Row>,
}

impl Bench {
    /// Runs `op` and records every transaction it sent, each with `note`.
    async fn measure<T>(
        &mut self,
        note: &str,
        op: impl Future<Output = weft_chain::Result<T>>,
    ) -> Result<T> {
        let provider = self.reader.provider();
        let before = provider.get_block_number().await?;
        let value = op.await?;
        let after = provider.get_block_number().await?;
        let mut sent = 0;
        for number in before + 1..=after {
            let block = provider
                .get_block_by_number(number.into())
                .full()
                .await?
                .ok_or_else(|| format!("block {number} is missing"))?;
            for tx in block.transactions.txns() {
                let hash = tx.tx_hash();
                let receipt = provider
                    .get_transaction_receipt(hash)
                    .await?
                    .ok_or_else(|| format!("no receipt for transaction {hash}"))?;
                let function = self.name(tx.to(), tx.input());
                // AlloyMarket approves exactly the amount before each call that pulls tokens.
                let note = if function == "USDToken.approve" {
                    "exact allowance, sent before the call below".to_string()
                } else {
                    note.to_string()
                };
                self.rows.push(Row {
                    function,
                    gas: receipt.gas_used,
                    note,
                });
                sent += 1;
            }
        }
        if sent == 0 {
            return Err(format!("the operation for \"{note}\" sent no transaction").into());
        }
        Ok(value)
    }

    /// `Contract.function` from the callee and the call's selector.
    fn name(&self, to: Option<Address>, input: &Bytes) -> String {
        let contracts = self.contracts;
        let Some(selector) = input.get(..4).and_then(|s| <[u8; 4]>::try_from(s).ok()) else {
            return format!("call to {to:?} without a selector");
        };
        let known = if to == Some(contracts.market) {
            abi::Market::MarketCalls::name_by_selector(selector).map(|n| ("Market", n))
        } else if to == Some(contracts.token) {
            abi::USDToken::USDTokenCalls::name_by_selector(selector).map(|n| ("USDToken", n))
        } else {
            None
        };
        match known {
            Some((contract, function)) => format!("{contract}.{function}"),
            None => format!(
                "unknown call 0x{} to {to:?}",
                Bytes::copy_from_slice(&selector)
            ),
        }
    }
}

fn usd(dollars: u64) -> U256 {
    U256::from(dollars * USD)
}

fn region(name: &str) -> B256 {
    let mut bytes = [0u8; 32];
    bytes[..name.len()].copy_from_slice(name.as_bytes());
    B256::from(bytes)
}

fn offer(token: Address, price: u64, region_name: &str, peer: u8) -> OfferTerms {
    OfferTerms {
        token,
        price_per_cu: U256::from(price),
        compute_units: 100,
        region: region(region_name),
        attributes: U256::from(0b11u8),
        peer_id: vec![peer; PEER_ID_BYTES].into(),
    }
}

fn deal_terms(token: Address, replicas: u32, region_name: &str) -> DealTerms {
    DealTerms {
        token,
        component: B256::repeat_byte(0xc0),
        replicas,
        compute_units: 10,
        max_price_per_cu: U256::from(10u8),
        region: if region_name.is_empty() {
            B256::ZERO
        } else {
            region(region_name)
        },
        required_attributes: U256::ZERO,
    }
}

/// A provider with 200 USD of collateral and one offer, set up without measuring.
async fn provider(chain: &DevChain, terms: &OfferTerms) -> Result<AlloyMarket> {
    let market = chain.funded_market(usd(1_000)).await?;
    market.register_provider(usd(200)).await?;
    market.publish_offer(terms).await?;
    Ok(market)
}

/// Which of `providers` serves replica `index` of `deal`.
async fn serving<'a>(
    reader: &AlloyMarket,
    deal: DealId,
    index: usize,
    providers: &'a [&'a AlloyMarket],
) -> Result<&'a AlloyMarket> {
    let d = reader
        .deal(deal)
        .await?
        .ok_or_else(|| format!("{deal} does not exist"))?;
    let who = d
        .replicas
        .get(index)
        .and_then(|r| r.provider)
        .ok_or_else(|| format!("replica {index} of {deal} is not matched"))?;
    providers
        .iter()
        .copied()
        .find(|p| p.account() == who)
        .ok_or_else(|| format!("replica {index} of {deal} went to an unexpected {who}").into())
}

/// Which replica of `deal` `provider` serves.
async fn replica_of(reader: &AlloyMarket, deal: DealId, provider: Address) -> Result<u32> {
    let d = reader
        .deal(deal)
        .await?
        .ok_or_else(|| format!("{deal} does not exist"))?;
    d.replica_of(provider)
        .ok_or_else(|| format!("{provider} serves no replica of {deal}").into())
}

async fn run() -> Result<Vec<Row>> {
    let chain = DevChain::start(DevChainConfig {
        epoch_seconds: EPOCH,
        ..DevChainConfig::default()
    })
    .await?;
    let token = chain.contracts().token;
    let heartbeat_epochs = u64::from(chain.params().heartbeat_epochs);
    let dev = chain.funded_market(usd(1_000)).await?;
    let p1 = chain.market_for(chain.funded_account(U256::ZERO).await?)?;
    let mut b = Bench {
        reader: dev.clone(),
        contracts: chain.contracts(),
        rows: Vec::new(),
    };

    // Providers and offers.
    let minted = chain.mint(p1.account(), usd(1_000));
    b.measure("dev token only; first balance of the account", minted)
        .await?;
    let note = "stakes 200 USD; the market's first token balance";
    b.measure(note, p1.register_provider(usd(200))).await?;
    b.measure("50 USD more", p1.add_collateral(usd(50))).await?;
    b.measure("50 USD back", p1.withdraw_collateral(usd(50)))
        .await?;
    let note = "first offer on the market, 38-byte peer id";
    let main_offer = b
        .measure(note, p1.publish_offer(&offer(token, 4, "us", 1)))
        .await?;
    let note = "new price and capacity";
    b.measure(note, p1.update_offer(main_offer, U256::from(3u8), 100))
        .await?;
    let spare = p1.publish_offer(&offer(token, 9, "us", 1)).await?;
    let note = "the last of 2 active offers";
    b.measure(note, p1.withdraw_offer(spare)).await?;
    let p2 = provider(&chain, &offer(token, 4, "us", 2)).await?;
    let p3 = provider(&chain, &offer(token, 5, "us", 3)).await?;

    // Deals and matching: 3 active offers.
    let note = "10 USD escrow; 1 replica matched among 3 offers";
    let deal1 = b
        .measure(note, dev.create_deal(&deal_terms(token, 1, ""), usd(10)))
        .await?;
    let note = "10 USD escrow; 3 replicas matched among 3 offers";
    let deal2 = b
        .measure(note, dev.create_deal(&deal_terms(token, 3, ""), usd(10)))
        .await?;
    let note = "10 USD escrow; nothing eligible, 1 replica left open";
    let deal3 = b
        .measure(note, dev.create_deal(&deal_terms(token, 1, "eu"), usd(10)))
        .await?;
    let p4 = provider(&chain, &offer(token, 6, "eu", 4)).await?;
    let p5 = provider(&chain, &offer(token, 7, "us", 5)).await?;
    let note = "the open replica matched among 5 offers";
    b.measure(note, dev.match_deal(deal3)).await?;

    // Workers, heartbeats, settlement.
    let all = [&p1, &p2, &p3, &p4, &p5];
    let worker = serving(&b.reader, deal1, 0, &all).await?;
    let worker_id = [b'a'; WORKER_ID_BYTES];
    let note = "64-byte worker id";
    b.measure(note, worker.register_worker(deal1, 0, &worker_id))
        .await?;
    let note = "nothing to settle (same epoch)";
    b.measure(note, worker.heartbeat(deal1)).await?;
    chain.advance_time(EPOCH).await?;
    let note = "1 epoch paid to 3 replicas";
    b.measure(note, dev.settle(deal2)).await?;
    let note = "settles 1 epoch of its 1-replica deal";
    b.measure(note, worker.heartbeat(deal1)).await?;

    // Escrow and earnings.
    let note = "1 USD more; nothing left to settle";
    b.measure(note, dev.top_up(deal1, usd(1))).await?;
    let note = "1 USD, escrow stays above the reserve";
    b.measure(note, dev.withdraw_unused(deal1, usd(1))).await?;
    let earned = worker.earnings(worker.account(), token).await?;
    let note = "all of a provider's earnings (balance to zero)";
    b.measure(note, worker.withdraw_earnings(token, earned))
        .await?;

    // Failures: both paths slash 10% of the collateral to the treasury and re-match.
    let index = replica_of(&b.reader, deal2, p2.account()).await?;
    let note = "slash (treasury's first tokens) + re-match among 5 offers";
    b.measure(note, dev.report_failure(deal2, index)).await?;
    chain.advance_time((heartbeat_epochs + 1) * EPOCH).await?;
    // Settled apart, so the next row is only the missed heartbeat.
    dev.settle(deal2).await?;
    let index = replica_of(&b.reader, deal2, p3.account()).await?;
    let note = "slash + re-match among 5 offers; deal already settled";
    b.measure(note, dev.report_missed_heartbeat(deal2, index))
        .await?;
    let note = "3 replicas released, rest of the escrow refunded";
    b.measure(note, dev.stop_deal(deal2)).await?;
    Ok(b.rows)
}

/// The rows as a Markdown table, ready for `docs/chain.md`.
fn table(rows: &[Row]) -> String {
    let width = rows
        .iter()
        .map(|r| r.function.len())
        .chain(["Operation".len()])
        .max()
        .unwrap_or_default();
    let mut out = format!("| {:width$} | {:>9} | Note |\n", "Operation", "Gas used");
    out += &format!("|{}|{}:|------|\n", "-".repeat(width + 2), "-".repeat(10));
    for row in rows {
        out += &format!(
            "| {:width$} | {:>9} | {} |\n",
            row.function,
            thousands(row.gas),
            row.note
        );
    }
    out
}

/// `1234567` as `1 234 567`, the way the docs write gas.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
