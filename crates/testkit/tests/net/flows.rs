//! Flows across 3+ nodes: a multi-hop chain, fan-out and fan-in, a service on node B called
//! from a client on node A, and two clients talking through their relays.

use std::{collections::BTreeMap, time::Duration};

use serde_json::{Value, json};
use tokio::{sync::mpsc, time::timeout};
use weft_testkit::{TestNet, flows, guest};

const WAIT: Duration = Duration::from_secs(60);

/// The TCP port of node `i`, which `peer.identify` lists among the node's addresses.
fn port(net: &TestNet, i: usize) -> String {
    let addr = net.addr(i).to_string();
    let port = addr.split("/tcp/").nth(1).and_then(|r| r.split('/').next());
    format!("/tcp/{}", port.expect("a tcp address"))
}

fn ran_on(info: &Value, net: &TestNet, i: usize) -> bool {
    info["external_addresses"]
        .to_string()
        .contains(&port(net, i))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_hops_through_every_node_in_order() {
    let net = TestNet::start(4).await.unwrap();
    let client = net.client(0).await.unwrap();
    let hops: Vec<_> = [1, 2, 3, 0].iter().map(|&i| net.peer_id(i)).collect();
    let body = r#"
      (seq (call relay ("op" "noop") [])
        (seq
          (fold hops p
            (seq
              (seq (call p ("peer" "identify") [] info)
                (ap info $path))
              (next p)))
          (seq (canon relay $path #path)
            (call %init_peer_id% ("callbackSrv" "response") [#path]))))"#;
    let script = flows::with_args(&["hops"], body);
    let hops_arg: Vec<String> = hops.iter().map(ToString::to_string).collect();
    let args = BTreeMap::from([("hops".to_owned(), json!(hops_arg))]);
    let result = timeout(WAIT, client.execute(&script, args))
        .await
        .unwrap()
        .unwrap();
    let path = result[0].as_array().expect("an array of identify answers");
    assert_eq!(path.len(), 4);
    for (info, node) in path.iter().zip([1, 2, 3, 0]) {
        assert!(
            ran_on(info, &net, node),
            "hop to node {node} answered {info}"
        );
    }
}

// The answers reach the relay in any order; the join must complete on every one (the air
// crate's `schedules` test checks the interpreter on hundreds of orders).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fan_out_to_all_nodes_and_fan_in_on_the_relay() {
    let net = TestNet::start(4).await.unwrap();
    let client = net.client(2).await.unwrap();
    let infos = timeout(WAIT, flows::identify_all(&client, &net.peer_ids()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(infos.len(), 4);
    for node in 0..4 {
        assert!(
            infos.iter().any(|info| ran_on(info, &net, node)),
            "no answer from node {node}: {infos:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_on_node_b_is_called_from_a_client_on_node_a() {
    let net = TestNet::start(3).await.unwrap();
    let client = net.client(0).await.unwrap();
    let b = net.peer_id(1);
    let wasm = guest("greeter-rust").unwrap();
    let id = timeout(WAIT, flows::deploy(&client, b, &wasm, "greeter"))
        .await
        .unwrap()
        .unwrap();
    let by_alias = flows::call(&client, b, "greeter", "hello", vec![json!("ann")]);
    assert_eq!(
        timeout(WAIT, by_alias).await.unwrap().unwrap(),
        json!("Hello, ann!")
    );
    let by_id = flows::call(&client, b, &id, "hello", vec![json!("bob")]);
    assert_eq!(
        timeout(WAIT, by_id).await.unwrap().unwrap(),
        json!("Hello, bob!")
    );

    // Node C has no such service: the error comes back as a flow error naming it.
    let missing = flows::call(
        &client,
        net.peer_id(2),
        "greeter",
        "hello",
        vec![json!("x")],
    );
    let err = timeout(WAIT, missing).await.unwrap().unwrap_err();
    assert!(err.to_string().contains("greeter"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_exchange_messages_through_their_relays() {
    let net = TestNet::start(3).await.unwrap();
    let alice = net.client(0).await.unwrap();
    let bob = net.client(2).await.unwrap();
    let (tx, mut inbox) = mpsc::channel(8);
    bob.register_service("chat", move |call| {
        tx.try_send((call.init_peer, call.args))
            .map_err(|e| e.to_string())?;
        Ok(json!("read"))
    });
    let body = r#"
      (seq (call relay ("op" "noop") [])
        (seq (call bob_relay ("op" "noop") [])
          (seq (call bob ("chat" "receive") [text] receipt)
            (seq (call bob_relay ("op" "noop") [])
              (seq (call relay ("op" "noop") [])
                (call %init_peer_id% ("callbackSrv" "response") [receipt]))))))"#;
    let script = flows::with_args(&["bob", "bob_relay", "text"], body);
    let args = BTreeMap::from([
        ("bob".to_owned(), json!(bob.peer_id().to_string())),
        ("bob_relay".to_owned(), json!(net.peer_id(2).to_string())),
        ("text".to_owned(), json!("hi bob")),
    ]);
    let receipt = timeout(WAIT, alice.execute(&script, args))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(receipt, [json!("read")]);
    let (from, args) = inbox.recv().await.unwrap();
    assert_eq!(from, alice.peer_id());
    assert_eq!(args, [json!("hi bob")]);
}
