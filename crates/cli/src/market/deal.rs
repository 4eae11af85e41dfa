//! `weft deal`: a developer's deals (create, info, deposit, withdraw, stop).

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use weft_chain::{Address, B256, Deal, DealId, DealStatus, DealTerms, Market as _, U256};

use super::amount;
use super::chain::{Chain, ChainArgs};

#[derive(Debug, clap::Subcommand)]
pub enum DealCommand {
    /// Create a deal for a component, with an escrow; it is matched to the cheapest offers.
    Create {
        /// The component's blake3 hash (64 hex digits), as `weft deploy` prints it.
        #[arg(
            long,
            value_name = "HASH",
            required_unless_present = "wasm",
            conflicts_with = "wasm"
        )]
        component: Option<String>,
        /// The component file; its blake3 hash is used.
        #[arg(long, value_name = "FILE")]
        wasm: Option<PathBuf>,
        #[command(flatten)]
        terms: TermsArgs,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        chain: ChainArgs,
        #[command(flatten)]
        network: crate::NetworkDir,
    },
    /// Show a deal: its escrow, replicas, providers and workers.
    Info {
        id: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        chain: ChainArgs,
        #[command(flatten)]
        network: crate::NetworkDir,
    },
    /// Add tokens to a deal's escrow.
    Deposit {
        id: String,
        /// How much, in tokens (`25.5`).
        amount: String,
        #[command(flatten)]
        chain: ChainArgs,
        #[command(flatten)]
        network: crate::NetworkDir,
    },
    /// Take unused escrow back (down to the reserve while the deal runs).
    Withdraw {
        id: String,
        /// How much, in tokens.
        amount: String,
        #[command(flatten)]
        chain: ChainArgs,
        #[command(flatten)]
        network: crate::NetworkDir,
    },
    /// Stop a deal; the escrow left after paying the ended epochs comes back.
    Stop {
        id: String,
        #[command(flatten)]
        chain: ChainArgs,
        #[command(flatten)]
        network: crate::NetworkDir,
    },
}

/// What a deal asks for, shared by `weft deal create` and `weft deploy --market`.
#[derive(Debug, Clone, clap::Args)]
pub struct TermsArgs {
    /// Escrow deposited at creation, in tokens (`100` = 100 USD).
    #[arg(long, default_value = "10")]
    pub escrow: String,
    /// Replicas, each on a different provider.
    #[arg(long, default_value_t = 1)]
    pub replicas: u32,
    /// Compute units per replica.
    #[arg(long, default_value_t = 1)]
    pub units: u64,
    /// Highest price per compute unit per epoch, in tokens.
    #[arg(long, default_value = "0.01")]
    pub max_price: String,
}

impl TermsArgs {
    /// The checked flags, before anything talks to the chain.
    pub fn parse(&self) -> anyhow::Result<Terms> {
        let escrow = amount::parse("--escrow", &self.escrow)?;
        let max_price = amount::parse("--max-price", &self.max_price)?;
        if self.replicas == 0 || self.replicas > 64 {
            bail!("--replicas must be between 1 and 64, got {}", self.replicas);
        }
        if self.units == 0 {
            bail!("--units is 0; a replica needs at least 1 compute unit");
        }
        Ok(Terms {
            escrow,
            max_price,
            replicas: self.replicas,
            units: self.units,
        })
    }
}

/// Checked [`TermsArgs`].
#[derive(Debug, Clone, Copy)]
pub struct Terms {
    pub escrow: U256,
    max_price: U256,
    replicas: u32,
    units: u64,
}

impl Terms {
    /// The deal's terms for `component`, paid in `token`.
    pub fn deal_terms(&self, token: Address, component: B256) -> DealTerms {
        DealTerms {
            token,
            component,
            replicas: self.replicas,
            compute_units: self.units,
            max_price_per_cu: self.max_price,
            region: B256::ZERO,
            required_attributes: U256::ZERO,
        }
    }
}

pub fn run(command: DealCommand) -> anyhow::Result<()> {
    match command {
        DealCommand::Create {
            component,
            wasm,
            terms,
            json,
            chain,
            network,
        } => {
            let component = match (component, wasm) {
                (Some(hex), _) => parse_component(&hex)?,
                (None, Some(path)) => {
                    let bytes = std::fs::read(&path)
                        .with_context(|| format!("cannot read --wasm {}", path.display()))?;
                    B256::from(*blake3::hash(&bytes).as_bytes())
                }
                (None, None) => bail!("pass --component HASH or --wasm FILE"),
            };
            let terms = terms.parse()?;
            let chain = Chain::connect(&chain, &network.dir())?;
            let escrow = terms.escrow;
            let terms = terms.deal_terms(chain.token, component);
            let id = chain.run(chain.market.create_deal(&terms, escrow))?;
            let deal = get(&chain, id)?;
            if json {
                println!("{}", deal_json(&deal));
            } else {
                let matched = deal
                    .replicas
                    .iter()
                    .filter(|r| r.provider.is_some())
                    .count();
                println!(
                    "created {id} with {} escrow; {matched} of {} replicas matched",
                    amount::format(escrow),
                    deal.replicas.len()
                );
            }
        }
        DealCommand::Info {
            id,
            json,
            chain,
            network,
        } => {
            let id = parse_id(&id)?;
            let chain = Chain::connect(&chain, &network.dir())?;
            let deal = get(&chain, id)?;
            if json {
                println!("{}", deal_json(&deal));
            } else {
                print_deal(&deal);
            }
        }
        DealCommand::Deposit {
            id,
            amount: text,
            chain,
            network,
        } => {
            let (id, value) = (parse_id(&id)?, amount::parse("amount", &text)?);
            let chain = Chain::connect(&chain, &network.dir())?;
            chain.run(chain.market.top_up(id, value))?;
            let deal = get(&chain, id)?;
            println!("{id}: escrow now {}", amount::format(deal.escrow));
        }
        DealCommand::Withdraw {
            id,
            amount: text,
            chain,
            network,
        } => {
            let (id, value) = (parse_id(&id)?, amount::parse("amount", &text)?);
            let chain = Chain::connect(&chain, &network.dir())?;
            chain.run(chain.market.withdraw_unused(id, value))?;
            let deal = get(&chain, id)?;
            println!("{id}: escrow now {}", amount::format(deal.escrow));
        }
        DealCommand::Stop { id, chain, network } => {
            let id = parse_id(&id)?;
            let chain = Chain::connect(&chain, &network.dir())?;
            let token = get(&chain, id)?.terms.token;
            let me = chain.market.account();
            let before = chain.run(chain.market.token_balance(token, me))?;
            chain.run(chain.market.stop_deal(id))?;
            let after = chain.run(chain.market.token_balance(token, me))?;
            println!(
                "stopped {id}; {} of unspent escrow went back to {me}",
                amount::format(after.saturating_sub(before))
            );
        }
    }
    Ok(())
}

/// The deal, or an error that says it does not exist.
pub fn get(chain: &Chain, id: DealId) -> anyhow::Result<Deal> {
    chain
        .run(chain.market.deal(id))?
        .with_context(|| format!("there is no {id} on this market"))
}

pub fn parse_id(text: &str) -> anyhow::Result<DealId> {
    let digits = text.trim().trim_start_matches('#');
    match digits.parse::<u64>() {
        Ok(n) if n > 0 => Ok(DealId(n)),
        _ => {
            bail!("deal id {text:?} is not a deal number (1, 2, ...); `weft deal create` prints it")
        }
    }
}

fn parse_component(text: &str) -> anyhow::Result<B256> {
    let digits = text.trim().strip_prefix("0x").unwrap_or(text.trim());
    if digits.len() != 64 {
        bail!("--component {text:?} is not a component hash: expected 64 hex digits (blake3)");
    }
    digits.parse::<B256>().map_err(|_| {
        anyhow::anyhow!(
            "--component {text:?} is not a component hash: expected 64 hex digits (blake3)"
        )
    })
}

pub fn deal_json(deal: &Deal) -> Value {
    let replicas: Vec<Value> = deal
        .replicas
        .iter()
        .map(|r| {
            json!({
                "provider": r.provider.map(|a| a.to_string()),
                "offer": r.offer.map(|o| o.0),
                "price_per_epoch": amount::format(r.price_per_epoch),
                "peer_id": super::peer_text(&r.peer_id),
                "worker_id": (!r.worker_id.is_empty()).then(|| String::from_utf8_lossy(&r.worker_id).into_owned()),
            })
        })
        .collect();
    json!({
        "id": deal.id.0,
        "developer": deal.developer.to_string(),
        "status": match deal.status { DealStatus::Active => "active", DealStatus::Stopped => "stopped" },
        "component": hex_hash(deal.terms.component),
        "token": deal.terms.token.to_string(),
        "replicas_wanted": deal.terms.replicas,
        "compute_units": deal.terms.compute_units,
        "max_price_per_cu": amount::format(deal.terms.max_price_per_cu),
        "escrow": amount::format(deal.escrow),
        "cost_per_epoch": amount::format(deal.cost_per_epoch()),
        "settled_epoch": deal.settled_epoch,
        "replicas": replicas,
    })
}

fn print_deal(deal: &Deal) {
    let status = match deal.status {
        DealStatus::Active => "active",
        DealStatus::Stopped => "stopped",
    };
    println!("{}  {status}  developer {}", deal.id, deal.developer);
    println!("  component {}", hex_hash(deal.terms.component));
    println!(
        "  {} replicas x {} CU at most {} per CU per epoch",
        deal.terms.replicas,
        deal.terms.compute_units,
        amount::format(deal.terms.max_price_per_cu)
    );
    println!(
        "  escrow {}, costs {} per epoch, paid up to epoch {}",
        amount::format(deal.escrow),
        amount::format(deal.cost_per_epoch()),
        deal.settled_epoch
    );
    for (index, r) in deal.replicas.iter().enumerate() {
        match r.provider {
            None => println!("  replica {index}: not matched yet"),
            Some(provider) => println!(
                "  replica {index}: provider {provider} on {}, worker {}",
                super::peer_text(&r.peer_id),
                if r.worker_id.is_empty() {
                    "not started yet".into()
                } else {
                    String::from_utf8_lossy(&r.worker_id).into_owned()
                }
            ),
        }
    }
}

/// A component hash the way nodes name modules: 64 lowercase hex digits.
pub fn hex_hash(hash: B256) -> String {
    let text = hash.to_string();
    text.trim_start_matches("0x").to_owned()
}
