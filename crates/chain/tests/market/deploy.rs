//! Deploying the market.

use weft_chain::{Address, AlloyMarket, Market, Revert, RpcConfig, U256};

use crate::harness::AnvilChain;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_refuses_parameters_that_would_break_slashing_or_epochs() {
    let chain = AnvilChain::start().await;
    let dev = chain.dev();
    let key = dev.funded_account(U256::ZERO).await.unwrap();
    let good = dev.params().clone();
    let broken = [
        weft_chain::MarketParams {
            treasury: Address::ZERO,
            ..good.clone()
        },
        weft_chain::MarketParams {
            collateral_token: Address::ZERO,
            ..good.clone()
        },
        weft_chain::MarketParams {
            epoch_seconds: 0,
            ..good.clone()
        },
        weft_chain::MarketParams {
            slash_bps: 10_001,
            ..good.clone()
        },
        weft_chain::MarketParams {
            reserve_epochs: 0,
            ..good.clone()
        },
    ];
    for params in broken {
        let err =
            AlloyMarket::deploy_market(dev.url(), key.clone(), &params, &RpcConfig::default())
                .await
                .unwrap_err();
        assert_eq!(
            err.revert(),
            Some(&Revert::InvalidParams),
            "{params:?}: {err}"
        );
    }
    // The same deployer with the dev chain's parameters gets a working market.
    let market = AlloyMarket::deploy_market(dev.url(), key.clone(), &good, &RpcConfig::default())
        .await
        .unwrap();
    let handle = AlloyMarket::connect(dev.url(), key, market, RpcConfig::default()).unwrap();
    assert_eq!(handle.params().await.unwrap(), good);
    assert_eq!(handle.current_epoch().await.unwrap(), 0);
}

#[test]
fn a_malformed_url_is_a_clear_error() {
    let err = AlloyMarket::connect(
        "not a url",
        weft_chain::keys::generate(),
        Address::ZERO,
        RpcConfig::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("invalid RPC URL \"not a url\""),
        "{err}"
    );
}

#[tokio::test]
async fn https_endpoints_are_supported() {
    // Nothing listens there: the failure must be the connection, not the URL scheme.
    let market = AlloyMarket::connect(
        "https://127.0.0.1:9",
        weft_chain::keys::generate(),
        Address::ZERO,
        RpcConfig::default().with_retries(0, std::time::Duration::ZERO),
    )
    .unwrap();
    let err = market.current_epoch().await.unwrap_err().to_string();
    assert!(
        err.contains("currentEpoch") && err.contains("Connection refused"),
        "{err}"
    );
}
