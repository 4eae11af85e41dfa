//! Loading: validation, limits, the compiled-artifact cache, and use from many threads.

use serde_json::json;
use weft_host::{Error, Host, HostConfig, Service, ServiceConfig};

use super::support::{call, config, guest, tempdir::Dir};

#[test]
fn host_and_services_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Host>();
    assert_send_sync::<Service>();
}

#[test]
fn bad_input_is_rejected_cleanly() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    assert!(matches!(
        host.load(b"not wasm"),
        Err(Error::InvalidComponent(_))
    ));
    // A core module is not a component.
    assert!(matches!(
        host.load(b"\0asm\x01\0\0\0"),
        Err(Error::InvalidComponent(_))
    ));
    let other = Dir::new();
    let mut small = config(&other);
    small.limits.max_component_bytes = 1000;
    let small = Host::new(small).expect("host");
    let err = small.load(&guest("greeter-rust")).expect_err("too large");
    assert!(
        matches!(err, Error::ComponentTooLarge { limit: 1000, .. }),
        "{err}"
    );
}

#[test]
fn hosts_sharing_a_cache_compile_the_same_component_at_once() {
    let dir = Dir::new();
    let cache = dir.path().join("compiled");
    let wasm = guest("greeter-rust");
    let hosts: Vec<Host> = (0..8)
        .map(|_| Host::new(HostConfig::default().with_cache_dir(&cache)).expect("host"))
        .collect();
    let start = std::sync::Barrier::new(hosts.len());
    std::thread::scope(|s| {
        let loads: Vec<_> = hosts
            .iter()
            .map(|host| {
                s.spawn(|| {
                    start.wait();
                    host.load(&wasm)
                })
            })
            .collect();
        for load in loads {
            load.join()
                .expect("thread")
                .expect("every concurrent load succeeds");
        }
    });
    // Exactly the artifact is left: no temporary file survives.
    let files: Vec<_> = std::fs::read_dir(&cache).expect("cache dir").collect();
    assert_eq!(files.len(), 1, "{files:?}");
}

#[test]
fn compiled_components_are_cached_on_disk() {
    let dir = Dir::new();
    let cache = dir.path().join("compiled");
    let wasm = guest("greeter-rust");
    let id = {
        let host = Host::new(HostConfig::default().with_cache_dir(&cache)).expect("host");
        host.load(&wasm).expect("load")
    };
    let files: Vec<_> = std::fs::read_dir(&cache).expect("cache dir").collect();
    assert_eq!(files.len(), 1);
    let path = files[0].as_ref().expect("entry").path();
    assert!(
        path.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(&id.to_string()))
    );
    let modified = std::fs::metadata(&path)
        .expect("meta")
        .modified()
        .expect("mtime");

    // A new host (a restart) uses the artifact instead of compiling again.
    let host = Host::new(HostConfig::default().with_cache_dir(&cache)).expect("host");
    assert_eq!(host.load(&wasm).expect("load"), id);
    assert_eq!(
        std::fs::metadata(&path)
            .expect("meta")
            .modified()
            .expect("mtime"),
        modified
    );
    let service = host.service(&id, ServiceConfig::new("g")).expect("service");
    assert_eq!(
        call(&service, "make-point", json!([1, 2])).expect("call"),
        json!({"x": 1, "y": 2})
    );

    // A damaged artifact is recompiled rather than trusted.
    let mut bytes = std::fs::read(&path).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, &bytes).expect("corrupt");
    let host = Host::new(HostConfig::default().with_cache_dir(&cache)).expect("host");
    let id = host.load(&wasm).expect("load after corruption");
    let service = host.service(&id, ServiceConfig::new("g")).expect("service");
    assert_eq!(
        call(&service, "make-point", json!([3, 4])).expect("call"),
        json!({"x": 3, "y": 4})
    );
}

#[test]
fn calls_from_many_threads() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let id = host.load(&guest("greeter-rust")).expect("load");
    let service = host.service(&id, ServiceConfig::new("g")).expect("service");
    std::thread::scope(|s| {
        for t in 0..4 {
            let service = &service;
            s.spawn(move || {
                for i in 0..100 {
                    let got = call(service, "make-point", json!([t, i])).expect("call");
                    assert_eq!(got, json!({"x": t, "y": i}));
                }
            });
        }
    });
}

#[test]
fn instance_slots_are_limited_and_idle_instances_leave_room() {
    let dir = Dir::new();
    let mut config = config(&dir);
    config.max_instances = 2;
    let host = Host::new(config).expect("host");
    let id = host.load(&guest("greeter-rust")).expect("load");
    // Idle instances may take at most half of the slots, so every service can still run.
    let services: Vec<Service> = (0..4)
        .map(|i| {
            host.service(&id, ServiceConfig::new(format!("s{i}")))
                .expect("service")
        })
        .collect();
    for _ in 0..2 {
        for service in &services {
            assert_eq!(
                call(service, "make-point", json!([0, 0])).expect("call"),
                json!({"x": 0, "y": 0})
            );
        }
    }
    // Three calls at once need three slots: one of them is refused, cleanly.
    let probe = super::support::probe(&host, "spinner", "127.0.0.1:9");
    let results: Vec<_> = std::thread::scope(|s| {
        let spinners: Vec<_> = (0..2)
            .map(|_| s.spawn(|| call(&probe, "spin", json!([]))))
            .collect();
        spinners
            .into_iter()
            .map(|t| t.join().expect("thread"))
            .collect()
    });
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(Error::Instantiate(_)))),
        "{results:?}"
    );
}
