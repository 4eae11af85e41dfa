//! The test components, built (or taken from the cache) by `scripts/guests.sh`.

use std::{
    collections::HashMap,
    path::PathBuf,
    process::Command,
    sync::{Mutex, OnceLock, PoisonError},
};

use crate::KitError;

/// The bytes of guest `name` (`greeter-rust`, `probe`, ...), building it on first use.
pub fn guest(name: &str) -> Result<Vec<u8>, KitError> {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let path = {
        let mut built = BUILT
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match built.get(name) {
            Some(path) => path.clone(),
            None => {
                let path = build(name)?;
                built.insert(name.to_owned(), path.clone());
                path
            }
        }
    };
    std::fs::read(&path).map_err(|e| KitError::io(format!("cannot read {}", path.display()), e))
}

fn build(name: &str) -> Result<PathBuf, KitError> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/guests.sh");
    let run = |args: &[&str]| {
        Command::new("bash")
            .arg(&script)
            .args(args)
            .output()
            .map_err(|e| KitError::io(format!("cannot run {}", script.display()), e))
    };
    let built = run(&[name])?;
    if !built.status.success() {
        return Err(KitError::Setup(format!(
            "scripts/guests.sh {name} failed: {}",
            String::from_utf8_lossy(&built.stderr)
        )));
    }
    let dir = run(&["--dir"])?;
    let dir = String::from_utf8_lossy(&dir.stdout).trim().to_owned();
    Ok(PathBuf::from(dir).join(format!("{name}.wasm")))
}
