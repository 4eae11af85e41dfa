//! Building guests and setting up hosts for the tests.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;
use weft_host::{CallContext, CpuLimit, Host, HostConfig, Service, ServiceConfig};

/// The component bytes of a guest, built (or taken from the cache) by scripts/guests.sh.
pub fn guest(name: &str) -> Vec<u8> {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let path = built.entry(name.to_string()).or_insert_with(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let script = root.join("scripts/guests.sh");
        let status = Command::new("bash")
            .arg(&script)
            .arg(name)
            .status()
            .expect("run guests.sh");
        assert!(status.success(), "scripts/guests.sh {name} failed");
        let out = Command::new("bash")
            .arg(&script)
            .arg("--dir")
            .output()
            .expect("run guests.sh");
        let dir = String::from_utf8(out.stdout).expect("utf-8 path");
        PathBuf::from(dir.trim()).join(format!("{name}.wasm"))
    });
    std::fs::read(path).expect("read built guest")
}

/// A host with a short CPU deadline so that runaway tests end quickly. Compiled components are
/// kept across test runs (the Python and JS ones take seconds to compile).
pub fn config(dir: &tempdir::Dir) -> HostConfig {
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("weft-host-compiled");
    let mut config = HostConfig::default()
        .with_cache_dir(cache)
        .with_kv_dir(dir.path().join("kv"))
        .with_cpu(CpuLimit::Deadline(Duration::from_millis(300)));
    config.max_instances = 20;
    config
}

/// A probe service with every capability, HTTP allowed to `allow`.
pub fn probe(host: &Host, id: &str, allow: &str) -> Service {
    let component = host.load(&guest("probe")).expect("load probe");
    host.service(
        &component,
        ServiceConfig::new(id).with_kv().allow_http(allow),
    )
    .expect("probe service")
}

pub fn call(service: &Service, function: &str, args: Value) -> Result<Value, weft_host::Error> {
    service.call(function, &args, CallContext::default())
}

/// Temporary directories without another dependency.
pub mod tempdir {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Debug)]
    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new() -> Self {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let path = std::env::temp_dir().join(format!(
                "weft-host-test-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&path).expect("create temp dir");
            Dir(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
