//! Per-service HTTP grants: `srv.create(blueprint_id, {"http": [...]})` within the operator's
//! `host.http_allow`. The pipeline example's `fetch` against servers on 127.0.0.1 shows what
//! a service reaches; each server counts the connections it took, so a denied fetch is known
//! not to have left the node.

use std::future::Future;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use super::support::config as config_without_http;
use super::support::{Client, TestNode, config, guest, start};

/// A flow that hangs (a call that never answers, a node that never sends the particle
/// back) fails the test instead of stalling it.
const WAIT: Duration = Duration::from_secs(60);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, future)
        .await
        .unwrap_or_else(|_| panic!("{what} took more than {WAIT:?}"))
}

/// A server on 127.0.0.1 answering every GET with `hello`; counts connections.
struct Server {
    addr: String,
    hits: Arc<AtomicUsize>,
}

impl Server {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        // Runs until the test process ends; every read is bounded so a stuck client cannot
        // stall it.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(&mut stream);
                let mut line = String::new();
                while matches!(reader.read_line(&mut line), Ok(n) if n > 0) && line != "\r\n" {
                    line.clear();
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello",
                );
            }
        });
        Self { addr, hits }
    }

    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// Adds the pipeline component and creates a service of it aliased `ALIAS` with `HTTP` as the
/// `http` option (an array of hosts), or no options when the script says so.
const DEPLOY: &str = r#"
(xor
  (seq
    (seq
      (call "NODE" ("dist" "add_module") ["B64"] hash)
      (seq (call "NODE" ("op" "array") [HOSTS] hosts)
           (call "NODE" ("json" "obj") ["http" hosts] options)))
    (seq
      (call "NODE" ("srv" "create") [hash OPTIONS] id)
      (seq
        (call "NODE" ("srv" "add_alias") ["ALIAS" id])
        (call %init_peer_id% ("res" "ok") [id]))))
  (call %init_peer_id% ("res" "err") [:error:]))"#;

/// Creates a pipeline service aliased `alias`; `hosts` is its grant, `None` for the
/// one-argument `srv.create`. The service id, or the create error's message.
async fn deploy(
    node: &mut TestNode,
    owner: &mut Client,
    alias: &str,
    hosts: Option<&[&str]>,
) -> Result<String, String> {
    let (quoted, options) = match hosts {
        Some(hosts) => (
            hosts.iter().map(|h| format!("\"{h}\"")).collect::<Vec<_>>(),
            "options",
        ),
        None => (Vec::new(), ""),
    };
    let script = DEPLOY
        .replace("ALIAS", alias)
        .replace("HOSTS", &quoted.join(" "))
        .replace("OPTIONS", options);
    let wasm = guest("pipeline");
    let calls = within("deploy", owner.run_with_module(node, &script, &wasm)).await;
    if let Some(err) = calls.get("res.err") {
        return Err(err[0]["message"].as_str().unwrap_or_default().to_owned());
    }
    Ok(calls["res.ok"][0].as_str().expect("service id").to_owned())
}

/// What `service.fetch(url)` returned: `{"ok": body}` or `{"err": why}`.
async fn fetch(node: &mut TestNode, client: &mut Client, service: &str, url: &str) -> Value {
    let script = format!(
        r#"(seq (call "NODE" ("{service}" "fetch") ["{url}"] r)
                (call %init_peer_id% ("res" "ok") [r]))"#
    );
    let calls = within("fetch", client.run(node, &script)).await;
    calls["res.ok"][0].clone()
}

async fn info(node: &mut TestNode, client: &mut Client, service: &str) -> Value {
    let script = format!(
        r#"(seq (call "NODE" ("srv" "info") ["{service}"] info)
                (call %init_peer_id% ("res" "ok") [info]))"#
    );
    let calls = within("srv.info", client.run(node, &script)).await;
    calls["res.ok"][0].clone()
}

fn denied(result: &Value, why: &str) {
    let message = result["err"]
        .as_str()
        .unwrap_or_else(|| panic!("not denied: {result}"));
    assert!(message.contains(why), "{message}");
}

#[tokio::test]
async fn a_service_reaches_only_the_hosts_of_its_own_grant() {
    let (mine, other) = (Server::start(), Server::start());
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.host.http_allow = vec![mine.addr.clone(), other.addr.clone()];
    let mut node = within("start", start(&config)).await;
    let mut owner = Client::new(1);

    let granted = deploy(&mut node, &mut owner, "granted", Some(&[&mine.addr]))
        .await
        .expect("created with a grant");
    deploy(&mut node, &mut owner, "bare", None)
        .await
        .expect("created without options");

    // No grant: nothing, even though the operator allows both hosts.
    let result = fetch(&mut node, &mut owner, "bare", &mine.url()).await;
    denied(&result, "http is not granted to this service");
    assert_eq!(mine.hits(), 0, "the ungranted fetch reached the server");

    let result = fetch(&mut node, &mut owner, "granted", &mine.url()).await;
    assert_eq!(result, json!({"ok": "hello"}));
    assert_eq!(mine.hits(), 1);
    let result = fetch(&mut node, &mut owner, "granted", &other.url()).await;
    denied(&result, "not on this service's HTTP allow-list");
    assert_eq!(other.hits(), 0, "the fetch to another host reached it");

    assert_eq!(
        info(&mut node, &mut owner, "granted").await["http"],
        json!([mine.addr])
    );
    assert_eq!(info(&mut node, &mut owner, "bare").await["http"], json!([]));

    // The grant is stored with the service and comes back after a restart.
    within("shutdown", node.core.shutdown()).await.unwrap();
    let mut node = within("restart", start(&config)).await;
    let after = info(&mut node, &mut owner, "granted").await;
    assert_eq!(after["id"], json!(granted));
    assert_eq!(after["http"], json!([mine.addr]));
    let result = fetch(&mut node, &mut owner, "granted", &mine.url()).await;
    assert_eq!(result, json!({"ok": "hello"}));
    assert_eq!(mine.hits(), 2);
    let result = fetch(&mut node, &mut owner, "bare", &mine.url()).await;
    denied(&result, "http is not granted to this service");
    let result = fetch(&mut node, &mut owner, "granted", &other.url()).await;
    denied(&result, "not on this service's HTTP allow-list");
    assert_eq!((mine.hits(), other.hits()), (2, 0));
    within("shutdown", node.core.shutdown()).await.unwrap();
}

#[tokio::test]
async fn a_grant_outside_the_operators_list_is_refused_at_create() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.host.http_allow = vec![server.addr.clone()];
    let mut node = within("start", start(&config)).await;
    let mut owner = Client::new(1);

    let err = deploy(
        &mut node,
        &mut owner,
        "greedy",
        Some(&[&server.addr, "127.0.0.1:1"]),
    )
    .await
    .expect_err("a host outside the operator's list");
    assert!(
        err.contains("does not allow HTTP to 127.0.0.1:1") && err.contains(&server.addr),
        "{err}"
    );
    let err = deploy(&mut node, &mut owner, "sloppy", Some(&["http://x.org/"]))
        .await
        .expect_err("a url is not a host");
    assert!(err.contains("without a scheme or path"), "{err}");

    // Nothing was created: the list is empty, the alias names nothing.
    let script = r#"(seq (call "NODE" ("srv" "list") [] list)
                         (call %init_peer_id% ("res" "ok") [list]))"#;
    let calls = within("srv.list", owner.run(&mut node, script)).await;
    assert_eq!(calls["res.ok"][0], json!([]));
    within("shutdown", node.core.shutdown()).await.unwrap();

    // A node whose operator allows no host refuses every grant.
    let dir = tempfile::tempdir().unwrap();
    let mut node = within("start", start(&config_without_http(dir.path()))).await;
    let err = deploy(&mut node, &mut owner, "any", Some(&[&server.addr]))
        .await
        .expect_err("the operator allows nothing");
    assert!(err.contains("allows no HTTP host"), "{err}");
    assert_eq!(server.hits(), 0);
    within("shutdown", node.core.shutdown()).await.unwrap();
}
