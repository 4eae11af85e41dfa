//! Virtual peer names and the real peer ids behind them.
//!
//! Both interpreters run with real peer ids, as they would in a network. AquaVM
//! 0.63 requires it: on every run it checks that each result in the incoming data
//! is signed by a key whose libp2p peer id is the peer that produced it. Weft's
//! peer ids have the same shape. So each virtual peer gets an Ed25519 key derived
//! from its name and is written as that key's peer id (`12D3KooW...`) in the
//! script and in the values handed to the interpreter, and translated back to its
//! name in what the bench records.

use std::collections::HashMap;

use serde_json::Value;

/// Names to peer ids and back.
#[derive(Debug, Clone, Default)]
pub(crate) struct PeerBook {
    by_name: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
    names: Vec<String>,
    ids: Vec<String>,
    longest_name: usize,
    longest_id: usize,
}

impl PeerBook {
    /// Adds the peer `name` written as `peer_id`; returns its index, or the index
    /// it already has.
    pub(crate) fn add(&mut self, name: &str, peer_id: String) -> usize {
        if let Some(&index) = self.by_name.get(name) {
            return index;
        }
        let index = self.names.len();
        self.longest_name = self.longest_name.max(name.len());
        self.longest_id = self.longest_id.max(peer_id.len());
        self.by_name.insert(name.to_owned(), index);
        self.by_id.insert(peer_id.clone(), index);
        self.names.push(name.to_owned());
        self.ids.push(peer_id);
        index
    }

    pub(crate) fn name(&self, index: usize) -> &str {
        &self.names[index]
    }

    pub(crate) fn id(&self, index: usize) -> &str {
        &self.ids[index]
    }

    pub(crate) fn index_of_id(&self, peer_id: &str) -> Option<usize> {
        self.by_id.get(peer_id).copied()
    }

    pub(crate) fn id_of_name(&self, name: &str) -> Option<&str> {
        self.by_name
            .get(name)
            .map(|&index| self.ids[index].as_str())
    }

    pub(crate) fn name_of_id(&self, peer_id: &str) -> Option<&str> {
        self.index_of_id(peer_id)
            .map(|index| self.names[index].as_str())
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

/// The 32-byte key seed of the virtual peer `name`.
pub(crate) fn seed_of(name: &str) -> [u8; 32] {
    *blake3::hash(format!("air-vs-aquavm peer {name}").as_bytes()).as_bytes()
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
    fn script_literals_become_peer_ids_but_comments_stay() {
        let mut book = PeerBook::default();
        let id = "12D3KooWExample".to_owned();
        assert_eq!(book.add("a", id.clone()), 0);
        assert_eq!(book.add("a", id.clone()), 0);
        let script = "(call \"a\" (\"s\" \"a\") [\"b\"]) ; ok = \"a\"\n(null)";
        let expected = format!("(call \"{id}\" (\"s\" \"{id}\") [\"b\"]) ; ok = \"a\"\n(null)");
        assert_eq!(book.translate_script(script), expected);
        let mut value = serde_json::json!({"x": ["a", "b", 1]});
        book.names_to_ids(&mut value);
        assert_eq!(value, serde_json::json!({"x": [id, "b", 1]}));
        book.ids_to_names(&mut value);
        assert_eq!(value, serde_json::json!({"x": ["a", "b", 1]}));
    }
}
