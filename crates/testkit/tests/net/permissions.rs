//! Only a service's owner may remove or re-alias it.

use std::time::Duration;

use serde_json::json;
use tokio::time::timeout;
use weft_core::KeyPair;
use weft_testkit::{ClientError, TestNet, flows, guest};

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_cannot_remove_or_realias_a_service() {
    let net = TestNet::start(2).await.unwrap();
    let node = net.peer_id(1);
    let owner = net.client_with(0, KeyPair::generate()).await.unwrap();
    let stranger = net.client_with(0, KeyPair::generate()).await.unwrap();
    let wasm = guest("greeter-rust").unwrap();
    let id = timeout(WAIT, flows::deploy(&owner, node, &wasm, "greeter"))
        .await
        .unwrap()
        .unwrap();

    let refused = |result: Result<serde_json::Value, ClientError>, what: &str| match result {
        Err(ClientError::Flow { message, .. }) => {
            assert!(message.contains("owner"), "{what}: {message}");
        }
        other => panic!("{what}: expected a refusal, got {other:?}"),
    };
    let remove = flows::call(&stranger, node, "srv", "remove", vec![json!(id)]);
    refused(timeout(WAIT, remove).await.unwrap(), "remove");
    let realias = flows::call(
        &stranger,
        node,
        "srv",
        "add_alias",
        vec![json!("mine"), json!(id)],
    );
    refused(timeout(WAIT, realias).await.unwrap(), "add_alias");
    let steal = flows::call(
        &stranger,
        node,
        "srv",
        "add_alias",
        vec![json!("greeter"), json!(id)],
    );
    refused(
        timeout(WAIT, steal).await.unwrap(),
        "add_alias of the same alias",
    );

    // The service is untouched and still answers by its alias.
    let hello = flows::call(&stranger, node, "greeter", "hello", vec![json!("x")]);
    assert_eq!(
        timeout(WAIT, hello).await.unwrap().unwrap(),
        json!("Hello, x!")
    );

    // Its owner may.
    let alias = flows::call(
        &owner,
        node,
        "srv",
        "add_alias",
        vec![json!("greeter2"), json!(id)],
    );
    timeout(WAIT, alias).await.unwrap().unwrap();
    let remove = flows::call(&owner, node, "srv", "remove", vec![json!(id)]);
    timeout(WAIT, remove).await.unwrap().unwrap();
    let gone = flows::call(&owner, node, "greeter2", "hello", vec![json!("x")]);
    assert!(timeout(WAIT, gone).await.unwrap().is_err());
}
