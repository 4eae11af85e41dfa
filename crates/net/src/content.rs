//! Content by hash, `/weft/content/1.0.0`: a peer that holds some bytes (a component) announces
//! their blake3 hash as a Kademlia provider record; a peer that needs them finds the providers
//! and reads the bytes in chunks, checking the hash of the whole before handing it out.
//!
//! ```text
//! request   key (32 bytes) | offset (u64 BE) | max length (u32 BE)
//! response  0 | total length (u64 BE) | chunk length (u32 BE) | chunk     the bytes from offset
//!           1                                                          not held here
//!           2                                                          offset past the end
//! ```
//!
//! A chunk is at most [`MAX_CHUNK`] bytes whatever the request asks, and the reader checks the
//! announced chunk length before reading, so a lying peer costs at most a chunk. The bytes
//! come from the node through a [`ContentSource`], read on a blocking thread.

use std::{fmt, io};

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use weft_core::PeerId;

use crate::{NetError, Network};

pub(crate) const PROTOCOL: StreamProtocol = StreamProtocol::new("/weft/content/1.0.0");

/// The most bytes one content response carries.
pub const MAX_CHUNK: u32 = 1 << 20;

/// What a peer announces and others fetch: the blake3 hash of the bytes.
pub type ContentKey = [u8; 32];

/// Where a peer's content comes from (the node's component store). Called on a blocking
/// thread: reading files is fine.
pub trait ContentSource: Send + Sync + 'static {
    /// Up to `len` bytes of `key` from `offset`, with the content's total length; `None` when
    /// this peer does not hold `key`.
    fn read(&self, key: &ContentKey, offset: u64, len: u32) -> Option<(Vec<u8>, u64)>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChunkRequest {
    pub key: ContentKey,
    pub offset: u64,
    pub len: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChunkResponse {
    Chunk { total: u64, bytes: Vec<u8> },
    NotHere,
    PastEnd,
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ContentCodec;

impl libp2p::request_response::Codec for ContentCodec {
    type Protocol = StreamProtocol;
    type Request = ChunkRequest;
    type Response = ChunkResponse;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<ChunkRequest>
    where
        T: AsyncRead + Unpin + Send,
    {
        let mut key = [0u8; 32];
        io.read_exact(&mut key).await?;
        Ok(ChunkRequest {
            key,
            offset: u64::from_be_bytes(read_array(io).await?),
            len: u32::from_be_bytes(read_array(io).await?),
        })
    }

    async fn read_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<ChunkResponse>
    where
        T: AsyncRead + Unpin + Send,
    {
        let [status] = read_array(io).await?;
        match status {
            0 => {
                let total = u64::from_be_bytes(read_array(io).await?);
                let len = u32::from_be_bytes(read_array(io).await?);
                if len > MAX_CHUNK {
                    return Err(invalid(format!(
                        "a content chunk of {len} bytes is over the limit of {MAX_CHUNK}"
                    )));
                }
                let mut bytes = Vec::new();
                io.take(u64::from(len)).read_to_end(&mut bytes).await?;
                if bytes.len() != len as usize {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                Ok(ChunkResponse::Chunk { total, bytes })
            }
            1 => Ok(ChunkResponse::NotHere),
            2 => Ok(ChunkResponse::PastEnd),
            other => Err(invalid(format!("unknown content status {other}"))),
        }
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        request: ChunkRequest,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        io.write_all(&request.key).await?;
        io.write_all(&request.offset.to_be_bytes()).await?;
        io.write_all(&request.len.to_be_bytes()).await?;
        io.flush().await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        response: ChunkResponse,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        match response {
            ChunkResponse::Chunk { total, bytes } => {
                let len = u32::try_from(bytes.len())
                    .ok()
                    .filter(|len| *len <= MAX_CHUNK)
                    .ok_or_else(|| invalid("a content chunk over the limit".to_owned()))?;
                io.write_all(&[0]).await?;
                io.write_all(&total.to_be_bytes()).await?;
                io.write_all(&len.to_be_bytes()).await?;
                io.write_all(&bytes).await?;
            }
            ChunkResponse::NotHere => io.write_all(&[1]).await?,
            ChunkResponse::PastEnd => io.write_all(&[2]).await?,
        }
        io.flush().await
    }
}

async fn read_array<const N: usize, T: AsyncRead + Unpin>(io: &mut T) -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    io.read_exact(&mut bytes).await?;
    Ok(bytes)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// Why [`Network::fetch`] found no good copy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("no peer announces content {}", hex(.0))]
    NoProviders(ContentKey),
    #[error("no provider of {} served a good copy: {}", hex(.key), .failures.join("; "))]
    Failed {
        key: ContentKey,
        failures: Vec<String>,
    },
    #[error(transparent)]
    Net(#[from] NetError),
}

fn hex(key: &ContentKey) -> impl fmt::Display + '_ {
    struct Hex<'a>(&'a ContentKey);
    impl fmt::Display for Hex<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
        }
    }
    Hex(key)
}

impl Network {
    /// The bytes whose blake3 hash is `key`, from a peer that announces them (see
    /// [`Network::provide`]), read in chunks. Providers are tried in turn until one serves
    /// a copy of at most `max_len` bytes with the right hash; a copy that is too long, ends
    /// early or hashes differently is refused, and the next provider tried.
    pub async fn fetch(&self, key: ContentKey, max_len: u64) -> Result<Vec<u8>, FetchError> {
        let local = self.local_peer_id();
        let providers: Vec<PeerId> = self
            .find_providers(key)
            .await?
            .into_iter()
            .filter(|peer| *peer != local)
            .collect();
        if providers.is_empty() {
            return Err(FetchError::NoProviders(key));
        }
        let mut failures = Vec::new();
        for peer in providers {
            match self.fetch_from(peer, key, max_len).await {
                Ok(bytes) => return Ok(bytes),
                Err(why) => {
                    tracing::debug!(%peer, "content fetch failed: {why}");
                    failures.push(format!("{peer}: {why}"));
                }
            }
        }
        Err(FetchError::Failed { key, failures })
    }

    /// The whole of `key` from `peer`, checked against the hash.
    pub async fn fetch_from(
        &self,
        peer: PeerId,
        key: ContentKey,
        max_len: u64,
    ) -> Result<Vec<u8>, String> {
        let mut bytes = Vec::new();
        let mut expected = None;
        loop {
            let offset = bytes.len() as u64;
            let request = ChunkRequest {
                key,
                offset,
                len: MAX_CHUNK,
            };
            let (total, chunk) = match self.fetch_chunk(peer, request).await {
                Ok(ChunkResponse::Chunk { total, bytes }) => (total, bytes),
                Ok(ChunkResponse::NotHere) => return Err("it does not hold the content".into()),
                Ok(ChunkResponse::PastEnd) => return Err(format!("no bytes at offset {offset}")),
                Err(e) => return Err(e.to_string()),
            };
            if total > max_len {
                return Err(format!(
                    "it offers {total} bytes, over the limit of {max_len}"
                ));
            }
            if *expected.get_or_insert(total) != total {
                return Err("the announced length changed between chunks".into());
            }
            if chunk.is_empty() && offset < total {
                return Err(format!("an empty chunk at offset {offset} of {total}"));
            }
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > total {
                return Err(format!("it sent more than the {total} bytes it announced"));
            }
            if bytes.len() as u64 == total {
                break;
            }
        }
        if *blake3::hash(&bytes).as_bytes() != key {
            return Err("the bytes it sent do not match the hash".into());
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use futures::io::Cursor;
    use libp2p::request_response::Codec;

    use super::*;

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        futures::executor::block_on(future)
    }

    fn roundtrip_response(response: ChunkResponse) -> io::Result<ChunkResponse> {
        let mut out = Cursor::new(Vec::new());
        block_on(ContentCodec.write_response(&PROTOCOL, &mut out, response))?;
        let mut input = Cursor::new(out.into_inner());
        block_on(ContentCodec.read_response(&PROTOCOL, &mut input))
    }

    #[test]
    fn requests_and_responses_round_trip() {
        let request = ChunkRequest {
            key: [7; 32],
            offset: 1 << 40,
            len: 99,
        };
        let mut out = Cursor::new(Vec::new());
        block_on(ContentCodec.write_request(&PROTOCOL, &mut out, request)).unwrap();
        let bytes = out.into_inner();
        assert_eq!(bytes.len(), 44);
        let read = block_on(ContentCodec.read_request(&PROTOCOL, &mut Cursor::new(bytes)));
        assert_eq!(read.unwrap(), request);
        for response in [
            ChunkResponse::Chunk {
                total: 10,
                bytes: b"hello".to_vec(),
            },
            ChunkResponse::NotHere,
            ChunkResponse::PastEnd,
        ] {
            assert_eq!(roundtrip_response(response.clone()).unwrap(), response);
        }
    }

    #[test]
    fn an_oversized_chunk_is_refused_before_it_is_read() {
        let mut frame = vec![0];
        frame.extend_from_slice(&u64::MAX.to_be_bytes());
        frame.extend_from_slice(&(MAX_CHUNK + 1).to_be_bytes());
        let read = block_on(ContentCodec.read_response(&PROTOCOL, &mut Cursor::new(frame)));
        assert_eq!(read.unwrap_err().kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn a_short_chunk_and_an_unknown_status_are_errors() {
        let mut frame = vec![0];
        frame.extend_from_slice(&10u64.to_be_bytes());
        frame.extend_from_slice(&5u32.to_be_bytes());
        frame.extend_from_slice(b"abc");
        let read = block_on(ContentCodec.read_response(&PROTOCOL, &mut Cursor::new(frame)));
        assert_eq!(read.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        let read = block_on(ContentCodec.read_response(&PROTOCOL, &mut Cursor::new(vec![9])));
        assert_eq!(read.unwrap_err().kind(), io::ErrorKind::InvalidData);
    }
}
