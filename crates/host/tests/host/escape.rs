//! No ambient authority: files, environment, sockets and unlisted HTTP hosts are out of reach.

use std::io::Read;
use std::net::TcpListener;

use serde_json::json;
use weft_host::Host;

use super::support::{call, config, probe, tempdir::Dir};

#[test]
fn host_files_are_invisible() {
    let dir = Dir::new();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "top secret").expect("write");
    let host = Host::new(config(&dir)).expect("host");
    let probe = probe(&host, "files", "127.0.0.1:9");
    for path in [
        secret.to_string_lossy().as_ref(),
        "/etc/passwd",
        "secret.txt",
        ".",
    ] {
        let read = call(&probe, "read-file", json!([path])).expect("call");
        assert!(read.get("err").is_some(), "read {path}: {read}");
        let listed = call(&probe, "list-dir", json!([path])).expect("call");
        assert!(listed.get("err").is_some(), "list {path}: {listed}");
    }
}

#[test]
fn environment_is_empty() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let probe = probe(&host, "env", "127.0.0.1:9");
    // The host process has variables the guest could leak.
    assert!(std::env::var("PATH").is_ok());
    assert_eq!(
        call(&probe, "env-var", json!(["PATH"])).expect("call"),
        json!(null)
    );
    assert_eq!(
        call(&probe, "env-count", json!([])).expect("call"),
        json!(0)
    );
}

#[test]
fn sockets_are_denied() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr").to_string();
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let probe = probe(&host, "sockets", "127.0.0.1:9");
    let result = call(&probe, "connect", json!([addr])).expect("call");
    let message = result["err"]
        .as_str()
        .unwrap_or_else(|| panic!("connected: {result}"));
    assert!(
        !message.contains("unsupported"),
        "the guest never tried: {message}"
    );
    assert!(listener.accept().is_err(), "a connection reached the host");
}

#[test]
fn http_only_to_listed_hosts() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    // Listed: a different port on the same address, and a different host name.
    let probe = probe(&host, "http-deny", "127.0.0.1:1");
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
        format!("http://[::1]:{port}/"),
    ] {
        let result = call(&probe, "http-get", json!([url])).expect("call");
        let message = result["err"]
            .as_str()
            .unwrap_or_else(|| panic!("{url}: {result}"));
        assert!(
            message.contains("not on this service's HTTP allow-list"),
            "{message}"
        );
    }
    let mut buf = [0u8; 1];
    if let Ok((mut stream, _)) = listener.accept() {
        let n = stream.read(&mut buf).unwrap_or(0);
        panic!("a request reached the server ({n} bytes)");
    }
}
