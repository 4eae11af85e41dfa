//! The JSON files the tool keeps between commands (`network.json`, `.weft/deployment.json`):
//! read when present, written whole through a temporary file so a crash never leaves half a
//! file behind.

use std::path::Path;

use anyhow::Context as _;
use serde::{Serialize, de::DeserializeOwned};

/// The file's value, or `None` when there is no file.
pub fn read<T: DeserializeOwned>(path: &Path, damaged_hint: &str) -> anyhow::Result<Option<T>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .with_context(|| format!("{} is damaged: {damaged_hint}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

pub fn write<T: Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let partial = path.with_extension("json.part");
    std::fs::write(&partial, serde_json::to_vec_pretty(value)?)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_written_read_and_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/state.json");
        assert_eq!(read::<Vec<u32>>(&path, "hint").unwrap(), None);
        write(&path, &vec![1u32, 2]).unwrap();
        assert_eq!(read::<Vec<u32>>(&path, "hint").unwrap(), Some(vec![1, 2]));
        assert!(!path.with_extension("json.part").exists());
        std::fs::write(&path, "{").unwrap();
        let err = format!("{:#}", read::<Vec<u32>>(&path, "run X").unwrap_err());
        assert!(err.contains("is damaged: run X"), "{err}");
    }
}
