//! The data pipeline example service. Each function is one step of the flow in
//! `examples/flows/pipeline.air`; the flow places the steps on different nodes.

wit_bindgen::generate!({
    path: ["../../wit/host", "wit"],
    world: "weft:pipeline/pipeline",
    generate_all,
});

use std::collections::HashMap;

use exports::weft::pipeline::steps::{Guest, Stats};
use weft::host::{http, kv, log};

struct Pipeline;

impl Guest for Pipeline {
    fn fetch(url: String) -> Result<String, String> {
        let response = http::send(&http::Request {
            method: "GET".to_string(),
            url: url.clone(),
            headers: Vec::new(),
            body: Vec::new(),
        })?;
        if !(200..300).contains(&response.status) {
            log::log(log::Level::Warn, &format!("GET {url}: status {}", response.status));
            return Err(format!("HTTP status {}", response.status));
        }
        log::log(
            log::Level::Info,
            &format!("fetched {} bytes from {url}", response.body.len()),
        );
        String::from_utf8(response.body).map_err(|_| "the body is not UTF-8 text".to_string())
    }

    fn analyze(text: String) -> Stats {
        let mut counts: HashMap<String, (u32, usize)> = HashMap::new();
        let mut words = 0u32;
        for (position, word) in text.split_whitespace().enumerate() {
            words = words.saturating_add(1);
            let entry = counts.entry(word.to_lowercase()).or_insert((0, position));
            entry.0 = entry.0.saturating_add(1);
        }
        let top_word = counts
            .into_iter()
            .max_by(|(_, (a, pa)), (_, (b, pb))| a.cmp(b).then(pb.cmp(pa)))
            .map(|(word, _)| word)
            .unwrap_or_default();
        Stats {
            lines: u32::try_from(text.lines().count()).unwrap_or(u32::MAX),
            words,
            top_word,
        }
    }

    fn store(key: String, value: String) -> Result<(), String> {
        log::log(log::Level::Info, &format!("stored {key}"));
        kv::set(&key, value.as_bytes())
    }

    fn load(key: String) -> Result<Option<String>, String> {
        Ok(kv::get(&key)?.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
    }
}

export!(Pipeline);
