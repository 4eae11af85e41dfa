//! Runaway guests get a specific error for that call, and the host keeps serving.

use std::time::{Duration, Instant};

use serde_json::json;
use weft_host::{CpuLimit, Error, Host};

use super::support::{call, config, probe, tempdir::Dir};

fn still_serves(service: &weft_host::Service) {
    assert_eq!(
        call(service, "ping", json!([])).expect("next call"),
        json!("pong")
    );
}

#[test]
fn infinite_loop_hits_the_deadline() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let probe = probe(&host, "spin", "127.0.0.1:9");
    let start = Instant::now();
    let err = call(&probe, "spin", json!([])).expect_err("must not finish");
    assert!(matches!(err, Error::CpuLimit { .. }), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    still_serves(&probe);
}

#[test]
fn infinite_loop_runs_out_of_fuel() {
    let dir = Dir::new();
    let host = Host::new(config(&dir).with_cpu(CpuLimit::Fuel(50_000_000))).expect("host");
    let probe = probe(&host, "fuel", "127.0.0.1:9");
    let err = call(&probe, "spin", json!([])).expect_err("must not finish");
    assert!(matches!(err, Error::CpuLimit { .. }), "{err}");
    still_serves(&probe);
}

#[test]
fn allocation_bomb_hits_the_memory_limit() {
    let dir = Dir::new();
    let host = Host::new(config(&dir).with_max_memory_bytes(64 << 20)).expect("host");
    let probe = probe(&host, "bomb", "127.0.0.1:9");
    assert_eq!(
        call(&probe, "allocate", json!([16])).expect("small allocation"),
        json!(16)
    );
    let err = call(&probe, "allocate", json!([200])).expect_err("bomb");
    assert!(
        matches!(
            err,
            Error::MemoryLimit {
                limit: 67_108_864,
                ..
            }
        ),
        "{err}"
    );
    still_serves(&probe);
}

#[test]
fn deep_recursion_overflows_the_stack() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let probe = probe(&host, "recurse", "127.0.0.1:9");
    assert!(call(&probe, "recurse", json!([100])).is_ok());
    let err = call(&probe, "recurse", json!([100_000_000u64])).expect_err("overflow");
    assert!(matches!(err, Error::StackOverflow { .. }), "{err}");
    still_serves(&probe);
}

#[test]
fn huge_result_is_refused() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let probe = probe(&host, "huge", "127.0.0.1:9");
    assert_eq!(
        call(&probe, "huge-string", json!([1]))
            .expect("1 MiB")
            .as_str()
            .map(str::len),
        Some(1 << 20)
    );
    let err = call(&probe, "huge-string", json!([40])).expect_err("40 MiB");
    assert!(matches!(err, Error::ResultTooLarge { .. }), "{err}");
    still_serves(&probe);
}

#[test]
fn a_trap_recycles_the_instance() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let probe = probe(&host, "trap", "127.0.0.1:9");
    // Warm reuse: the same instance serves consecutive calls.
    assert_eq!(call(&probe, "counter", json!([])).expect("1"), json!(1));
    assert_eq!(call(&probe, "counter", json!([])).expect("2"), json!(2));
    let err = call(&probe, "panic", json!(["boom"])).expect_err("panics");
    assert!(matches!(err, Error::Trap { .. }), "{err}");
    // A fresh instance after the trap.
    assert_eq!(call(&probe, "counter", json!([])).expect("fresh"), json!(1));
}

#[test]
fn one_runaway_service_does_not_stop_others() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let bad = probe(&host, "bad", "127.0.0.1:9");
    let good = probe(&host, "good", "127.0.0.1:9");
    std::thread::scope(|s| {
        let spinner = s.spawn(|| call(&bad, "spin", json!([])));
        for _ in 0..50 {
            still_serves(&good);
        }
        let err = spinner.join().expect("thread").expect_err("spins");
        assert!(matches!(err, Error::CpuLimit { .. }), "{err}");
    });
}
