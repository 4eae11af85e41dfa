//! Key files: one line, the base58 text of a 32-byte ed25519 secret seed
//! ([`KeyPair::to_secret_text`]), readable by the owner only. The node keeps its own key in
//! `data_dir/identity.key`, created on first start; the `weft` tool keeps a developer's key in
//! the same format through [`read_key_file`] and [`write_key_file`].

use std::io::{Read, Write};
use std::path::Path;

use weft_core::KeyPair;

use crate::NodeError;

pub(crate) const FILE_NAME: &str = "identity.key";

/// A key file is one short line; anything longer is not one, and is not read into memory.
const MAX_KEY_FILE_BYTES: u64 = 1024;

/// Reads the node's key pair from `data_dir`, or makes one and stores it there.
pub(crate) fn load_or_create(data_dir: &Path) -> Result<KeyPair, NodeError> {
    let path = data_dir.join(FILE_NAME);
    match read_key_file(&path) {
        Err(NodeError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            let keys = KeyPair::generate();
            write_key_file(&path, &keys, false)?;
            tracing::info!(peer_id = %keys.peer_id(), path = %path.display(), "created a new identity");
            Ok(keys)
        }
        other => other,
    }
}

/// Reads a key file. A missing file is [`NodeError::Io`] with `NotFound`; a file that is not
/// a key is [`NodeError::Identity`].
pub fn read_key_file(path: &Path) -> Result<KeyPair, NodeError> {
    let file = std::fs::File::open(path)
        .map_err(|source| NodeError::io("cannot read key", path, source))?;
    let mut text = String::new();
    file.take(MAX_KEY_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|source| NodeError::io("cannot read key", path, source))?;
    if text.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(NodeError::Identity {
            path: path.into(),
            message: "too large to be a key file".into(),
        });
    }
    KeyPair::from_secret_text(&text).map_err(|e| NodeError::Identity {
        path: path.into(),
        message: e.to_string(),
    })
}

/// Writes `keys` to a key file with owner-only permissions, creating its folder. An existing
/// file is an error unless `replace`: a key that is lost cannot be recovered.
pub fn write_key_file(path: &Path, keys: &KeyPair, replace: bool) -> Result<(), NodeError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|source| NodeError::io("cannot create folder", dir, source))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if replace {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let text = format!("{}\n", keys.to_secret_text());
    let written = options.open(path).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    written.map_err(|source| NodeError::io("cannot write key", path, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_reused_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        let second = load_or_create(dir.path()).unwrap();
        assert_eq!(first.peer_id(), second.peer_id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_key_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "abc").unwrap();
        let err = load_or_create(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("identity.key") && err.contains("32-byte"),
            "{err}"
        );
        std::fs::write(dir.path().join(FILE_NAME), "1".repeat(5000)).unwrap();
        let err = load_or_create(dir.path()).unwrap_err().to_string();
        assert!(err.contains("too large"), "{err}");
    }

    #[test]
    fn an_existing_key_is_replaced_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/key");
        let first = KeyPair::generate();
        write_key_file(&path, &first, false).unwrap();
        assert!(write_key_file(&path, &KeyPair::generate(), false).is_err());
        assert_eq!(read_key_file(&path).unwrap().peer_id(), first.peer_id());
        let second = KeyPair::generate();
        write_key_file(&path, &second, true).unwrap();
        assert_eq!(read_key_file(&path).unwrap().peer_id(), second.peer_id());
    }
}
