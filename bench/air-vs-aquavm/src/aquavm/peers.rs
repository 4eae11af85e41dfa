//! Virtual peer names and the real AquaVM identities behind them.
//!
//! AquaVM 0.63 signs each peer's results and, on every run, checks that every result
//! in the incoming data is signed by a key whose libp2p peer id is the peer that
//! produced it. So a virtual peer cannot be called "peer-1" on the AquaVM side: each
//! name gets an Ed25519 key derived from the name and is written as that key's
//! peer id (`12D3KooW...`) in the script, in values handed to AquaVM and in its
//! answers, and translated back to the name in what the bench records.

use std::collections::HashMap;

use fluence_keypair::{KeyFormat, KeyPair};
use serde_json::Value;

/// One virtual peer on the AquaVM side.
#[derive(Debug, Clone)]
pub(crate) struct AquaPeer {
    pub(crate) name: String,
    pub(crate) peer_id: String,
    /// Ed25519 secret key bytes, as `RunParameters::secret_key_bytes` wants them.
    pub(crate) secret: Vec<u8>,
}

/// Names to identities and back.
#[derive(Debug, Clone, Default)]
pub(crate) struct PeerBook {
    by_name: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
    peers: Vec<AquaPeer>,
    longest_name: usize,
    longest_id: usize,
}

impl PeerBook {
    /// Adds `name` (a no-op when known) and returns its index.
    pub(crate) fn add(&mut self, name: &str) -> Result<usize, String> {
        if let Some(&index) = self.by_name.get(name) {
            return Ok(index);
        }
        let secret = blake3::hash(format!("air-vs-aquavm peer {name}").as_bytes())
            .as_bytes()
            .to_vec();
        let keypair = KeyPair::from_secret_key(secret.clone(), KeyFormat::Ed25519)
            .map_err(|error| format!("cannot make a key for peer {name}: {error}"))?;
        let peer_id = keypair.get_peer_id().to_string();
        let index = self.peers.len();
        self.longest_name = self.longest_name.max(name.len());
        self.longest_id = self.longest_id.max(peer_id.len());
        self.by_name.insert(name.to_owned(), index);
        self.by_id.insert(peer_id.clone(), index);
        self.peers.push(AquaPeer {
            name: name.to_owned(),
            peer_id,
            secret,
        });
        Ok(index)
    }

    pub(crate) fn get(&self, index: usize) -> &AquaPeer {
        &self.peers[index]
    }

    pub(crate) fn index_of_id(&self, peer_id: &str) -> Option<usize> {
        self.by_id.get(peer_id).copied()
    }

    pub(crate) fn id_of_name(&self, name: &str) -> Option<&str> {
        self.by_name
            .get(name)
            .map(|&index| self.peers[index].peer_id.as_str())
    }

    pub(crate) fn name_of_id(&self, peer_id: &str) -> Option<&str> {
        self.index_of_id(peer_id)
            .map(|index| self.peers[index].name.as_str())
    }

    /// `value` with every string that names a virtual peer replaced by its peer id.
    pub(crate) fn names_to_ids(&self, value: &mut Value) {
        map_strings(value, self.longest_name, &|text| self.id_of_name(text));
    }

    /// `value` with every string that is a virtual peer's id replaced by its name.
    pub(crate) fn ids_to_names(&self, value: &mut Value) {
        map_strings(value, self.longest_id, &|text| self.name_of_id(text));
    }

    /// The script with each string literal that names a virtual peer written as its
    /// peer id. Comments are copied unchanged (AIR strings have no escapes).
    pub(crate) fn translate_script(&self, source: &str) -> String {
        let mut out = String::with_capacity(source.len());
        let mut rest = source;
        while let Some(at) = rest.find(['"', ';']) {
            out.push_str(&rest[..at]);
            let tail = &rest[at..];
            if tail.starts_with(';') {
                let end = tail.find('\n').unwrap_or(tail.len());
                out.push_str(&tail[..end]);
                rest = &tail[end..];
                continue;
            }
            let Some(close) = tail[1..].find('"') else {
                out.push_str(tail);
                return out;
            };
            let text = &tail[1..1 + close];
            out.push('"');
            out.push_str(self.id_of_name(text).unwrap_or(text));
            out.push('"');
            rest = &tail[close + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// Replaces strings (never longer than `longest`, a cheap filter for big values)
/// for which `lookup` has an answer.
fn map_strings<'a>(value: &mut Value, longest: usize, lookup: &dyn Fn(&str) -> Option<&'a str>) {
    match value {
        Value::String(text) if text.len() <= longest => {
            if let Some(new) = lookup(text) {
                *text = new.to_owned();
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| map_strings(item, longest, lookup)),
        Value::Object(fields) => fields
            .values_mut()
            .for_each(|field| map_strings(field, longest, lookup)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_literals_become_peer_ids_but_comments_stay() -> Result<(), String> {
        let mut book = PeerBook::default();
        book.add("a")?;
        let id = book.id_of_name("a").unwrap_or_default().to_owned();
        assert!(id.starts_with("12D3KooW"), "{id}");
        let script = "(call \"a\" (\"s\" \"a\") [\"b\"]) ; ok = \"a\"\n(null)";
        let expected = format!("(call \"{id}\" (\"s\" \"{id}\") [\"b\"]) ; ok = \"a\"\n(null)");
        assert_eq!(book.translate_script(script), expected);
        let mut value = serde_json::json!({"x": ["a", "b", 1]});
        book.names_to_ids(&mut value);
        assert_eq!(value, serde_json::json!({"x": [id, "b", 1]}));
        book.ids_to_names(&mut value);
        assert_eq!(value, serde_json::json!({"x": ["a", "b", 1]}));
        Ok(())
    }
}
