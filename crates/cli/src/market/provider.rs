//! `weft provider`: a node operator's wallet on the market (register, offer, status,
//! withdraw). A provider node does all of this itself; these commands are for looking and
//! for acting by hand.

use anyhow::bail;
use serde_json::json;
use weft_chain::{B256, Bytes, Market, OfferTerms, U256, ensure_offer};

use super::amount;
use super::chain::{Chain, ChainArgs};

#[derive(Debug, clap::Subcommand)]
pub enum ProviderCommand {
    /// Register the wallet as a provider, staking collateral.
    Register {
        /// Collateral to stake, in tokens (`100` = 100 USD).
        #[arg(long, default_value = "100")]
        collateral: String,
        #[command(flatten)]
        chain: ChainArgs,
        #[command(flatten)]
        network: crate::NetworkDir,
    },
    /// Publish (or re-price) the wallet's offer for a node; registers first if needed.
    Offer {
        /// The node's peer id: matched deals run there.
        #[arg(long, value_name = "PEER_ID")]
        peer: String,
        /// Price per compute unit per epoch, in tokens (`0.001`).
        #[arg(long)]
        price: String,
        /// Compute units offered.
        #[arg(long)]
        units: u64,
        /// Collateral staked if the wallet is not registered yet, in tokens.
        #[arg(long, default_value = "100")]
        collateral: String,
        #[command(flatten)]
        chain: ChainArgs,
        #[command(flatten)]
        network: crate::NetworkDir,
    },
    /// The wallet's registration, collateral, offers and earnings.
    Status {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        chain: ChainArgs,
        #[command(flatten)]
        network: crate::NetworkDir,
    },
    /// Withdraw settled earnings to the wallet.
    Withdraw {
        /// How much, in tokens (default: everything settled).
        #[arg(long)]
        amount: Option<String>,
        #[command(flatten)]
        chain: ChainArgs,
        #[command(flatten)]
        network: crate::NetworkDir,
    },
}

pub fn run(command: ProviderCommand) -> anyhow::Result<()> {
    match command {
        ProviderCommand::Register {
            collateral,
            chain,
            network,
        } => {
            let collateral = amount::parse("--collateral", &collateral)?;
            let chain = Chain::connect(&chain, &network.dir())?;
            let me = chain.market.account();
            if chain.run(Market::provider(&chain.market, me))?.registered {
                println!("{me} is already a registered provider");
                return Ok(());
            }
            chain.run(chain.market.register_provider(collateral))?;
            println!(
                "registered {me} with {} collateral",
                amount::format(collateral)
            );
        }
        ProviderCommand::Offer {
            peer,
            price,
            units,
            collateral,
            chain,
            network,
        } => {
            let peer_id = peer.parse::<weft_core::PeerId>().map_err(|e| {
                anyhow::anyhow!(
                    "--peer `{peer}` is not a peer id ({e}); `weft ps` lists the nodes' ids"
                )
            })?;
            let price = amount::parse("--price", &price)?;
            let collateral = amount::parse("--collateral", &collateral)?;
            if units == 0 {
                bail!("--units is 0; offer at least 1 compute unit");
            }
            let chain = Chain::connect(&chain, &network.dir())?;
            let terms = OfferTerms {
                token: chain.token,
                price_per_cu: price,
                compute_units: units,
                region: B256::ZERO,
                attributes: U256::ZERO,
                peer_id: Bytes::from(peer_id.to_bytes().to_vec()),
            };
            let offer = chain.run(ensure_offer(&chain.market, collateral, &terms))?;
            println!(
                "{offer} active for {peer} at {} per compute unit per epoch",
                amount::format(price)
            );
        }
        ProviderCommand::Status {
            json,
            chain,
            network,
        } => status(&Chain::connect(&chain, &network.dir())?, json)?,
        ProviderCommand::Withdraw {
            amount: wanted,
            chain,
            network,
        } => {
            let wanted = wanted.map(|a| amount::parse("--amount", &a)).transpose()?;
            let chain = Chain::connect(&chain, &network.dir())?;
            let me = chain.market.account();
            let earned = chain.run(chain.market.earnings(me, chain.token))?;
            let take = wanted.unwrap_or(earned);
            if take.is_zero() {
                println!("nothing to withdraw: {me} has no settled earnings");
                return Ok(());
            }
            if take > earned {
                bail!(
                    "--amount {} is more than the {} settled so far (`weft provider status`)",
                    amount::format(take),
                    amount::format(earned)
                );
            }
            chain.run(chain.market.withdraw_earnings(chain.token, take))?;
            println!("withdrew {} to {me}", amount::format(take));
        }
    }
    Ok(())
}

fn status(chain: &Chain, as_json: bool) -> anyhow::Result<()> {
    let me = chain.market.account();
    let info = chain.run(Market::provider(&chain.market, me))?;
    let earnings = chain.run(chain.market.earnings(me, chain.token))?;
    let mut offers = Vec::new();
    for id in chain.run(chain.market.active_offers())? {
        if let Some(offer) = chain.run(chain.market.offer(id))?
            && offer.provider == me
        {
            offers.push(offer);
        }
    }
    offers.sort_by_key(|o| o.id);
    if as_json {
        let offers: Vec<_> = offers
            .iter()
            .map(|o| {
                json!({
                    "id": o.id.0,
                    "peer_id": super::peer_text(&o.terms.peer_id),
                    "price_per_cu": amount::format(o.terms.price_per_cu),
                    "free_compute_units": o.terms.compute_units,
                })
            })
            .collect();
        let value = json!({
            "account": me.to_string(),
            "registered": info.registered,
            "collateral": amount::format(info.collateral),
            "active_replicas": info.active_replicas,
            "earnings": amount::format(earnings),
            "offers": offers,
        });
        println!("{value}");
        return Ok(());
    }
    if !info.registered {
        println!("{me}: not a registered provider (`weft provider register`)");
        return Ok(());
    }
    println!(
        "{me}: collateral {}, serving {} replicas, earnings {} withdrawable",
        amount::format(info.collateral),
        info.active_replicas,
        amount::format(earnings)
    );
    for o in &offers {
        println!(
            "  {}  peer {}  {} per CU per epoch  {} CU free",
            o.id,
            super::peer_text(&o.terms.peer_id),
            amount::format(o.terms.price_per_cu),
            o.terms.compute_units
        );
    }
    Ok(())
}
