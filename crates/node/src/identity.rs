//! The node's key pair, kept in `data_dir/identity.key` (base58 of the 32-byte secret seed),
//! created on first start with owner-only permissions.

use std::io::Write;
use std::path::Path;

use weft_core::KeyPair;

use crate::NodeError;

pub(crate) const FILE_NAME: &str = "identity.key";

/// Reads the node's key pair from `data_dir`, or makes one and stores it there.
pub(crate) fn load_or_create(data_dir: &Path) -> Result<KeyPair, NodeError> {
    let path = data_dir.join(FILE_NAME);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text).map_err(|message| NodeError::Identity { path, message }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path),
        Err(source) => Err(NodeError::io("cannot read identity key", path, source)),
    }
}

fn parse(text: &str) -> Result<KeyPair, String> {
    let bytes = bs58::decode(text.trim())
        .into_vec()
        .map_err(|e| format!("not base58 ({e})"))?;
    let seed: [u8; 32] = bytes.try_into().map_err(|bytes: Vec<u8>| {
        format!(
            "holds {} bytes; an ed25519 secret seed is 32 bytes",
            bytes.len()
        )
    })?;
    Ok(KeyPair::from_seed(seed))
}

fn create(path: &Path) -> Result<KeyPair, NodeError> {
    let keys = KeyPair::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let text = format!("{}\n", bs58::encode(keys.seed()).into_string());
    let written = options.open(path).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    written.map_err(|source| NodeError::io("cannot create identity key", path, source))?;
    tracing::info!(peer_id = %keys.peer_id(), path = %path.display(), "created a new identity");
    Ok(keys)
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
            err.contains("identity.key") && err.contains("32 bytes"),
            "{err}"
        );
    }
}
