//! kv, log, http and context, as a guest sees them.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use serde_json::json;
use weft_host::{CallContext, Error, Host, KvLimits, LogLevel, Origin, ServiceConfig};

use super::support::{call, config, guest, probe, tempdir::Dir};

#[test]
fn kv_survives_closing_and_reopening_the_store() {
    let dir = Dir::new();
    {
        let host = Host::new(config(&dir)).expect("host");
        let probe = probe(&host, "keeper", "127.0.0.1:9");
        assert_eq!(
            call(&probe, "kv-set", json!(["user/1", "ann"])).expect("set"),
            json!({"ok": null})
        );
        assert_eq!(
            call(&probe, "kv-set", json!(["user/2", "bob"])).expect("set"),
            json!({"ok": null})
        );
        assert_eq!(
            call(&probe, "kv-set", json!(["other", "x"])).expect("set"),
            json!({"ok": null})
        );
        assert_eq!(
            call(&probe, "kv-delete", json!(["other"])).expect("delete"),
            json!({"ok": true})
        );
        assert_eq!(
            call(&probe, "kv-delete", json!(["other"])).expect("delete"),
            json!({"ok": false})
        );
    }
    let host = Host::new(config(&dir)).expect("host reopened");
    let probe = probe(&host, "keeper", "127.0.0.1:9");
    assert_eq!(
        call(&probe, "kv-get", json!(["user/1"])).expect("get"),
        json!({"ok": "ann"})
    );
    assert_eq!(
        call(&probe, "kv-get", json!(["other"])).expect("get"),
        json!({"ok": null})
    );
    assert_eq!(
        call(&probe, "kv-list", json!(["user/"])).expect("list"),
        json!({"ok": ["user/1", "user/2"]})
    );
    // Another service sees none of it.
    let stranger = super::support::probe(&host, "stranger", "127.0.0.1:9");
    assert_eq!(
        call(&stranger, "kv-get", json!(["user/1"])).expect("get"),
        json!({"ok": null})
    );
    assert_eq!(
        call(&stranger, "kv-list", json!([""])).expect("list"),
        json!({"ok": []})
    );
}

#[test]
fn kv_limits_are_enforced() {
    let dir = Dir::new();
    let mut config = config(&dir);
    config.kv_limits = KvLimits {
        max_key_bytes: 8,
        max_value_bytes: 16,
        max_service_bytes: 40,
        max_listed_keys: 2,
    };
    let host = Host::new(config).expect("host");
    let probe = probe(&host, "small", "127.0.0.1:9");
    let err = |r: serde_json::Value| {
        r["err"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| panic!("accepted: {r}"))
    };
    assert!(
        err(call(&probe, "kv-set", json!(["123456789", "v"])).expect("call"))
            .contains("key is 9 bytes")
    );
    assert!(
        err(call(&probe, "kv-set", json!(["k", "x".repeat(17)])).expect("call"))
            .contains("value is 17 bytes")
    );
    for key in ["a", "b"] {
        assert_eq!(
            call(&probe, "kv-set", json!([key, "x".repeat(16)])).expect("set"),
            json!({"ok": null})
        );
    }
    // 34 bytes used; 2 + 16 more would pass 40.
    assert!(
        err(call(&probe, "kv-set", json!(["c", "x".repeat(16)])).expect("call")).contains("quota")
    );
    // Overwriting counts the old value as freed.
    assert_eq!(
        call(&probe, "kv-set", json!(["a", "y".repeat(16)])).expect("set"),
        json!({"ok": null})
    );
    assert_eq!(
        call(&probe, "kv-set", json!(["c", "z"])).expect("set"),
        json!({"ok": null})
    );
    assert!(err(call(&probe, "kv-list", json!([""])).expect("call")).contains("more than 2 keys"));
}

#[test]
fn log_goes_to_a_bounded_buffer() {
    let dir = Dir::new();
    let mut config = config(&dir);
    config.log_capacity = 3;
    let host = Host::new(config).expect("host");
    let probe = probe(&host, "talker", "127.0.0.1:9");
    for i in 0..5 {
        call(&probe, "log", json!([format!("message {i}")])).expect("log");
    }
    call(&probe, "log", json!(["x".repeat(10_000)])).expect("log");
    let logs = probe.logs();
    assert_eq!(logs.len(), 3);
    assert_eq!(logs.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 4, 5]);
    assert_eq!(logs[0].message, "message 3");
    assert_eq!(logs[0].level, LogLevel::Warn);
    assert!(logs[2].message.len() < 4100, "long messages are cut");
}

/// Serves one HTTP request on 127.0.0.1 and returns the port.
fn one_shot_server() -> (u16, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).expect("read") == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello")
            .expect("write");
        head
    });
    (port, handle)
}

#[test]
fn http_to_a_listed_host() {
    let (port, server) = one_shot_server();
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let probe = probe(&host, "fetcher", &format!("127.0.0.1:{port}"));
    let result = call(
        &probe,
        "http-get",
        json!([format!("http://127.0.0.1:{port}/path?q=1")]),
    )
    .expect("call");
    assert_eq!(result, json!({"ok": [200, "hello"]}));
    let head = server.join().expect("server").to_ascii_lowercase();
    assert!(head.starts_with("get /path?q=1 http/1.1"), "{head}");
    assert!(head.contains("x-probe: 1"), "{head}");
}

#[test]
fn context_tells_who_is_calling() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let probe = probe(&host, "auditor", "127.0.0.1:9");
    let ctx = CallContext {
        particle_id: "p-1".into(),
        init_peer: "12D3Init".into(),
        caller: "12D3Caller".into(),
        service_id: String::new(),
        arguments: vec![
            None,
            Some(Origin {
                peer: "12D3Other".into(),
                service: "oracle".into(),
                function: "price".into(),
                lens: ".usd".into(),
            }),
        ],
    };
    let got = probe.call("whoami", &json!([]), ctx).expect("call");
    assert_eq!(
        got,
        json!({
            "particle-id": "p-1",
            "init-peer": "12D3Init",
            "caller": "12D3Caller",
            "service-id": "auditor",
            "arguments": [null, {"peer": "12D3Other", "service": "oracle", "function": "price", "lens": ".usd"}],
        })
    );
}

#[test]
fn kv_not_granted_is_not_linked_and_http_not_granted_is_denied() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let id = host.load(&guest("probe")).expect("load");
    // The probe imports kv: without it the probe cannot be instantiated.
    let err = host
        .service(&id, ServiceConfig::new("bare"))
        .expect_err("not granted");
    assert!(matches!(err, Error::Instantiate(_)), "{err}");
    assert!(
        err.to_string()
            .contains("imports weft:host/kv@0.1.0 but was not granted kv"),
        "{err}"
    );
    // `http` is linked for every service; without a host on its list each request is denied.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let no_http = host
        .service(&id, ServiceConfig::new("no-http").with_kv())
        .expect("created without http");
    let result = call(
        &no_http,
        "http-get",
        json!([format!("http://127.0.0.1:{port}/")]),
    )
    .expect("call");
    let message = result["err"].as_str().unwrap_or_else(|| panic!("{result}"));
    assert!(message.contains("http is not granted"), "{message}");
    assert!(
        listener.accept().is_err(),
        "a connection reached the server"
    );
    // A service that imports nothing of ours needs nothing.
    let greeter = host.load(&guest("greeter-rust")).expect("load");
    assert!(host.service(&greeter, ServiceConfig::new("bare")).is_ok());
}
