//! The `weft` tool against real local networks (`weft up`, node processes on 127.0.0.1):
//! the examples, `weft logs`, Aqua features through `weft run`, and wrong input to every
//! command. Each test starts its own network under its own `WEFT_HOME`.

#[path = "support/weft.rs"]
mod support;

#[path = "network/pipeline.rs"]
mod pipeline;

#[path = "network/chat.rs"]
mod chat;

#[path = "network/languages.rs"]
mod languages;

#[path = "network/wrong_input.rs"]
mod wrong_input;

#[path = "network/aqua.rs"]
mod aqua;

#[path = "network/redeploy.rs"]
mod redeploy;
