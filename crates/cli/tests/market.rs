//! The marketplace commands with the real `weft` binary: wrong input to each of them, deals
//! on the local chain of `weft up --chain`, and `weft deploy --market` followed by `weft call`
//! against provider nodes. Each test has its own `WEFT_HOME`; anvil comes from
//! `scripts/setup.sh` (tools/chain), as for the weft-chain tests.

#[path = "support/weft.rs"]
mod support;

#[path = "market/wrong_input.rs"]
mod wrong_input;

#[path = "market/deals.rs"]
mod deals;
