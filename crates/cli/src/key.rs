//! `weft key`: the developer's identity. Particles a developer sends are signed with it,
//! and services they deploy are owned by its peer id.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Subcommand;
use weft_core::KeyPair;

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a new key pair and print its peer id.
    New {
        /// Where to write the secret key (default: `$WEFT_HOME/key`, `~/.weft/key`).
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// Replace an existing key file (the old identity is lost).
        #[arg(long)]
        force: bool,
        /// Print `{"peer_id": ..., "key": ...}` instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the peer id of a key.
    Show {
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: KeyCommand) -> anyhow::Result<()> {
    match command {
        KeyCommand::New { key, force, json } => {
            let path = key.unwrap_or_else(default_key_path);
            if path.exists() && !force {
                bail!(
                    "{} already exists: `weft key show` prints its peer id; pass --force to replace it",
                    path.display()
                );
            }
            let keys = KeyPair::generate();
            write_key(&path, &keys)?;
            print_key(&path, &keys, json)
        }
        KeyCommand::Show { key, json } => {
            let path = key.unwrap_or_else(default_key_path);
            let keys = read_key(&path)?;
            print_key(&path, &keys, json)
        }
    }
}

fn print_key(path: &Path, keys: &KeyPair, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let value = serde_json::json!({"peer_id": keys.peer_id().to_string(), "key": path});
        writeln!(out, "{value}")?;
    } else {
        writeln!(out, "{}", keys.peer_id())?;
    }
    Ok(())
}

/// `$WEFT_HOME`, or `~/.weft`: the developer's key and local networks live here.
pub fn weft_home() -> PathBuf {
    if let Some(home) = std::env::var_os("WEFT_HOME") {
        return PathBuf::from(home);
    }
    std::env::var_os("HOME")
        .map(|home| Path::new(&home).join(".weft"))
        .unwrap_or_else(|| PathBuf::from(".weft"))
}

pub fn default_key_path() -> PathBuf {
    weft_home().join("key")
}

/// The key at `path`, or the default key, created on first use.
pub fn load_or_create(path: Option<&Path>) -> anyhow::Result<KeyPair> {
    let path = path.map(Path::to_path_buf).unwrap_or_else(default_key_path);
    if path.exists() {
        return read_key(&path);
    }
    let keys = KeyPair::generate();
    write_key(&path, &keys)?;
    Ok(keys)
}

pub fn read_key(path: &Path) -> anyhow::Result<KeyPair> {
    let meta = std::fs::metadata(path).with_context(|| {
        format!(
            "cannot read the key {}: create one with `weft key new`",
            path.display()
        )
    })?;
    // A key file is one short line; refuse to read anything else into memory.
    if meta.len() > 1024 {
        bail!("{} is not a Weft key file (too large)", path.display());
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the key {}", path.display()))?;
    KeyPair::from_secret_text(&text).with_context(|| format!("{}", path.display()))
}

fn write_key(path: &Path, keys: &KeyPair) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write the key {}", path.display()))?;
    writeln!(file, "{}", keys.to_secret_text())
        .with_context(|| format!("cannot write the key {}", path.display()))?;
    Ok(())
}
