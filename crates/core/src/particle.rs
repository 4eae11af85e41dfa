//! The particle envelope and its wire format.
//!
//! A particle is what travels between peers: an id, the peer that started it, when it
//! started and how long it lives, the AIR script, the init peer's signature over those,
//! and the data the flow has produced so far. The data is not covered by the init
//! peer's signature: every peer that adds to it signs its own results inside the data
//! (see `weft-air`'s data format), which is what lets data grow as the particle travels.
//!
//! Wire format, version 1 (all integers little-endian, lengths as LEB128 varints):
//!
//! ```text
//! magic "WFP" | version u8 = 1
//! id        varint len | UTF-8 bytes
//! init peer 38 bytes (libp2p multihash of the ed25519 key)
//! timestamp u64 (ms since the Unix epoch)
//! ttl       u32 (ms)
//! script    varint len | UTF-8 bytes
//! signature 64 bytes (ed25519 by the init peer over `signed_bytes`)
//! data      varint len | bytes
//! ```
//!
//! Every length is checked against [`ParticleLimits`] before anything is allocated.

use std::fmt;

use crate::{KeyPair, PeerId, Signature};

const MAGIC: &[u8; 3] = b"WFP";
const VERSION: u8 = 1;
/// Domain separation: a particle signature can never be mistaken for any other
/// signature a Weft key makes (data batches sign a different prefix).
const SIGNING_DOMAIN: &[u8] = b"weft-particle-v1\0";
const PEER_ID_LEN: usize = 38;

/// Bounds applied when decoding a particle from the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticleLimits {
    /// Particle id, bytes (128).
    pub max_id_bytes: usize,
    /// Script text, bytes (1 MiB, as the interpreter's default).
    pub max_script_bytes: usize,
    /// Particle data, bytes (64 MiB, as the interpreter's default).
    pub max_data_bytes: usize,
}

impl Default for ParticleLimits {
    fn default() -> Self {
        Self {
            max_id_bytes: 128,
            max_script_bytes: 1 << 20,
            max_data_bytes: 64 << 20,
        }
    }
}

impl ParticleLimits {
    /// The largest encoded particle these limits admit: a bound for frame sizes.
    pub fn max_encoded_bytes(&self) -> usize {
        // Header, three varints (at most 10 bytes each), peer id, timestamp, ttl, signature.
        4 + 30
            + PEER_ID_LEN
            + 8
            + 4
            + 64
            + self.max_id_bytes
            + self.max_script_bytes
            + self.max_data_bytes
    }
}

/// Why a particle was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParticleError {
    #[error("not a Weft particle (bad magic bytes)")]
    BadMagic,
    #[error("particle format version {0} is not supported (this peer reads version {VERSION})")]
    UnsupportedVersion(u8),
    #[error("particle is truncated: {0} is missing")]
    Truncated(&'static str),
    #[error("particle {field} is {len} bytes, over the limit of {limit}")]
    TooLarge {
        field: &'static str,
        len: u64,
        limit: usize,
    },
    #[error("particle {0} is not valid UTF-8")]
    NotUtf8(&'static str),
    #[error("particle init peer is not an ed25519 peer id")]
    BadInitPeer,
    #[error("particle has {0} bytes after its data")]
    TrailingBytes(usize),
    #[error("particle {0} length is not in its shortest encoding")]
    NonCanonical(&'static str),
    #[error("particle signature does not verify against its init peer {0}")]
    BadSignature(Box<PeerId>),
}

/// A signed request travelling through the network.
#[derive(Clone, PartialEq, Eq)]
pub struct Particle {
    pub id: String,
    pub init_peer: PeerId,
    /// Milliseconds since the Unix epoch, set by the init peer.
    pub timestamp: u64,
    /// Milliseconds the particle lives after `timestamp`.
    pub ttl: u32,
    pub script: String,
    pub signature: Signature,
    /// The flow's data in `weft-air`'s format; opaque here.
    pub data: Vec<u8>,
}

impl fmt::Debug for Particle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Particle")
            .field("id", &self.id)
            .field("init_peer", &self.init_peer)
            .field("timestamp", &self.timestamp)
            .field("ttl", &self.ttl)
            .field("script_bytes", &self.script.len())
            .field("data_bytes", &self.data.len())
            .finish()
    }
}

impl Particle {
    /// A new particle started by `keys`, signed, with empty data.
    pub fn new(keys: &KeyPair, id: String, timestamp: u64, ttl: u32, script: String) -> Self {
        let signature = keys.sign(&signed_bytes(&id, timestamp, ttl, &script));
        Self {
            id,
            init_peer: keys.peer_id(),
            timestamp,
            ttl,
            script,
            signature,
            data: Vec::new(),
        }
    }

    /// The bytes the init peer signs: id, timestamp, ttl and script, length-prefixed.
    pub fn signed_bytes(&self) -> Vec<u8> {
        signed_bytes(&self.id, self.timestamp, self.ttl, &self.script)
    }

    /// Checks the init peer's signature.
    pub fn verify(&self) -> Result<(), ParticleError> {
        self.init_peer
            .public_key()
            .verify(&self.signed_bytes(), &self.signature)
            .map_err(|_| ParticleError::BadSignature(Box::new(self.init_peer)))
    }

    /// The moment (ms since the Unix epoch) after which the particle is dead.
    pub fn deadline(&self) -> u64 {
        self.timestamp.saturating_add(u64::from(self.ttl))
    }

    pub fn is_expired(&self, now_ms: u64) -> bool {
        now_ms >= self.deadline()
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            4 + 30 + PEER_ID_LEN + 76 + self.id.len() + self.script.len() + self.data.len(),
        );
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        put_bytes(&mut out, self.id.as_bytes());
        out.extend_from_slice(&self.init_peer.to_bytes());
        out.extend_from_slice(&self.timestamp.to_le_bytes());
        out.extend_from_slice(&self.ttl.to_le_bytes());
        put_bytes(&mut out, self.script.as_bytes());
        out.extend_from_slice(&self.signature.to_bytes());
        put_bytes(&mut out, &self.data);
        out
    }

    /// Decodes a particle, checking every length against `limits` first. Does not
    /// check the signature or the ttl: see [`Particle::verify`] and [`Particle::is_expired`].
    pub fn decode(bytes: &[u8], limits: &ParticleLimits) -> Result<Self, ParticleError> {
        let mut r = Reader { bytes };
        if r.take(3, "magic")? != MAGIC {
            return Err(ParticleError::BadMagic);
        }
        let version = r.take(1, "version")?[0];
        if version != VERSION {
            return Err(ParticleError::UnsupportedVersion(version));
        }
        let id = r.string("id", limits.max_id_bytes)?;
        let init_peer = PeerId::from_bytes(r.take(PEER_ID_LEN, "init peer")?)
            .map_err(|_| ParticleError::BadInitPeer)?;
        let timestamp = u64::from_le_bytes(r.array("timestamp")?);
        let ttl = u32::from_le_bytes(r.array("ttl")?);
        let script = r.string("script", limits.max_script_bytes)?;
        let signature = Signature(r.array("signature")?);
        let data = r.sized("data", limits.max_data_bytes)?.to_vec();
        if !r.bytes.is_empty() {
            return Err(ParticleError::TrailingBytes(r.bytes.len()));
        }
        Ok(Self {
            id,
            init_peer,
            timestamp,
            ttl,
            script,
            signature,
            data,
        })
    }
}

fn signed_bytes(id: &str, timestamp: u64, ttl: u32, script: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(SIGNING_DOMAIN.len() + 32 + id.len() + script.len());
    out.extend_from_slice(SIGNING_DOMAIN);
    put_bytes(&mut out, id.as_bytes());
    out.extend_from_slice(&timestamp.to_le_bytes());
    out.extend_from_slice(&ttl.to_le_bytes());
    put_bytes(&mut out, script.as_bytes());
    out
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut len = bytes.len() as u64;
    loop {
        let low = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            out.push(low);
            break;
        }
        out.push(low | 0x80);
    }
    out.extend_from_slice(bytes);
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ParticleError> {
        if self.bytes.len() < n {
            return Err(ParticleError::Truncated(what));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], ParticleError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    /// A LEB128 length in its shortest form: one particle has one encoding.
    fn varint(&mut self, what: &'static str) -> Result<u64, ParticleError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1, what)?[0];
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                break;
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return Err(ParticleError::NonCanonical(what));
                }
                return Ok(value);
            }
        }
        // Ten continuation bytes cannot be a length this format writes.
        Err(ParticleError::TooLarge {
            field: what,
            len: u64::MAX,
            limit: 0,
        })
    }

    fn sized(&mut self, what: &'static str, limit: usize) -> Result<&'a [u8], ParticleError> {
        let len = self.varint(what)?;
        if len > limit as u64 {
            return Err(ParticleError::TooLarge {
                field: what,
                len,
                limit,
            });
        }
        // `len <= limit`, so it fits in usize.
        self.take(len as usize, what)
    }

    fn string(&mut self, what: &'static str, limit: usize) -> Result<String, ParticleError> {
        let bytes = self.sized(what, limit)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| ParticleError::NotUtf8(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Particle {
        let keys = KeyPair::from_seed([3; 32]);
        let mut p = Particle::new(
            &keys,
            "p-1".into(),
            1_700_000_000_000,
            60_000,
            "(null)".into(),
        );
        p.data = vec![1, 2, 3];
        p
    }

    #[test]
    fn roundtrip_and_signature() {
        let p = sample();
        let back = Particle::decode(&p.encode(), &ParticleLimits::default()).unwrap();
        assert_eq!(back, p);
        back.verify().unwrap();
    }

    #[test]
    fn data_is_not_signed_but_script_is() {
        let mut p = sample();
        p.data.push(9);
        p.verify().unwrap();
        p.script.push(' ');
        assert_eq!(
            p.verify(),
            Err(ParticleError::BadSignature(Box::new(p.init_peer)))
        );
    }

    #[test]
    fn forged_init_peer_fails() {
        let mut p = sample();
        p.init_peer = KeyPair::from_seed([4; 32]).peer_id();
        assert!(matches!(p.verify(), Err(ParticleError::BadSignature(_))));
    }

    #[test]
    fn limits_are_checked_before_allocating() {
        let mut p = sample();
        p.script = "x".repeat(100);
        let limits = ParticleLimits {
            max_script_bytes: 99,
            ..ParticleLimits::default()
        };
        let err = Particle::decode(&p.encode(), &limits).unwrap_err();
        assert_eq!(
            err,
            ParticleError::TooLarge {
                field: "script",
                len: 100,
                limit: 99
            }
        );
        // A claimed length far past the buffer is refused as too large, not allocated.
        let mut bytes = b"WFP\x01".to_vec();
        bytes.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(matches!(
            Particle::decode(&bytes, &ParticleLimits::default()),
            Err(ParticleError::TooLarge { field: "id", .. })
        ));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample().encode();
        for n in 0..bytes.len() {
            assert!(Particle::decode(&bytes[..n], &ParticleLimits::default()).is_err());
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            Particle::decode(&longer, &ParticleLimits::default()),
            Err(ParticleError::TrailingBytes(1))
        );
    }

    #[test]
    fn expiry() {
        let p = sample();
        assert!(!p.is_expired(p.timestamp + 59_999));
        assert!(p.is_expired(p.timestamp + 60_000));
    }

    #[test]
    fn a_length_in_a_longer_form_than_needed_is_rejected() {
        let mut bytes = sample().encode();
        // The id's length byte follows the magic and version; spell it in two bytes.
        let len = bytes[4];
        bytes.splice(4..5, [len | 0x80, 0x00]);
        assert_eq!(
            Particle::decode(&bytes, &ParticleLimits::default()),
            Err(ParticleError::NonCanonical("id"))
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = Particle::decode(&bytes, &ParticleLimits::default());
        }

        /// The format is canonical: whatever decodes re-encodes to the same bytes.
        #[test]
        fn decoded_particles_reencode_identically(tail in proptest::collection::vec(any::<u8>(), 0..64), cut in 0usize..200) {
            let mut bytes = sample().encode();
            bytes.truncate(cut.min(bytes.len()));
            bytes.extend_from_slice(&tail);
            if let Ok(p) = Particle::decode(&bytes, &ParticleLimits::default()) {
                prop_assert_eq!(p.encode(), bytes);
            }
        }

        #[test]
        fn roundtrip(id in "[a-z0-9-]{0,40}", ts in any::<u64>(), ttl in any::<u32>(),
                     script in ".{0,200}", data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let keys = KeyPair::from_seed([5; 32]);
            let mut p = Particle::new(&keys, id, ts, ttl, script);
            p.data = data;
            let back = Particle::decode(&p.encode(), &ParticleLimits::default()).unwrap();
            prop_assert!(back.verify().is_ok());
            prop_assert_eq!(back, p);
        }
    }
}
