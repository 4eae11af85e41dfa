//! Deploy, store kv state, stop the node, start it again on its data directory: the
//! services, their aliases and their kv state are back. (The end-to-end test does the same
//! with `kill -9`.)

use std::time::Duration;

use serde_json::json;
use tokio::time::timeout;
use weft_testkit::{TestNet, flows, guest};

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_their_aliases_and_kv_state_survive_a_restart() {
    let mut net = TestNet::builder(2)
        .configure(|_, config| config.host.http_allow = vec!["127.0.0.1:9".into()])
        .start()
        .await
        .unwrap();
    let client = net.client(0).await.unwrap();
    let node = net.peer_id(1);
    let wasm = guest("greeter-rust").unwrap();
    let deploy = flows::deploy(&client, node, &wasm, "greeter");
    let id = timeout(WAIT, deploy).await.unwrap().unwrap();
    let pipeline = guest("pipeline").unwrap();
    let deploy = flows::deploy(&client, node, &pipeline, "pipeline");
    timeout(WAIT, deploy).await.unwrap().unwrap();
    let store = flows::call(
        &client,
        node,
        "pipeline",
        "store",
        vec![json!("city"), json!("Lisbon")],
    );
    timeout(WAIT, store).await.unwrap().unwrap();

    net.restart(1).await.unwrap();

    let load = flows::call(&client, node, "pipeline", "load", vec![json!("city")]);
    assert_eq!(
        timeout(WAIT, load).await.unwrap().unwrap(),
        json!({"ok": "Lisbon"})
    );

    let by_alias = flows::call(&client, node, "greeter", "hello", vec![json!("a")]);
    assert_eq!(
        timeout(WAIT, by_alias).await.unwrap().unwrap(),
        json!("Hello, a!")
    );
    let by_id = flows::call(&client, node, &id, "hello", vec![json!("b")]);
    assert_eq!(
        timeout(WAIT, by_id).await.unwrap().unwrap(),
        json!("Hello, b!")
    );
}
