//! Hosted services through `dist` and `srv`: deploy, call by alias, permissions, and
//! persistence across a restart on the same data directory.

use serde_json::{Value, json};

use super::support::{Client, TestNode, config, guest, start};

const DEPLOY: &str = r#"
(xor
  (seq
    (call "NODE" ("dist" "add_module") ["B64"] hash)
    (seq
      (call "NODE" ("srv" "create") [hash] id)
      (seq
        (call "NODE" ("srv" "add_alias") ["ALIAS" id])
        (call %init_peer_id% ("res" "ok") [hash id]))))
  (call %init_peer_id% ("res" "err") [:error:]))"#;

/// Deploys `wasm` as a service aliased `alias`, owned by `client`; returns its id.
async fn deploy(node: &mut TestNode, client: &mut Client, wasm: &[u8], alias: &str) -> String {
    let calls = client
        .run_with_module(node, &DEPLOY.replace("ALIAS", alias), wasm)
        .await;
    let args = &calls["res.ok"];
    assert_eq!(
        args[0].as_str().map(str::len),
        Some(64),
        "a blake3 hash in hex: {args:?}"
    );
    args[1].as_str().expect("service id").to_owned()
}

#[tokio::test]
async fn a_deployed_component_is_called_by_alias_and_described() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = start(&config(dir.path())).await;
    let mut owner = Client::new(1);
    let id = deploy(&mut node, &mut owner, &guest("greeter-rust"), "greeter").await;
    let calls = owner
        .run(
            &mut node,
            r#"(seq
                 (seq (call "NODE" ("greeter" "hello") ["ann"] by_alias)
                      (call "NODE" ("srv" "resolve_alias") ["greeter"] resolved))
                 (seq (seq (call "NODE" ("srv" "info") ["greeter"] info)
                           (call "NODE" ("srv" "get_interface") ["greeter"] iface))
                      (seq (call "NODE" ("srv" "resolve_alias_opt") ["nobody"] none)
                           (call %init_peer_id% ("res" "ok") [by_alias resolved info iface none]))))"#,
        )
        .await;
    let args = &calls["res.ok"];
    assert_eq!(args[0], json!("Hello, ann!"));
    assert_eq!(args[1], json!(id));
    assert_eq!(args[2]["owner_id"], json!(owner.peer.to_string()));
    assert_eq!(args[2]["aliases"], json!(["greeter"]));
    assert_eq!(args[2]["worker_id"], json!(node.peer.to_string()));
    let names: Vec<&str> = args[3]["function_signatures"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert!(
        names.contains(&"greet#hello") && names.contains(&"make-point"),
        "{names:?}"
    );
    assert_eq!(args[4], json!([]));
    node.core.shutdown().await.unwrap();
}

const TAMPER: &str = r#"
(seq
  (seq
    (xor (call "NODE" ("srv" "remove") ["greeter"]) (ap :error: remove))
    (xor (call "NODE" ("srv" "add_alias") ["mine" "VICTIM"]) (ap :error: alias_theirs)))
  (seq
    (xor (call "NODE" ("srv" "add_alias") ["greeter" "OWN"]) (ap :error: steal))
    (seq
      (call "NODE" ("srv" "resolve_alias") ["greeter"] still)
      (call %init_peer_id% ("res" "ok") [remove alias_theirs steal still]))))"#;

#[tokio::test]
async fn only_the_owner_or_the_management_key_may_remove_or_realias() {
    let dir = tempfile::tempdir().unwrap();
    let admin = Client::new(9);
    let mut config = config(dir.path());
    config.management_key = Some(admin.peer.to_string());
    let mut node = start(&config).await;
    let mut owner = Client::new(1);
    let mut other = Client::new(2);
    let wasm = guest("greeter-rust");
    let victim = deploy(&mut node, &mut owner, &wasm, "greeter").await;
    let own = deploy(&mut node, &mut other, &wasm, "others").await;

    let script = TAMPER.replace("VICTIM", &victim).replace("OWN", &own);
    let calls = other.run(&mut node, &script).await;
    let args = &calls["res.ok"];
    for error in &args[..3] {
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains("only its owner"), "{error}");
    }
    assert_eq!(
        args[3],
        json!(victim),
        "the alias still names the owner's service"
    );

    // The management key may remove anyone's service; the owner may re-alias its own.
    let mut admin = admin;
    let calls = admin
        .run(
            &mut node,
            &format!(
                r#"(seq (call "NODE" ("srv" "remove") ["{victim}"])
                        (seq (call "NODE" ("srv" "list") [] list)
                             (call %init_peer_id% ("res" "ok") [list])))"#
            ),
        )
        .await;
    let ids: Vec<&Value> = calls["res.ok"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["id"])
        .collect();
    assert_eq!(ids, [&json!(own)]);
    node.core.shutdown().await.unwrap();
}

#[tokio::test]
async fn services_aliases_and_state_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    // The probe imports every capability; this node lets services be granted one host.
    config.host.http_allow = vec!["example.invalid".into()];
    let mut node = start(&config).await;
    let mut owner = Client::new(1);
    let id = deploy(&mut node, &mut owner, &guest("probe"), "store").await;
    let calls = owner
        .run(
            &mut node,
            r#"(seq (call "NODE" ("store" "kv-set") ["k" "v"] r)
                    (call %init_peer_id% ("res" "ok") [r]))"#,
        )
        .await;
    assert_eq!(calls["res.ok"], [json!({"ok": null})]);
    let peer = node.peer;
    node.core.shutdown().await.unwrap();

    let mut node = start(&config).await;
    assert_eq!(node.peer, peer, "the identity is kept");
    let calls = owner
        .run(
            &mut node,
            r#"(seq (call "NODE" ("store" "kv-get") ["k"] v)
                    (seq (call "NODE" ("srv" "info") ["store"] info)
                         (call %init_peer_id% ("res" "ok") [v info])))"#,
        )
        .await;
    let args = &calls["res.ok"];
    assert_eq!(args[0], json!({"ok": "v"}));
    assert_eq!(args[1]["id"], json!(id));
    assert_eq!(args[1]["owner_id"], json!(owner.peer.to_string()));
    assert!(node.core.metrics_text().contains("weft_services 1"));
    node.core.shutdown().await.unwrap();
}

#[tokio::test]
async fn bad_modules_and_unknown_blueprints_are_call_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = start(&config(dir.path())).await;
    let mut client = Client::new(1);
    let calls = client
        .run(
            &mut node,
            r#"(seq
                 (seq (xor (call "NODE" ("dist" "add_module") ["bm90IHdhc20="]) (ap :error: bad))
                      (xor (call "NODE" ("srv" "create") ["00"]) (ap :error: unknown)))
                 (seq (xor (call "NODE" ("dist" "add_module") ["***"]) (ap :error: not_b64))
                      (call %init_peer_id% ("res" "ok") [bad unknown not_b64])))"#,
        )
        .await;
    let args = &calls["res.ok"];
    let message = |i: usize| args[i]["message"].as_str().unwrap_or_default().to_owned();
    assert!(
        message(0).contains("not a valid WebAssembly component"),
        "{}",
        args[0]
    );
    assert!(
        message(1).contains("no module or blueprint 00"),
        "{}",
        args[1]
    );
    assert!(message(2).contains("not base64"), "{}", args[2]);
    node.core.shutdown().await.unwrap();
}
