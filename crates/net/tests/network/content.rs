use std::collections::HashMap;

use weft_net::{ContentKey, ContentSource, FetchError, MAX_CHUNK};

use super::*;

/// Content held in memory, by hash.
#[derive(Default)]
struct Store(HashMap<ContentKey, Vec<u8>>);

impl Store {
    fn with(bytes: &[u8]) -> (Arc<Self>, ContentKey) {
        let key = *blake3::hash(bytes).as_bytes();
        (Arc::new(Self(HashMap::from([(key, bytes.to_vec())]))), key)
    }
}

impl ContentSource for Store {
    fn read(&self, key: &ContentKey, offset: u64, len: u32) -> Option<(Vec<u8>, u64)> {
        let bytes = self.0.get(key)?;
        let start = (offset as usize).min(bytes.len());
        let end = start.saturating_add(len as usize).min(bytes.len());
        Some((bytes[start..end].to_vec(), bytes.len() as u64))
    }
}

/// Serves other bytes than the ones it announces.
struct Liar(ContentKey);

impl ContentSource for Liar {
    fn read(&self, key: &ContentKey, _offset: u64, _len: u32) -> Option<(Vec<u8>, u64)> {
        (*key == self.0).then(|| (b"not what you asked for".to_vec(), 22))
    }
}

/// A line of three: `a` knows only `b`, `b` knows `c`.
async fn line() -> [Network; 3] {
    let (a, _) = spawn(config("/memory/0")).await;
    let (b, _) = spawn(config("/memory/0")).await;
    let (c, _) = spawn(config("/memory/0")).await;
    within(b.dial(first_addr(&c).await)).await.unwrap();
    within(a.dial(first_addr(&b).await)).await.unwrap();
    [a, b, c]
}

fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

#[tokio::test]
async fn content_announced_by_a_far_peer_is_found_and_read_in_chunks() {
    let [a, _b, c] = line().await;
    let bytes = content(2 * MAX_CHUNK as usize + 12_345);
    let (store, key) = Store::with(&bytes);
    within(c.serve_content(store)).await.unwrap();
    within(c.provide(key)).await.unwrap();

    let fetched = within(a.fetch(key, 10 << 20)).await.unwrap();
    assert_eq!(fetched.len(), bytes.len());
    assert!(fetched == bytes, "the bytes differ");
}

#[tokio::test]
async fn content_nobody_announces_is_not_found() {
    let [a, _b, _c] = line().await;
    let key = [9; 32];
    let error = within(a.fetch(key, 1 << 20)).await.unwrap_err();
    assert_eq!(error, FetchError::NoProviders(key));
}

#[tokio::test]
async fn a_copy_over_the_limit_or_with_another_hash_is_refused() {
    let [a, b, c] = line().await;
    let bytes = content(5_000);
    let (store, key) = Store::with(&bytes);
    within(c.serve_content(store)).await.unwrap();
    within(c.provide(key)).await.unwrap();
    match within(a.fetch(key, 4_999)).await.unwrap_err() {
        FetchError::Failed { failures, .. } => {
            assert!(
                failures[0].contains("over the limit of 4999"),
                "{failures:?}"
            )
        }
        other => panic!("expected a refused copy, got {other}"),
    }

    // B announces the key too but serves other bytes: refused for its hash.
    within(b.serve_content(Arc::new(Liar(key)))).await.unwrap();
    let from_liar = within(a.fetch_from(b.local_peer_id(), key, 1 << 20)).await;
    assert_eq!(
        from_liar.unwrap_err(),
        "the bytes it sent do not match the hash"
    );
    // A peer that serves nothing says so.
    let (d, _) = spawn(config("/memory/0")).await;
    within(a.dial(first_addr(&d).await)).await.unwrap();
    let from_d = within(a.fetch_from(d.local_peer_id(), key, 1 << 20)).await;
    assert_eq!(from_d.unwrap_err(), "it does not hold the content");
}
