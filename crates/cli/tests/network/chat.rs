//! The P2P chat example: two client peers on one node send each other messages with
//! examples/chat/send.air; each serves `chat.receive` and answers with a receipt.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;
use weft_core::{KeyPair, PeerId};
use weft_node::client::{Client, ClientConfig};

use crate::support::{Net, Weft, examples};

const WAIT: Duration = Duration::from_secs(30);

/// A chat user: a client of `relay` whose `chat.receive` puts each message in its inbox
/// and answers `"NAME read: TEXT"`.
async fn user(name: &'static str, relay: &str) -> (Client, mpsc::Receiver<(PeerId, String)>) {
    let config = ClientConfig::new(KeyPair::generate(), relay.parse().expect("multiaddr"));
    let client = Client::connect(config).await.expect("connect");
    let (tx, inbox) = mpsc::channel(8);
    client.register_service("chat", move |call| {
        if call.function != "receive" {
            return Err(format!("chat has no function {}", call.function));
        }
        let text = call
            .args
            .get(1)
            .and_then(|t| t.as_str())
            .unwrap_or_default();
        let from = call
            .args
            .first()
            .and_then(|f| f.as_str())
            .unwrap_or_default();
        let from: PeerId = from.parse().map_err(|e| format!("sender: {e}"))?;
        tx.try_send((from, text.to_owned()))
            .map_err(|e| e.to_string())?;
        Ok(json!(format!("{name} read: {text}")))
    });
    (client, inbox)
}

async fn send(from: &Client, to: &Client, text: &str) -> Vec<serde_json::Value> {
    let script = std::fs::read_to_string(examples().join("chat/send.air")).expect("send.air");
    let args = BTreeMap::from([
        ("to".to_owned(), json!(to.peer_id().to_string())),
        ("text".to_owned(), json!(text)),
    ]);
    tokio::time::timeout(WAIT, from.execute(&script, args))
        .await
        .expect("in time")
        .expect("send.air runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_chat_through_one_node() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let _net = Net::up(&weft, tmp.path(), 1, &[]);
    let nodes = weft.json(tmp.path(), &["ps", "--json"]);
    let relay = nodes[0]["addrs"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find_map(|a| a.as_str().filter(|a| a.contains("/tcp/")))
        })
        .expect("a tcp address")
        .to_owned();
    let (alice, mut alice_inbox) = user("alice", &relay).await;
    let (bob, mut bob_inbox) = user("bob", &relay).await;

    assert_eq!(
        send(&alice, &bob, "hi bob").await,
        [json!("bob read: hi bob")]
    );
    assert_eq!(
        bob_inbox.recv().await,
        Some((alice.peer_id(), "hi bob".to_owned()))
    );
    assert_eq!(
        send(&bob, &alice, "hello alice").await,
        [json!("alice read: hello alice")]
    );
    assert_eq!(
        alice_inbox.recv().await,
        Some((bob.peer_id(), "hello alice".to_owned()))
    );
    // Nothing else arrived: each message was delivered once.
    assert!(alice_inbox.try_recv().is_err() && bob_inbox.try_recv().is_err());
    alice.shutdown().await.expect("shutdown");
    bob.shutdown().await.expect("shutdown");
}
