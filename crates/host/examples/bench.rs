//! Measures the host's speed on the greeter examples: load of a cached compiled component, a
//! call on a fresh instance, and a warm call, each including JSON conversion.
//!
//! ```text
//! scripts/guests.sh
//! cargo run --release -p weft-host --example bench -- "$(scripts/guests.sh --dir)"
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;
use weft_host::{CallContext, Host, HostConfig, ServiceConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: bench GUESTS_DIR [GUEST]")?,
    );
    let only = std::env::args().nth(2);
    let cache = std::env::temp_dir().join(format!("weft-host-bench-{}", std::process::id()));
    println!(
        "{:<16} {:>14} {:>16} {:>12}",
        "guest", "cached load", "fresh instance", "warm call"
    );
    for name in ["greeter-rust", "greeter-c", "greeter-python", "greeter-js"] {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let path = dir.join(format!("{name}.wasm"));
        if !path.exists() {
            println!("{name:<16} (not built)");
            continue;
        }
        let (load, fresh, warm) = measure(&path, &cache)?;
        println!(
            "{name:<16} {:>14} {:>16} {:>12}",
            show(load),
            show(fresh),
            show(warm)
        );
    }
    let _ = std::fs::remove_dir_all(&cache);
    Ok(())
}

fn measure(
    path: &Path,
    cache: &Path,
) -> Result<(Duration, Duration, Duration), Box<dyn std::error::Error>> {
    let wasm = std::fs::read(path)?;
    // Compile once into the cache, then time loads by fresh hosts (a node restart).
    Host::new(HostConfig::default().with_cache_dir(cache))?.load(&wasm)?;
    let mut load = Duration::MAX;
    for _ in 0..5 {
        let host = Host::new(HostConfig::default().with_cache_dir(cache))?;
        let start = Instant::now();
        host.load(&wasm)?;
        load = load.min(start.elapsed());
    }

    let args = json!([1, 2]);
    let mut config = HostConfig::default().with_cache_dir(cache);
    config.warm_instances_per_service = 0;
    let cold_host = Host::new(config)?;
    let id = cold_host.load(&wasm)?;
    let cold = cold_host.service(&id, ServiceConfig::new("bench"))?;
    let fresh = per_call(50, || {
        cold.call("make-point", &args, CallContext::default())
            .map(drop)
    })?;

    let host = Host::new(HostConfig::default().with_cache_dir(cache))?;
    let id = host.load(&wasm)?;
    let service = host.service(&id, ServiceConfig::new("bench"))?;
    service.call("make-point", &args, CallContext::default())?;
    let warm = per_call(20_000, || {
        service
            .call("make-point", &args, CallContext::default())
            .map(drop)
    })?;
    Ok((load, fresh, warm))
}

/// Best of five rounds of `n` calls, per call.
fn per_call(
    n: u32,
    mut f: impl FnMut() -> Result<(), weft_host::Error>,
) -> Result<Duration, weft_host::Error> {
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..n {
            f()?;
        }
        best = best.min(start.elapsed() / n);
    }
    Ok(best)
}

fn show(d: Duration) -> String {
    if d < Duration::from_micros(10) {
        format!("{} ns", d.as_nanos())
    } else if d < Duration::from_millis(10) {
        format!("{:.1} µs", d.as_secs_f64() * 1e6)
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    }
}
