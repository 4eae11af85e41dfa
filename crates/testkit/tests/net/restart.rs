//! Deploy, stop the node, start it again on its data directory: the service and its alias
//! are back. (The end-to-end test does the same with `kill -9`.) Kv state is not checked
//! yet: every test component with kv (`probe`, `pipeline`) also imports `http`, which the
//! node does not grant, so none can be deployed.

use std::time::Duration;

use serde_json::json;
use tokio::time::timeout;
use weft_testkit::{TestNet, flows, guest};

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_and_their_aliases_survive_a_restart() {
    let mut net = TestNet::start(2).await.unwrap();
    let client = net.client(0).await.unwrap();
    let node = net.peer_id(1);
    let wasm = guest("greeter-rust").unwrap();
    let deploy = flows::deploy(&client, node, &wasm, "greeter");
    let id = timeout(WAIT, deploy).await.unwrap().unwrap();

    net.restart(1).await.unwrap();

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
