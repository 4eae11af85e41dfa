//! The particle protocol, `/weft/particle/1.0.0`: one request-response exchange
//! per particle on its own stream.
//!
//! ```text
//! request   varint length (LEB128, at most 10 bytes) | encoded particle
//! response  one byte: 0 accepted, 1 busy, 2 malformed, 3 closing
//! ```
//!
//! The length is checked against the receiver's limit before any of the frame is
//! read, and the frame is read as it arrives rather than into a buffer of the
//! claimed size, so a peer that lies about the length costs at most what it sends.
//! Inbound frames are decoded here, on the connection's task, not on the task
//! that owns the Swarm. Oversized frames are counted here too: libp2p reports a
//! failed `read_request` to nobody.

use std::{fmt, io, sync::Arc};

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use weft_core::{Particle, ParticleError, ParticleLimits};

use crate::stats::Stats;

pub(crate) const PROTOCOL: StreamProtocol = StreamProtocol::new("/weft/particle/1.0.0");
const MAX_VARINT_BYTES: usize = 10;

/// A particle frame: bytes on the way out, a decoding outcome on the way in.
#[derive(Debug)]
pub(crate) enum Frame {
    Outgoing(Vec<u8>),
    Incoming(Result<Box<Particle>, ParticleError>),
}

/// The receiver's answer to one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ack {
    Accepted,
    Refused(Refusal),
}

/// Why a peer refused a particle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The receiver's inbox is full: it is overloaded; try later or elsewhere.
    Busy,
    /// The frame is not a particle the receiver can decode within its limits.
    Malformed,
    /// The receiver is shutting down.
    Closing,
    /// A code this version does not know (a newer peer).
    Unknown(u8),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Busy => f.write_str("its inbox is full"),
            Refusal::Malformed => {
                f.write_str("the frame is not a valid particle within its limits")
            }
            Refusal::Closing => f.write_str("it is shutting down"),
            Refusal::Unknown(code) => write!(f, "unknown refusal code {code}"),
        }
    }
}

impl Ack {
    fn to_byte(self) -> u8 {
        match self {
            Ack::Accepted => 0,
            Ack::Refused(Refusal::Busy) => 1,
            Ack::Refused(Refusal::Malformed) => 2,
            Ack::Refused(Refusal::Closing) => 3,
            Ack::Refused(Refusal::Unknown(code)) => code,
        }
    }

    fn from_byte(byte: u8) -> Self {
        match byte {
            0 => Ack::Accepted,
            1 => Ack::Refused(Refusal::Busy),
            2 => Ack::Refused(Refusal::Malformed),
            3 => Ack::Refused(Refusal::Closing),
            code => Ack::Refused(Refusal::Unknown(code)),
        }
    }
}

/// An inbound frame whose announced length is over the limit.
#[derive(Debug, thiserror::Error)]
#[error("particle frame of {len} bytes is over the limit of {limit}")]
pub(crate) struct FrameTooLarge {
    pub(crate) len: u64,
    pub(crate) limit: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct ParticleCodec {
    limits: ParticleLimits,
    max_frame: usize,
    stats: Arc<Stats>,
}

impl ParticleCodec {
    pub(crate) fn new(limits: ParticleLimits, stats: Arc<Stats>) -> Self {
        let max_frame = limits.max_encoded_bytes();
        Self {
            limits,
            max_frame,
            stats,
        }
    }
}

impl libp2p::request_response::Codec for ParticleCodec {
    type Protocol = StreamProtocol;
    type Request = Frame;
    type Response = Ack;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Frame>
    where
        T: AsyncRead + Unpin + Send,
    {
        let len = read_varint(io).await?;
        if len > self.max_frame as u64 {
            let error = FrameTooLarge {
                len,
                limit: self.max_frame,
            };
            Stats::bump(&self.stats.frames_rejected);
            tracing::warn!("refusing an inbound particle frame: {error}");
            return Err(io::Error::new(io::ErrorKind::InvalidData, error));
        }
        let mut bytes = Vec::new();
        io.take(len).read_to_end(&mut bytes).await?;
        if bytes.len() as u64 != len {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(Frame::Incoming(
            Particle::decode(&bytes, &self.limits).map(Box::new),
        ))
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Ack>
    where
        T: AsyncRead + Unpin + Send,
    {
        let mut byte = [0u8; 1];
        io.read_exact(&mut byte).await?;
        Ok(Ack::from_byte(byte[0]))
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        frame: Frame,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        // Requests are only ever sent as `Outgoing`: the caller encoded them.
        let Frame::Outgoing(bytes) = frame else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an inbound frame cannot be sent on",
            ));
        };
        io.write_all(&varint(bytes.len() as u64)).await?;
        io.write_all(&bytes).await?;
        io.flush().await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        ack: Ack,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        io.write_all(&[ack.to_byte()]).await?;
        io.flush().await
    }
}

fn varint(mut value: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(MAX_VARINT_BYTES);
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(low);
            return out;
        }
        out.push(low | 0x80);
    }
}

async fn read_varint<T: AsyncRead + Unpin>(io: &mut T) -> io::Result<u64> {
    let mut value = 0u64;
    for index in 0..MAX_VARINT_BYTES {
        let mut byte = [0u8; 1];
        io.read_exact(&mut byte).await?;
        value |= u64::from(byte[0] & 0x7f) << (7 * index);
        if byte[0] & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "particle frame length is not a varint of at most 10 bytes",
    ))
}

#[cfg(test)]
mod tests {
    use futures::io::Cursor;
    use libp2p::request_response::Codec;
    use weft_core::KeyPair;

    use super::*;

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        futures::executor::block_on(future)
    }

    fn small_limits() -> ParticleLimits {
        ParticleLimits {
            max_id_bytes: 16,
            max_script_bytes: 64,
            max_data_bytes: 64,
        }
    }

    fn write(frame: Frame) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        block_on(
            ParticleCodec::new(small_limits(), Arc::default())
                .write_request(&PROTOCOL, &mut out, frame),
        )
        .unwrap();
        out.into_inner()
    }

    fn read(bytes: Vec<u8>) -> io::Result<Frame> {
        block_on(
            ParticleCodec::new(small_limits(), Arc::default())
                .read_request(&PROTOCOL, &mut Cursor::new(bytes)),
        )
    }

    #[test]
    fn particle_roundtrips() {
        let particle = Particle::new(
            &KeyPair::from_seed([1; 32]),
            "p".into(),
            1,
            2,
            "(null)".into(),
        );
        let wire = write(Frame::Outgoing(particle.encode()));
        match read(wire).unwrap() {
            Frame::Incoming(Ok(back)) => assert_eq!(*back, particle),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn garbage_decodes_to_an_error_not_a_failure() {
        let wire = write(Frame::Outgoing(b"not a particle".to_vec()));
        assert!(matches!(read(wire).unwrap(), Frame::Incoming(Err(_))));
    }

    #[test]
    fn oversized_length_is_refused_before_reading_the_body() {
        // Announce 1 GiB and send nothing more: refused from the length alone.
        let error = read(varint(1 << 30)).unwrap_err();
        let too_large = error
            .get_ref()
            .and_then(|e| e.downcast_ref::<FrameTooLarge>());
        assert_eq!(too_large.map(|e| e.len), Some(1 << 30));
    }

    #[test]
    fn truncated_and_overlong_lengths_fail() {
        let mut wire = varint(50);
        wire.extend_from_slice(&[0; 10]);
        assert_eq!(read(wire).unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(
            read(vec![0xff; 11]).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }

    proptest::proptest! {
        #[test]
        // Up to 256 bytes: within the frame bound of `small_limits` (292 bytes).
        fn arbitrary_frames_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
            let _ = read(bytes.clone());
            let mut framed = varint(bytes.len() as u64);
            framed.extend_from_slice(&bytes);
            proptest::prop_assert!(matches!(read(framed), Ok(Frame::Incoming(_))));
        }

        #[test]
        fn lengths_roundtrip(len in proptest::prelude::any::<u64>()) {
            let mut wire = Cursor::new(varint(len));
            proptest::prop_assert_eq!(block_on(read_varint(&mut wire)).unwrap(), len);
        }
    }

    #[test]
    fn acks_roundtrip() {
        for ack in [
            Ack::Accepted,
            Ack::Refused(Refusal::Busy),
            Ack::Refused(Refusal::Malformed),
            Ack::Refused(Refusal::Closing),
            Ack::Refused(Refusal::Unknown(200)),
        ] {
            assert_eq!(Ack::from_byte(ack.to_byte()), ack);
        }
    }
}
