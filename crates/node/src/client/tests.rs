//! The client against a bare `weft_net` peer playing its relay: what the client sends,
//! what it answers locally, and how it survives the relay going away.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use serde_json::{Value, json};
use tokio::{sync::mpsc, time::timeout};
use weft_core::{KeyPair, Particle};
use weft_net::{Inbox, Multiaddr, NetConfig, Network};

use super::*;

const WAIT: Duration = Duration::from_secs(20);

/// A peer that only receives: the client's relay, without an interpreter.
async fn fake_relay(keys: &KeyPair, listen: &str) -> (Network, Inbox, Multiaddr) {
    let config = NetConfig::node(keys.clone()).with_listen([listen.parse().unwrap()]);
    let (network, inbox) = Network::spawn(config).await.unwrap();
    let addr = network.listen_addrs().await.unwrap()[0].clone();
    let with_id = format!("{addr}/p2p/{}", keys.peer_id()).parse().unwrap();
    (network, inbox, with_id)
}

async fn client_of(relay: &Multiaddr, timeout: Duration) -> Client {
    let config = ClientConfig::new(KeyPair::generate(), relay.clone()).with_timeout(timeout);
    Client::connect(config).await.unwrap()
}

fn args(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[tokio::test]
async fn local_flow_answers_get_data_and_callback() {
    let relay_keys = KeyPair::generate();
    let (_relay, _inbox, addr) = fake_relay(&relay_keys, "/ip4/127.0.0.1/tcp/0").await;
    let client = client_of(&addr, WAIT).await;
    let script = r#"
      (seq
        (seq (call %init_peer_id% ("getDataSrv" "x") [] x)
             (call %init_peer_id% ("getDataSrv" "-relay-") [] relay))
        (call %init_peer_id% ("callbackSrv" "response") [x relay %init_peer_id%]))"#;
    let result = client
        .execute(script, args(&[("x", json!({"a": 1}))]))
        .await
        .unwrap();
    assert_eq!(
        result,
        [
            json!({"a": 1}),
            json!(relay_keys.peer_id().to_string()),
            json!(client.peer_id().to_string())
        ]
    );
}

#[tokio::test]
async fn with_args_reads_the_relay_and_each_argument_in_order() {
    let relay_keys = KeyPair::generate();
    let (_relay, _inbox, addr) = fake_relay(&relay_keys, "/ip4/127.0.0.1/tcp/0").await;
    let client = client_of(&addr, WAIT).await;
    let body = r#"(call %init_peer_id% ("callbackSrv" "response") [relay b a])"#;
    let script = script::with_args(&["a", "b"], body);
    let result = client
        .execute(&script, args(&[("a", json!(1)), ("b", json!("two"))]))
        .await
        .unwrap();
    let relay = json!(relay_keys.peer_id().to_string());
    assert_eq!(result, [relay, json!("two"), json!(1)]);
    let no_args = script::with_args::<&str>(&[], body.replace(" b a", "").as_str());
    let result = client.execute(&no_args, BTreeMap::new()).await.unwrap();
    assert_eq!(result, [json!(relay_keys.peer_id().to_string())]);
}

#[tokio::test]
async fn errors_reach_the_caller() {
    let (_relay, _inbox, addr) = fake_relay(&KeyPair::generate(), "/ip4/127.0.0.1/tcp/0").await;
    let client = client_of(&addr, WAIT).await;
    let handled = r#"
      (xor (call %init_peer_id% ("getDataSrv" "missing") [] x)
           (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0]))"#;
    match client.execute(handled, BTreeMap::new()).await {
        Err(ClientError::Flow { code, message, .. }) => {
            assert_eq!(code, 10000);
            assert!(message.contains("'missing'"), "{message}");
        }
        other => panic!("expected a flow error, got {other:?}"),
    }
    let uncaught = r#"(call %init_peer_id% ("nowhere" "f") [])"#;
    match client.execute(uncaught, BTreeMap::new()).await {
        Err(ClientError::Flow { code, message, .. }) => {
            assert_eq!(code, 10000);
            assert!(message.contains("not registered"), "{message}");
        }
        other => panic!("expected a flow error, got {other:?}"),
    }
    assert!(matches!(
        client.execute("(seq (null)", BTreeMap::new()).await,
        Err(ClientError::Script(_))
    ));
}

#[tokio::test]
async fn particles_go_to_the_relay_signed_and_time_out_without_response() {
    let (_relay, mut inbox, addr) = fake_relay(&KeyPair::generate(), "/ip4/127.0.0.1/tcp/0").await;
    let client = client_of(&addr, Duration::from_millis(300)).await;
    let script = r#"
      (seq (call %init_peer_id% ("getDataSrv" "-relay-") [] relay)
           (call relay ("op" "noop") []))"#;
    let err = client.execute(script, BTreeMap::new()).await.unwrap_err();
    assert_eq!(err, ClientError::Timeout(Duration::from_millis(300)));
    let inbound = timeout(WAIT, inbox.recv()).await.unwrap().unwrap();
    assert_eq!(inbound.from, client.peer_id());
    assert_eq!(inbound.particle.init_peer, client.peer_id());
    inbound.particle.verify().unwrap();
    assert!(!inbound.particle.data.is_empty());
}

#[tokio::test]
async fn registered_services_answer_foreign_particles() {
    let relay_keys = KeyPair::generate();
    let (relay, _inbox, addr) = fake_relay(&relay_keys, "/ip4/127.0.0.1/tcp/0").await;
    let client = client_of(&addr, WAIT).await;
    let (tx, mut rx) = mpsc::channel(4);
    client.register_service("chat", move |call: ServiceCall| {
        tx.try_send((call.function, call.args, call.init_peer))
            .map_err(|e| e.to_string())?;
        Ok(Value::Null)
    });
    let now = super::send::now_ms();
    let to_chat = |id: &str, text: &str| {
        let script = format!(
            r#"(call "{}" ("chat" "receive") ["{text}"])"#,
            client.peer_id()
        );
        Particle::new(&relay_keys, id.into(), now, 60_000, script)
    };
    relay
        .send(client.peer_id(), Arc::new(to_chat("chat-1", "hi")))
        .await
        .unwrap();
    let (function, call_args, from) = timeout(WAIT, rx.recv()).await.unwrap().unwrap();
    assert_eq!(function, "receive");
    assert_eq!(call_args, [json!("hi")]);
    assert_eq!(from, relay_keys.peer_id());

    // A particle whose signature does not match its script never reaches the service.
    let mut forged = to_chat("chat-2", "signed");
    forged.script = to_chat("chat-2", "forged").script;
    for particle in [forged, to_chat("chat-3", "after")] {
        relay
            .send(client.peer_id(), Arc::new(particle))
            .await
            .unwrap();
    }
    let (_, call_args, _) = timeout(WAIT, rx.recv()).await.unwrap().unwrap();
    assert_eq!(call_args, [json!("after")]);
}

#[tokio::test]
async fn a_particle_sent_while_the_relay_is_down_arrives_after_it_restarts() {
    let relay_keys = KeyPair::generate();
    let (relay, inbox, addr) = fake_relay(&relay_keys, "/ip4/127.0.0.1/tcp/0").await;
    let client = client_of(&addr, WAIT).await;
    let listen = addr.to_string();
    let listen = listen.split("/p2p/").next().unwrap().to_owned();
    relay.shutdown().await.unwrap();
    drop(inbox);

    let script = r#"
      (seq (call %init_peer_id% ("getDataSrv" "-relay-") [] relay)
           (call relay ("op" "noop") []))"#;
    let id = client.send(script, BTreeMap::new()).await.unwrap();
    let (_relay, mut inbox, _) = fake_relay(&relay_keys, &listen).await;
    let inbound = timeout(WAIT, inbox.recv()).await.unwrap().unwrap();
    assert_eq!(inbound.particle.id, id);
    assert_eq!(inbound.from, client.peer_id());
}

#[tokio::test]
async fn answered_flows_free_their_place_for_new_ones() {
    let (_relay, _inbox, addr) = fake_relay(&KeyPair::generate(), "/ip4/127.0.0.1/tcp/0").await;
    let mut config = ClientConfig::new(KeyPair::generate(), addr).with_timeout(WAIT);
    config.max_particles = 4;
    let client = Client::connect(config).await.unwrap();
    let script = r#"(call %init_peer_id% ("callbackSrv" "response") [1])"#;
    // Far more flows than the client tracks at once, within one TTL: each answered flow
    // stops counting, so none is refused as busy.
    for _ in 0..40 {
        let result = client.execute(script, BTreeMap::new()).await.unwrap();
        assert_eq!(result, [json!(1)]);
    }
}
