//! Components uploaded in chunks (`dist.add_chunk`, then `dist.commit`): a component larger
//! than one call argument may be (an interpreted-language component is tens of MiB, a call
//! result at most 16 MiB) arrives in pieces of at most [`MAX_CHUNK_BYTES`].
//!
//! An upload is named by the blake3 hash of the whole component, so the node checks what it
//! got before it becomes a module, and two peers uploading the same bytes share the work.
//! Pieces go to a file under `data_dir/uploads`, not to memory. Everything is bounded: the
//! declared size by the node's component limit, the number of uploads in progress in all and
//! per peer, and their lifetime: an upload that gets no piece for [`UPLOAD_TTL`] is dropped.
//! Uploads in progress do not survive a restart (the folder is emptied when the node starts).

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use weft_core::PeerId;

use crate::NodeError;

/// Largest piece: its base64 text (4/3 of it) stays well under a call's 16 MiB.
pub(crate) const MAX_CHUNK_BYTES: usize = 4 << 20;
/// Uploads in progress on the node, and per uploading peer.
const MAX_PENDING: usize = 8;
const MAX_PENDING_PER_PEER: usize = 2;
/// How long an upload waits for its next piece.
const UPLOAD_TTL: Duration = Duration::from_secs(600);

#[derive(Debug)]
pub(crate) struct Uploads {
    dir: PathBuf,
    max_bytes: u64,
    pending: Mutex<HashMap<String, Pending>>,
}

#[derive(Debug)]
struct Pending {
    /// The peer that started the upload (counted against its limit).
    owner: Option<PeerId>,
    total: u64,
    received: u64,
    expires: Instant,
}

impl Uploads {
    /// Uploads into `dir` (emptied now) of components of at most `max_bytes`.
    pub(crate) fn open(dir: PathBuf, max_bytes: u64) -> Result<Self, NodeError> {
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(NodeError::io("cannot empty", dir, e));
            }
            _ => {}
        }
        std::fs::create_dir_all(&dir).map_err(|e| NodeError::io("cannot create", &dir, e))?;
        Ok(Self {
            dir,
            max_bytes,
            pending: Mutex::new(HashMap::new()),
        })
    }

    /// Stores `chunk` at `offset` of the component `hash` of `total` bytes; returns how many
    /// bytes of it the node has. Sending a piece again (a retry) is harmless.
    pub(crate) fn add_chunk(
        &self,
        hash: &str,
        total: u64,
        offset: u64,
        chunk: &[u8],
        peer: Option<PeerId>,
    ) -> Result<u64, String> {
        let hash = canonical(hash)?;
        if chunk.len() > MAX_CHUNK_BYTES {
            return Err(format!(
                "a chunk is at most {MAX_CHUNK_BYTES} bytes, got {}",
                chunk.len()
            ));
        }
        if total == 0 || total > self.max_bytes {
            return Err(format!(
                "a component is 1 to {} bytes, got {total}",
                self.max_bytes
            ));
        }
        let mut pending = self.lock();
        self.drop_expired(&mut pending);
        if !pending.contains_key(&hash) {
            if pending.len() >= MAX_PENDING {
                return Err(format!(
                    "this node has {MAX_PENDING} uploads in progress; try again later"
                ));
            }
            let mine = pending
                .values()
                .filter(|p| peer.is_some() && p.owner == peer);
            if mine.count() >= MAX_PENDING_PER_PEER {
                return Err(format!(
                    "a peer may have {MAX_PENDING_PER_PEER} uploads in progress; commit or wait for one"
                ));
            }
            pending.insert(
                hash.clone(),
                Pending {
                    owner: peer,
                    total,
                    received: 0,
                    expires: Instant::now() + UPLOAD_TTL,
                },
            );
        }
        let path = self.path(&hash);
        let upload = pending.get_mut(&hash).ok_or("the upload vanished")?;
        if upload.total != total {
            return Err(format!(
                "upload {hash} was started with {} bytes, this chunk says {total}",
                upload.total
            ));
        }
        let end = offset.saturating_add(chunk.len() as u64);
        if end > total {
            return Err(format!(
                "a chunk at {offset} of {} bytes ends past {total}",
                chunk.len()
            ));
        }
        if end <= upload.received {
            // A piece the node has: a retry must carry the same bytes.
            if stored(&path, offset, chunk.len())? != chunk {
                return Err(format!(
                    "the chunk at {offset} differs from the bytes already received"
                ));
            }
        } else if offset == upload.received {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| format!("the node cannot store the upload: {e}"))?;
            file.write_all(chunk)
                .map_err(|e| format!("the node cannot store the upload: {e}"))?;
            upload.received = end;
        } else {
            return Err(format!(
                "the next chunk of {hash} starts at {}, not {offset}",
                upload.received
            ));
        }
        upload.expires = Instant::now() + UPLOAD_TTL;
        Ok(upload.received)
    }

    /// The bytes of the complete upload `hash`, checked against it; the upload ends.
    pub(crate) fn take(&self, hash: &str) -> Result<Vec<u8>, String> {
        let hash = canonical(hash)?;
        let mut pending = self.lock();
        self.drop_expired(&mut pending);
        let upload = pending.get(&hash).ok_or_else(|| {
            format!("no upload of {hash} in progress: send its chunks with dist.add_chunk")
        })?;
        if upload.received != upload.total {
            return Err(format!(
                "upload {hash} has {} of {} bytes",
                upload.received, upload.total
            ));
        }
        pending.remove(&hash);
        let path = self.path(&hash);
        let bytes = std::fs::read(&path);
        let _ = std::fs::remove_file(&path);
        let bytes = bytes.map_err(|e| format!("the node cannot read the upload: {e}"))?;
        if blake3::hash(&bytes).to_hex().as_str() != hash {
            return Err(format!(
                "the uploaded bytes do not hash to {hash}: upload them again"
            ));
        }
        Ok(bytes)
    }

    fn drop_expired(&self, pending: &mut HashMap<String, Pending>) {
        let now = Instant::now();
        pending.retain(|hash, upload| {
            let keep = upload.expires > now;
            if !keep {
                let _ = std::fs::remove_file(self.path(hash));
            }
            keep
        });
    }

    fn path(&self, hash: &str) -> PathBuf {
        self.dir.join(format!("{hash}.part"))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The hash in lowercase hex, the form file names and the registry use.
fn canonical(hash: &str) -> Result<String, String> {
    blake3::Hash::from_hex(hash)
        .map(|h| h.to_hex().to_string())
        .map_err(|_| format!("{hash:?} is not a module hash (64 hex digits)"))
}

fn stored(path: &std::path::Path, offset: u64, len: usize) -> Result<Vec<u8>, String> {
    let read = || -> std::io::Result<Vec<u8>> {
        let mut file = std::fs::File::open(path)?;
        file.seek(SeekFrom::Start(offset))?;
        let mut bytes = vec![0; len];
        file.read_exact(&mut bytes)?;
        Ok(bytes)
    };
    read().map_err(|e| format!("the node cannot read the upload: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uploads(max: u64) -> (tempfile::TempDir, Uploads) {
        let dir = tempfile::tempdir().unwrap();
        let uploads = Uploads::open(dir.path().join("uploads"), max).unwrap();
        (dir, uploads)
    }

    fn hash(bytes: &[u8]) -> String {
        blake3::hash(bytes).to_hex().to_string()
    }

    #[test]
    fn chunks_in_order_with_retries_become_the_checked_bytes() {
        let (_dir, uploads) = uploads(1 << 20);
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        let h = hash(&bytes);
        assert!(uploads.take(&h).unwrap_err().contains("no upload"));
        assert_eq!(uploads.add_chunk(&h, 1000, 0, &bytes[..400], None), Ok(400));
        assert!(uploads.take(&h).unwrap_err().contains("400 of 1000"));
        // A retry of the first piece is accepted; a different one, a gap, or a size change is not.
        assert_eq!(uploads.add_chunk(&h, 1000, 0, &bytes[..400], None), Ok(400));
        assert!(
            uploads
                .add_chunk(&h, 1000, 0, &[9; 400], None)
                .unwrap_err()
                .contains("differs")
        );
        assert!(
            uploads
                .add_chunk(&h, 1000, 800, &bytes[800..], None)
                .unwrap_err()
                .contains("starts at 400")
        );
        assert!(
            uploads
                .add_chunk(&h, 999, 400, &bytes[400..], None)
                .unwrap_err()
                .contains("started with")
        );
        assert!(
            uploads
                .add_chunk(&h, 1000, 400, &[0; 601], None)
                .unwrap_err()
                .contains("past")
        );
        assert_eq!(
            uploads.add_chunk(&h, 1000, 400, &bytes[400..], None),
            Ok(1000)
        );
        assert_eq!(uploads.take(&h).unwrap(), bytes);
        assert!(uploads.take(&h).is_err(), "taken once");
    }

    #[test]
    fn wrong_bytes_for_the_hash_are_refused_at_the_end() {
        let (_dir, uploads) = uploads(1 << 20);
        let h = hash(b"the real component");
        uploads.add_chunk(&h, 5, 0, b"other", None).unwrap();
        assert!(uploads.take(&h).unwrap_err().contains("do not hash"));
    }

    #[test]
    fn sizes_hashes_and_uploads_in_progress_are_bounded() {
        let (_dir, uploads) = uploads(100);
        assert!(
            uploads
                .add_chunk("zz", 10, 0, b"x", None)
                .unwrap_err()
                .contains("module hash")
        );
        let h = hash(b"x");
        assert!(
            uploads
                .add_chunk(&h, 101, 0, b"x", None)
                .unwrap_err()
                .contains("1 to 100")
        );
        assert!(uploads.add_chunk(&h, 0, 0, b"", None).is_err());
        let big = vec![0; MAX_CHUNK_BYTES + 1];
        assert!(
            uploads
                .add_chunk(&h, 100, 0, &big, None)
                .unwrap_err()
                .contains("at most")
        );

        let peer = Some(weft_core::KeyPair::generate().peer_id());
        for i in 0..MAX_PENDING_PER_PEER {
            uploads
                .add_chunk(&hash(&[i as u8]), 2, 0, b"a", peer)
                .unwrap();
        }
        let refused = uploads
            .add_chunk(&hash(b"more"), 2, 0, b"a", peer)
            .unwrap_err();
        assert!(refused.contains("a peer may have"), "{refused}");
        for i in MAX_PENDING_PER_PEER..MAX_PENDING {
            uploads
                .add_chunk(&hash(&[i as u8]), 2, 0, b"a", None)
                .unwrap();
        }
        let full = uploads
            .add_chunk(&hash(b"one more"), 2, 0, b"a", None)
            .unwrap_err();
        assert!(full.contains("in progress"), "{full}");
    }

    #[test]
    fn expired_uploads_are_dropped_with_their_files() {
        let (_dir, uploads) = uploads(100);
        let h = hash(b"ab");
        uploads.add_chunk(&h, 2, 0, b"a", None).unwrap();
        assert!(uploads.path(&h).exists());
        uploads.lock().get_mut(&h).unwrap().expires = Instant::now();
        assert!(uploads.take(&h).unwrap_err().contains("no upload"));
        assert!(!uploads.path(&h).exists());
    }
}
