//! Deploy, store kv state, stop the node, start it again on its data directory: the service,
//! its alias and its state are back. (The end-to-end test does the same with `kill -9`.)

use std::time::Duration;

use serde_json::json;
use tokio::time::timeout;
use weft_testkit::{TestNet, flows, guest};

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_and_their_state_survive_a_restart() {
    let mut net = TestNet::start(2).await.unwrap();
    let client = net.client(0).await.unwrap();
    let node = net.peer_id(1);
    let wasm = guest("probe").unwrap();
    let id = timeout(WAIT, flows::deploy(&client, node, &wasm, "probe"))
        .await
        .unwrap()
        .unwrap();
    let set = flows::call(
        &client,
        node,
        "probe",
        "kv-set",
        vec![json!("k"), json!("kept")],
    );
    timeout(WAIT, set).await.unwrap().unwrap();

    net.restart(1).await.unwrap();

    let get = flows::call(&client, node, "probe", "kv-get", vec![json!("k")]);
    assert_eq!(timeout(WAIT, get).await.unwrap().unwrap(), json!("kept"));
    let by_id = flows::call(&client, node, &id, "kv-get", vec![json!("k")]);
    assert_eq!(timeout(WAIT, by_id).await.unwrap().unwrap(), json!("kept"));
}
