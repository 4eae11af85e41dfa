//! A payment token that re-enters the market while being paid out (anvil only: the fake has
//! no contracts to call back).

use alloy::primitives::B256;
use weft_chain::{DealTerms, Market, OfferTerms, Revert, U256};

use crate::harness::{AnvilChain, Chain};

alloy::sol!(
    #[sol(rpc)]
    HostileToken,
    "../../contracts/out/HostileToken.json"
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reentrant_withdrawal_is_refused_and_keeps_the_earnings() {
    let chain = AnvilChain::start().await;
    let provider = chain.account("p", U256::from(1_000_000_000u64)).await;
    let dev = chain.account("dev", U256::ZERO).await;
    let hostile = HostileToken::deploy(provider.provider().clone())
        .await
        .expect("deploy HostileToken");
    let token = *hostile.address();
    hostile
        .mint(dev.account(), U256::from(1_000))
        .send()
        .await
        .unwrap()
        .watch()
        .await
        .unwrap();

    provider
        .register_provider(U256::from(200_000_000u64))
        .await
        .unwrap();
    let offer = OfferTerms {
        token,
        price_per_cu: U256::from(7),
        compute_units: 1,
        region: B256::ZERO,
        attributes: U256::ZERO,
        peer_id: b"peer-p".to_vec().into(),
    };
    provider.publish_offer(&offer).await.unwrap();
    let terms = DealTerms {
        token,
        component: B256::repeat_byte(1),
        replicas: 1,
        compute_units: 1,
        max_price_per_cu: U256::from(7),
        region: B256::ZERO,
        required_attributes: U256::ZERO,
    };
    let deal = dev.create_deal(&terms, U256::from(100)).await.unwrap();
    chain.advance_epochs(2).await;
    dev.settle(deal).await.unwrap();
    assert_eq!(
        provider.earnings(provider.account(), token).await.unwrap(),
        U256::from(14)
    );

    hostile
        .setTarget(provider.market_address())
        .send()
        .await
        .unwrap()
        .watch()
        .await
        .unwrap();
    let err = provider
        .withdraw_earnings(token, U256::from(14))
        .await
        .unwrap_err();
    assert_eq!(err.revert(), Some(&Revert::Reentrancy), "{err}");
    assert_eq!(
        provider.earnings(provider.account(), token).await.unwrap(),
        U256::from(14)
    );
    assert_eq!(
        provider
            .token_balance(token, provider.account())
            .await
            .unwrap(),
        U256::ZERO
    );

    // Disarmed, the same withdrawal pays exactly once.
    hostile
        .setTarget(alloy::primitives::Address::ZERO)
        .send()
        .await
        .unwrap()
        .watch()
        .await
        .unwrap();
    provider
        .withdraw_earnings(token, U256::from(14))
        .await
        .unwrap();
    assert_eq!(
        provider.earnings(provider.account(), token).await.unwrap(),
        U256::ZERO
    );
    assert_eq!(
        provider
            .token_balance(token, provider.account())
            .await
            .unwrap(),
        U256::from(14)
    );
}
