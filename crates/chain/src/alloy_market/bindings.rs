//! Rust bindings of the compiled contracts (`contracts/out`, see `scripts/contracts.sh`).

#![allow(
    missing_docs,
    missing_debug_implementations,
    clippy::too_many_arguments
)]

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    Market,
    "../../contracts/out/Market.json"
);

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    USDToken,
    "../../contracts/out/USDToken.json"
);
