//! `weft deploy --market`: buy the project's replicas on the market instead of placing them.
//!
//! Upload the component once, to the relay node, which announces it on the network; create a
//! deal for its blake3 hash; wait until its replicas are matched and every provider's node,
//! having fetched the component from a peer that holds it (checked against the hash),
//! registered its worker on chain; and record the workers in `.weft/deployment.json` under
//! the alias the provider nodes give the deal (`deal-<id>`), so `weft call deal-<id>.FUNCTION` finds them.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use weft_chain::{B256, Deal, Market as _};
use weft_node::client::script;

use super::chain::{Chain, ChainArgs};
use super::deal::{TermsArgs, get, hex_hash};
use crate::deploy::{Deployment, Replica};
use crate::project::Project;
use crate::session::{Connect, Session};

/// How long the market may take to match every replica.
const MATCH_TIMEOUT: Duration = Duration::from_secs(60);
/// How long providers may take to fetch the component and start their workers once matched.
const WORKER_TIMEOUT: Duration = Duration::from_secs(180);
/// Between two looks at the deal on chain.
const POLL: Duration = Duration::from_millis(500);
const COMMIT: &str = r#"
(xor
 (seq
  (seq
   (call relay ("op" "noop") [])
   (call target ("dist" "commit") [hash] module))
  (seq
   (call relay ("op" "noop") [])
   (call %init_peer_id% ("callbackSrv" "response") [module])))
 (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0]))
"#;

/// The market flags of `weft deploy`.
#[derive(Debug, Clone, clap::Args)]
pub struct MarketDeployArgs {
    /// Buy the replicas on the market (a deal) instead of deploying to chosen nodes.
    #[arg(long)]
    pub market: bool,
    /// Escrow deposited with the deal, in tokens (`100` = 100 USD).
    #[arg(long, default_value = "10", requires = "market")]
    pub escrow: String,
    /// Highest price per compute unit per epoch, in tokens.
    #[arg(long, default_value = "0.01", requires = "market")]
    pub max_price: String,
    /// Compute units per replica.
    #[arg(long, default_value_t = 1, requires = "market")]
    pub units: u64,
    #[command(flatten)]
    pub chain: ChainArgs,
}

/// Deploys through the market; `replicas` as `weft deploy` resolved it.
pub fn deploy(
    args: &MarketDeployArgs,
    replicas: Option<usize>,
    connect: &Connect,
    quiet: bool,
) -> anyhow::Result<(u64, Deployment)> {
    let project = Project::find(&std::env::current_dir()?)?;
    let component = project.component_path();
    let bytes = std::fs::read(&component).with_context(|| {
        format!(
            "cannot read {}: run `weft build` first",
            component.display()
        )
    })?;
    let hash = B256::from(*blake3::hash(&bytes).as_bytes());
    let replicas = replicas.unwrap_or(project.manifest.deploy.replicas);
    let terms = TermsArgs {
        escrow: args.escrow.clone(),
        replicas: u32::try_from(replicas).unwrap_or(u32::MAX),
        units: args.units,
        max_price: args.max_price.clone(),
    };
    let terms = terms.parse()?;
    let chain = Chain::connect(&args.chain, &connect.network.dir())?;
    let say = |text: String| {
        if !quiet {
            eprintln!("{text}");
        }
    };
    // Uploaded before the deal, so a failed upload locks no escrow.
    let session = Session::open(connect)?;
    let relay = session.client.relay().to_string();
    say(format!("uploading the component to {relay}"));
    upload(&session, &relay, &hex_hash(hash), &bytes)
        .with_context(|| format!("uploading the component to {relay} failed"))?;
    session.close();
    let escrow = terms.escrow;
    let terms = terms.deal_terms(chain.token, hash);
    let id = chain.run(chain.market.create_deal(&terms, escrow))?;
    say(format!("created {id} for component {}", hex_hash(hash)));
    let deal = wait(&chain, id, MATCH_TIMEOUT, |deal| {
        deal.replicas.iter().all(|r| r.provider.is_some())
    })
    .with_context(|| {
        format!(
            "not enough offers at or under --max-price {} matched {id}; `weft deal info {}` shows it, `weft deal stop {}` returns the escrow",
            args.max_price, id.0, id.0
        )
    })?;
    for replica in &deal.replicas {
        say(format!("  matched {}", super::peer_text(&replica.peer_id)));
    }
    let started = Instant::now();
    let deal = wait(&chain, id, WORKER_TIMEOUT, |deal| {
        deal.replicas.iter().all(|r| !r.worker_id.is_empty())
    })
    .with_context(|| {
        format!(
            "the providers of {id} did not start their workers in {} s; `weft deal info {}` shows which did",
            WORKER_TIMEOUT.as_secs(),
            id.0
        )
    })?;
    say(format!(
        "  workers registered in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    let deployment = Deployment {
        alias: weft_node::deal_alias(id),
        module: hex_hash(hash),
        replicas: deal
            .replicas
            .iter()
            .map(|r| Replica {
                peer_id: super::peer_text(&r.peer_id),
                service_id: String::from_utf8_lossy(&r.worker_id).into_owned(),
            })
            .collect(),
    };
    let previous = crate::deploy::load(&project).ok().flatten();
    crate::deploy::save(&project, &deployment)?;
    // The previous market deployment's deal would keep paying for replicas nobody calls.
    let previous_deal = previous
        .and_then(|p| {
            p.alias
                .strip_prefix("deal-")
                .and_then(|n| n.parse::<u64>().ok())
        })
        .map(weft_chain::DealId)
        .filter(|old| *old != id);
    if let Some(old) = previous_deal {
        match stop_previous(&chain, old) {
            Ok(true) => say(format!("  stopped the previous deployment's {old}")),
            Ok(false) => {}
            Err(e) => eprintln!("warning: could not stop the previous deployment's {old}: {e:#}"),
        }
    }
    Ok((id.0, deployment))
}

/// Stops `deal` if it is this wallet's and still running; whether it stopped it.
fn stop_previous(chain: &Chain, deal: weft_chain::DealId) -> anyhow::Result<bool> {
    let running = chain.run(chain.market.deal(deal))?.is_some_and(|d| {
        d.developer == chain.market.account() && d.status == weft_chain::DealStatus::Active
    });
    if running {
        chain.run(chain.market.stop_deal(deal))?;
    }
    Ok(running)
}

/// Polls the deal until `done` holds (matching it again while replicas are unmatched).
fn wait(
    chain: &Chain,
    id: weft_chain::DealId,
    timeout: Duration,
    done: impl Fn(&Deal) -> bool,
) -> anyhow::Result<Deal> {
    let deadline = Instant::now() + timeout;
    loop {
        let deal = get(chain, id)?;
        if done(&deal) {
            return Ok(deal);
        }
        if Instant::now() >= deadline {
            bail!("timed out after {} s", timeout.as_secs());
        }
        if deal.replicas.iter().any(|r| r.provider.is_none()) {
            // Offers published after the deal are only matched when someone asks.
            chain.run(chain.market.match_deal(id))?;
        }
        // Chain state changes arrive in blocks, not as events we could await here: poll.
        std::thread::sleep(POLL);
    }
}

/// Sends the component to `target` in pieces (as `weft deploy` does) and adds it to the
/// node's store.
fn upload(session: &Session, target: &str, hash: &str, bytes: &[u8]) -> anyhow::Result<()> {
    crate::deploy::upload(session, target, hash, bytes, true)?;
    let commit = script::with_args(&["target", "hash"], COMMIT);
    let args = BTreeMap::from([
        ("target".to_owned(), json!(target)),
        ("hash".to_owned(), json!(hash)),
    ]);
    match session
        .execute_within(&commit, args, Duration::from_secs(150))?
        .as_slice()
    {
        [Value::String(module)] if module == hash => Ok(()),
        other => bail!("unexpected commit response {other:?}"),
    }
}

/// `weft deploy --market`, with the flags `weft deploy` shares read from its matches.
pub fn run(args: &MarketDeployArgs, matches: &clap::ArgMatches) -> anyhow::Result<()> {
    use clap::FromArgMatches as _;
    if matches.get_many::<String>("peers").is_some() {
        bail!("--peers and --market exclude each other: the market chooses the nodes");
    }
    if matches.get_many::<String>("http_allow").is_some() {
        bail!(
            "--http-allow and --market exclude each other: a deal's service gets no HTTP \
             grant (deals do not carry one yet); deploy with --peers to grant HTTP"
        );
    }
    let replicas = matches.get_one::<usize>("replicas").copied();
    if replicas == Some(0) {
        bail!("--replicas must be at least 1");
    }
    let json = matches.get_flag("json");
    let connect = Connect::from_arg_matches(matches)?;
    let started = Instant::now();
    let (deal, deployment) = deploy(args, replicas, &connect, json)?;
    if json {
        let mut value = serde_json::to_value(&deployment)?;
        value["deal"] = json!(deal);
        println!("{value}");
        return Ok(());
    }
    println!(
        "deployed through deal {deal} (module {}) to {} replicas in {:.1} s; call it as {}.FUNCTION",
        deployment.module,
        deployment.replicas.len(),
        started.elapsed().as_secs_f64(),
        deployment.alias
    );
    for replica in &deployment.replicas {
        println!("  {}  {}", replica.peer_id, replica.service_id);
    }
    Ok(())
}
