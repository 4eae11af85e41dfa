//! `weft key`: the developer's identity. Particles a developer sends are signed with it,
//! and services they deploy are owned by its peer id.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::bail;
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
            write_key(&path, &keys, force)?;
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
    write_key(&path, &keys, false)?;
    Ok(keys)
}

/// A key file, through the node's reader (the node keeps its own key in the same format).
pub fn read_key(path: &Path) -> anyhow::Result<KeyPair> {
    weft_node::read_key_file(path).map_err(|error| match error {
        weft_node::NodeError::Io { ref source, .. }
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            anyhow::anyhow!(
                "cannot read the key {}: create one with `weft key new`",
                path.display()
            )
        }
        other => anyhow::Error::new(other),
    })
}

fn write_key(path: &Path, keys: &KeyPair, replace: bool) -> anyhow::Result<()> {
    Ok(weft_node::write_key_file(path, keys, replace)?)
}
