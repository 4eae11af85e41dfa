//! The pipeline on a fake network: flows run, builtins answer, errors reach `xor`, bad
//! particles are dropped and counted.

use serde_json::json;

use super::support::{Client, config, now_ms, start};
use weft_core::Particle;

#[tokio::test]
async fn a_flow_runs_pure_and_stateful_builtins_and_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = start(&config(dir.path())).await;
    let mut client = Client::new(1);
    let before = now_ms();
    let calls = client
        .run(
            &mut node,
            r#"(seq
                 (seq
                   (call "NODE" ("op" "concat_strings") ["a" "b"] x)
                   (call "NODE" ("peer" "timestamp_ms") [] t))
                 (seq
                   (call "NODE" ("peer" "identify") [] info)
                   (call %init_peer_id% ("res" "ok") [x t info.$.external_addresses])))"#,
        )
        .await;
    let args = &calls["res.ok"];
    assert_eq!(args[0], json!("ab"));
    let t = args[1].as_u64().unwrap();
    assert!(t >= before && t <= now_ms(), "{t}");
    assert_eq!(args[2], json!(["/memory/1"]));
    node.core.shutdown().await.unwrap();
}

#[tokio::test]
async fn failed_calls_take_the_error_path_to_xor() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = start(&config(dir.path())).await;
    let mut client = Client::new(1);
    let calls = client
        .run(
            &mut node,
            r#"(seq
                 (xor (call "NODE" ("no-such-service" "f") [] x)
                      (ap :error: e1))
                 (seq
                   (xor (call "NODE" ("math" "div") [1 0] y)
                        (ap :error: e2))
                   (call %init_peer_id% ("res" "err") [e1 e2])))"#,
        )
        .await;
    let args = &calls["res.err"];
    let (e1, e2) = (args[0].to_string(), args[1].to_string());
    assert!(
        e1.contains("no service") && e1.contains("no-such-service"),
        "{e1}"
    );
    assert!(e2.contains("zero"), "{e2}");
    node.core.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn calls_of_one_particle_run_concurrently() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = start(&config(dir.path())).await;
    let mut client = Client::new(1);
    let started = tokio::time::Instant::now();
    let calls = client
        .run(
            &mut node,
            r#"(seq
                 (par (call "NODE" ("peer" "timeout") [1000 "a"] a)
                      (call "NODE" ("peer" "timeout") [1000 "b"] b))
                 (call %init_peer_id% ("res" "ok") [a b]))"#,
        )
        .await;
    assert_eq!(calls["res.ok"], [json!("a"), json!("b")]);
    // Two one-second timers in parallel take one second, not two.
    let elapsed = started.elapsed().as_millis();
    assert!((1000..2000).contains(&elapsed), "{elapsed} ms");
    node.core.shutdown().await.unwrap();
}

#[tokio::test]
async fn expired_forged_and_replayed_particles_are_dropped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = start(&config(dir.path())).await;
    let mut client = Client::new(1);
    let script = r#"(call %init_peer_id% ("res" "ok") ["done"])"#;
    let back_to_client =
        r#"(seq (call "NODE" ("op" "noop") []) (call %init_peer_id% ("res" "ok") ["done"]))"#;

    let mut expired = client.particle(node.peer, script);
    expired = Particle::new(
        &client.keys,
        expired.id,
        now_ms() - 10_000,
        1_000,
        expired.script,
    );
    let mut forged = client.particle(node.peer, back_to_client);
    forged.script = forged.script.replace("done", "forged");
    let good = client.particle(node.peer, back_to_client);
    let too_long = Particle::new(
        &client.keys,
        "long".into(),
        now_ms(),
        3_600_000,
        script.into(),
    );
    for particle in [expired, forged, good.clone(), good, too_long] {
        assert!(node.core.deliver(client.peer, particle).await);
    }
    // The good particle comes back (the forged one would say "forged")...
    let first = client.receive(&mut node).await;
    assert_eq!(first["res.ok"], [json!("done")]);
    // ...then one delivered after all of them: the dispatcher has judged all before it.
    let calls = client.run(&mut node, back_to_client).await;
    assert_eq!(calls["res.ok"], [json!("done")]);
    // Nothing else came back: the replay did not run the flow again.
    assert!(
        node.outbox.try_recv().is_err(),
        "a dropped particle came back"
    );
    let text = node.core.metrics_text();
    for reason in ["expired", "bad_signature", "replayed", "ttl_too_long"] {
        let line = format!("weft_particles_dropped_total{{reason=\"{reason}\"}} 1");
        assert!(text.contains(&line), "no {line:?} in\n{text}");
    }
    assert!(text.contains("weft_particles_received_total 6"), "{text}");
    node.core.shutdown().await.unwrap();
}

#[tokio::test]
async fn undecodable_data_and_scripts_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = start(&config(dir.path())).await;
    let mut client = Client::new(1);
    let bad_script = client.particle(node.peer, "(seq (null)");
    assert!(node.core.deliver(client.peer, bad_script).await);
    // Bad data, then the same particle with good (empty) data: one actor handles both in
    // order, so the drop is counted by the time the flow comes back.
    let good = client.particle(
        node.peer,
        r#"(seq (call "NODE" ("op" "noop") []) (call %init_peer_id% ("res" "ok") []))"#,
    );
    let mut bad_data = good.clone();
    bad_data.data = vec![0xff; 10];
    assert!(node.core.deliver(client.peer, bad_data).await);
    assert!(node.core.deliver(client.peer, good).await);
    let calls = client.receive(&mut node).await;
    assert!(calls.contains_key("res.ok"));
    let text = node.core.metrics_text();
    assert!(text.contains("reason=\"bad_data\"} 1"), "{text}");
    // The bad script's actor was spawned first and ends on its first poll; the
    // current-thread test runtime runs tasks in spawn order.
    assert!(text.contains("reason=\"bad_script\"} 1"), "{text}");
    // The bad delivery's actor asked to end (it held nothing then) but the good delivery
    // was already queued for it: it stays, holding the flow's state until the deadline.
    assert!(text.contains("weft_particles_in_flight 1"), "{text}");
    node.core.shutdown().await.unwrap();
}
