//! The market's behaviour, each scenario run against the in-memory [`FakeMarket`] and against
//! the real contracts on a local anvil ([`AlloyMarket`]); the two must log the same events, so
//! the fake cannot drift from the contracts.
//!
//! anvil comes from `tools/chain` (`scripts/setup.sh`); without it the anvil tests fail and
//! say so, they never skip.

// Test code: a failed expectation should stop the test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent;
mod artifacts;
mod deploy;
mod harness;
mod reentrancy;
mod scenarios;

use harness::{AnvilChain, FakeChain};

/// One test running the scenario on the fake, one running it on anvil and comparing the
/// events both logged.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;

            #[tokio::test]
            async fn on_fake() {
                scenarios::$name(&FakeChain::new()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_anvil_same_as_fake() {
                let fake = scenarios::$name(&FakeChain::new()).await;
                let anvil = scenarios::$name(&AnvilChain::start().await).await;
                assert!(fake.len() > 3, "the scenario logged too little: {fake:#?}");
                assert_eq!(anvil, fake, "anvil and the fake logged different events");
                if std::env::var_os("WEFT_SHOW_EVENTS").is_some() {
                    eprintln!("{}", anvil.join("\n"));
                }
            }
        }
    )*};
}

on_both!(
    providers_and_offers,
    matching_picks_cheapest_eligible,
    one_replica_per_provider,
    payments_accrue_per_epoch,
    developer_escrow,
    escrow_exhaustion_stops_the_deal,
    missed_heartbeat_rematches_and_slashes,
    reported_failure_rematches,
);
