#![allow(clippy::unwrap_used)]

use std::time::Duration;

use alloy::primitives::{Address, B256, U256};
use tokio::time::sleep;

use super::*;
use crate::{DealTerms, FakeMarket, MarketParams};

const TOKEN: Address = Address::repeat_byte(0x70);
const COMPONENT: B256 = B256::repeat_byte(0xc0);

fn market() -> FakeMarket {
    let params = MarketParams {
        collateral_token: TOKEN,
        treasury: Address::repeat_byte(0x7e),
        epoch_seconds: 10,
        min_collateral: U256::from(100),
        slash_bps: 1_000,
        heartbeat_epochs: 2,
        reserve_epochs: 1,
    };
    FakeMarket::new(params, 1_000)
}

fn account(root: &FakeMarket, byte: u8) -> FakeMarket {
    let account = Address::with_last_byte(byte);
    root.mint(TOKEN, account, U256::from(1_000));
    root.as_account(account)
}

fn offer(price: u64) -> OfferTerms {
    OfferTerms {
        token: TOKEN,
        price_per_cu: U256::from(price),
        compute_units: 4,
        region: B256::ZERO,
        attributes: U256::ZERO,
        peer_id: b"peer".to_vec().into(),
    }
}

fn deal() -> DealTerms {
    DealTerms {
        token: TOKEN,
        component: COMPONENT,
        replicas: 1,
        compute_units: 2,
        max_price_per_cu: U256::from(5),
        region: B256::ZERO,
        required_attributes: U256::ZERO,
    }
}

fn config() -> ProviderConfig {
    ProviderConfig {
        poll_interval: Duration::from_secs(1),
        heartbeat_interval: Duration::from_secs(10),
        withdraw_interval: Duration::from_secs(60),
        ..ProviderConfig::new(TOKEN)
    }
}

#[tokio::test]
async fn ensure_offer_registers_once_and_updates_the_price() {
    let root = market();
    let p = account(&root, 1);
    let id = ensure_offer(&p, U256::from(100), &offer(3)).await.unwrap();
    let events = p.events(0).await.unwrap().events.len();
    assert_eq!(
        ensure_offer(&p, U256::from(100), &offer(3)).await.unwrap(),
        id
    );
    assert_eq!(
        p.events(0).await.unwrap().events.len(),
        events,
        "nothing to change"
    );
    assert_eq!(
        ensure_offer(&p, U256::from(100), &offer(4)).await.unwrap(),
        id
    );
    assert_eq!(
        p.offer(id).await.unwrap().unwrap().terms.price_per_cu,
        U256::from(4)
    );
    let mut moved = offer(4);
    moved.region = B256::repeat_byte(1);
    let new = ensure_offer(&p, U256::from(100), &moved).await.unwrap();
    assert_ne!(new, id);
    assert_eq!(p.active_offers().await.unwrap(), vec![new]);
}

#[tokio::test(start_paused = true)]
async fn agent_deploys_registers_heartbeats_withdraws_and_undeploys() {
    let root = market();
    let p = account(&root, 1);
    let dev = account(&root, 2);
    ensure_offer(&p, U256::from(100), &offer(3)).await.unwrap();
    let (handle, mut assignments, task) = ProviderAgent::spawn(p.clone(), config());

    let id = dev.create_deal(&deal(), U256::from(100)).await.unwrap();
    let assignment = assignments.recv().await.unwrap();
    assert_eq!(
        assignment,
        Assignment::Deploy {
            deal: id,
            index: 0,
            component: COMPONENT
        }
    );
    handle
        .worker_started(id, 0, b"worker".to_vec())
        .await
        .unwrap();
    assert_eq!(
        dev.deal(id).await.unwrap().unwrap().replicas[0]
            .worker_id
            .as_ref(),
        b"worker"
    );

    // One market epoch later the next heartbeat settles it: 3 per CU x 2 CUs.
    root.advance_time(10);
    // Just past the agent's next heartbeat (its timers run in the same virtual time).
    sleep(Duration::from_secs(11)).await;
    assert_eq!(
        dev.earnings(p.account(), TOKEN).await.unwrap(),
        U256::from(6)
    );
    // And the withdrawal schedule collects it.
    sleep(Duration::from_secs(60)).await;
    assert_eq!(dev.earnings(p.account(), TOKEN).await.unwrap(), U256::ZERO);
    assert_eq!(
        dev.token_balance(TOKEN, p.account()).await.unwrap(),
        U256::from(1_000 - 100 + 6)
    );

    dev.stop_deal(id).await.unwrap();
    assert_eq!(
        assignments.recv().await.unwrap(),
        Assignment::Undeploy { deal: id, index: 0 }
    );

    drop(assignments);
    task.await.unwrap();
    assert!(
        handle
            .worker_started(id, 0, b"late".to_vec())
            .await
            .is_err()
    );
}

#[tokio::test(start_paused = true)]
async fn a_replica_taken_away_is_undeployed() {
    let root = market();
    let p = account(&root, 1);
    let dev = account(&root, 2);
    ensure_offer(&p, U256::from(100), &offer(3)).await.unwrap();
    let (_handle, mut assignments, _task) = ProviderAgent::spawn(p.clone(), config());
    let id = dev.create_deal(&deal(), U256::from(100)).await.unwrap();
    assert!(matches!(
        assignments.recv().await.unwrap(),
        Assignment::Deploy { .. }
    ));
    dev.report_failure(id, 0).await.unwrap();
    assert_eq!(
        assignments.recv().await.unwrap(),
        Assignment::Undeploy { deal: id, index: 0 }
    );
}

#[tokio::test(start_paused = true)]
async fn a_deal_that_ended_unseen_is_undeployed_on_the_next_heartbeat() {
    let root = market();
    let p = account(&root, 1);
    let dev = account(&root, 2);
    ensure_offer(&p, U256::from(100), &offer(3)).await.unwrap();
    // Events are polled far less often than heartbeats are sent.
    let slow = ProviderConfig {
        poll_interval: Duration::from_secs(3_600),
        ..config()
    };
    let (_handle, mut assignments, _task) = ProviderAgent::spawn(p.clone(), slow);
    let id = dev.create_deal(&deal(), U256::from(100)).await.unwrap();
    // The first poll runs at once and sees the match.
    assert!(matches!(
        assignments.recv().await.unwrap(),
        Assignment::Deploy { .. }
    ));
    // 100 pays 16 epochs of 6; the heartbeat after that settles and stops the deal.
    root.advance_time(170);
    sleep(Duration::from_secs(11)).await;
    let ended = dev.deal(id).await.unwrap().unwrap();
    assert_eq!(ended.status, crate::DealStatus::Stopped);
    // Stopped by the heartbeat itself: the next one is refused and releases the replica.
    assert_eq!(
        assignments.recv().await.unwrap(),
        Assignment::Undeploy { deal: id, index: 0 }
    );
}
