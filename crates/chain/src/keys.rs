//! secp256k1 key files for providers and developers.
//!
//! A key file holds the 32-byte private key as `0x`-prefixed hex on one line, the format
//! `cast wallet` and most Ethereum tools accept. Files are created with mode 0600 and never
//! overwritten: losing a provider's key loses its collateral and earnings.
//!
//! ```no_run
//! # fn example() -> weft_chain::Result<()> {
//! let key = weft_chain::keys::load_or_generate("provider.key".as_ref())?;
//! println!("provider account {}", key.address());
//! # Ok(())
//! # }
//! ```

use std::{fs, io::Write, path::Path};

use alloy::{primitives::B256, signers::local::PrivateKeySigner};

use crate::{Error, Result};

/// Longest key file accepted (a key is 66 characters; leave room for whitespace).
const MAX_KEY_FILE_BYTES: u64 = 1024;

/// A new random key.
pub fn generate() -> PrivateKeySigner {
    PrivateKeySigner::random()
}

/// A key from its hex form (with or without `0x`), e.g. from an environment variable.
pub fn parse(hex: &str) -> std::result::Result<PrivateKeySigner, String> {
    let trimmed = hex.trim();
    let digits = trimmed.strip_prefix("0x").unwrap_or(trimmed);
    let bytes: B256 = digits.parse().map_err(|_| {
        "expected 32 bytes of hex (64 hex digits, optionally 0x-prefixed)".to_string()
    })?;
    PrivateKeySigner::from_bytes(&bytes).map_err(|e| format!("not a valid secp256k1 key: {e}"))
}

/// The key in `path`.
pub fn load(path: &Path) -> Result<PrivateKeySigner> {
    let error = |message: String| Error::Key {
        path: path.to_path_buf(),
        message,
    };
    let size = fs::metadata(path).map_err(|e| error(e.to_string()))?.len();
    if size > MAX_KEY_FILE_BYTES {
        return Err(error(format!("{size} bytes is too long for a key file")));
    }
    let text = fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    parse(&text).map_err(error)
}

/// Writes `key` to a new file at `path`; fails if the file exists.
pub fn save(path: &Path, key: &PrivateKeySigner) -> Result<()> {
    let error = |e: std::io::Error| Error::Key {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(error)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(error)?;
    writeln!(file, "{}", key.to_bytes()).map_err(error)?;
    file.sync_all().map_err(error)
}

/// The key in `path`, created first if there is none.
pub fn load_or_generate(path: &Path) -> Result<PrivateKeySigner> {
    if path.exists() {
        return load(path);
    }
    let key = generate();
    save(path, &key)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn saved_key_loads_back_to_the_same_account() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/provider.key");
        let key = generate();
        save(&path, &key).unwrap();
        assert_eq!(load(&path).unwrap().address(), key.address());
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("0x") && text.trim().len() == 66,
            "{text:?}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn save_never_overwrites_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let first = generate();
        save(&path, &first).unwrap();
        assert!(matches!(save(&path, &generate()), Err(Error::Key { .. })));
        assert_eq!(load_or_generate(&path).unwrap().address(), first.address());
    }

    #[test]
    fn load_or_generate_creates_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let created = load_or_generate(&path).unwrap();
        assert_eq!(
            load_or_generate(&path).unwrap().address(),
            created.address()
        );
    }

    #[test]
    fn parse_accepts_known_key_with_or_without_prefix() {
        // The first anvil/hardhat development key and its well-known account.
        let hex = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        let account = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
        assert_eq!(parse(hex).unwrap().address().to_string(), account);
        assert_eq!(
            parse(&format!("0x{hex}\n")).unwrap().address().to_string(),
            account
        );
    }

    #[test]
    fn bad_key_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in [
            ("short", "0x1234".to_string()),
            ("not-hex", "z".repeat(64)),
            ("zero", "0".repeat(64)),
            ("huge", "0".repeat(4096)),
        ] {
            let path = dir.path().join(name);
            fs::write(&path, content).unwrap();
            let err = load(&path).unwrap_err();
            assert!(matches!(err, Error::Key { .. }), "{name}: {err}");
        }
        assert!(matches!(
            load(&dir.path().join("missing")),
            Err(Error::Key { .. })
        ));
    }
}
