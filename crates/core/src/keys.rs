//! Ed25519 key pairs, public keys and signatures.

use std::fmt;

use ed25519_dalek::{Signer, Verifier};

use crate::PeerId;

/// A peer's secret signing key together with its public half.
#[derive(Clone)]
pub struct KeyPair {
    signing: ed25519_dalek::SigningKey,
}

impl KeyPair {
    /// A fresh key pair from the operating system's randomness.
    pub fn generate() -> Self {
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
        Self::from_seed(seed)
    }

    /// The key pair whose secret key is `seed` (deterministic: same seed, same keys).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self {
            signing: ed25519_dalek::SigningKey::from_bytes(&seed),
        }
    }

    /// The 32-byte secret seed, for storing the key pair.
    pub fn seed(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    /// The secret key as text, the content of Weft key files: base58 of the 32-byte seed.
    pub fn to_secret_text(&self) -> String {
        bs58::encode(self.seed()).into_string()
    }

    /// Reads [`KeyPair::to_secret_text`]'s form; surrounding whitespace is ignored.
    pub fn from_secret_text(text: &str) -> Result<Self, KeyTextError> {
        let text = text.trim();
        // 32 bytes are at most 44 base58 characters; refuse longer text before decoding it.
        if text.len() > 44 {
            return Err(KeyTextError);
        }
        let bytes = bs58::decode(text).into_vec().map_err(|_| KeyTextError)?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| KeyTextError)?;
        Ok(Self::from_seed(seed))
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key())
    }

    pub fn peer_id(&self) -> PeerId {
        PeerId::from_public_key(self.public_key())
    }

    /// Signs `message`. Ed25519 signing is deterministic.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.signing.sign(message).to_bytes())
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret.
        f.debug_struct("KeyPair")
            .field("peer_id", &self.peer_id())
            .finish_non_exhaustive()
    }
}

/// Text that is not a secret key written by [`KeyPair::to_secret_text`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Weft secret key: expected the base58 text of a 32-byte ed25519 seed")]
pub struct KeyTextError;

/// An ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

/// Keys decompressed before, by their bytes. Decompressing a point costs a field
/// inversion (about 10 µs); every particle names its init peer and every batch its
/// producer, and a node meets the same few peers again and again. Bounded: emptied when
/// full.
static DECOMPRESSED: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<[u8; 32], ed25519_dalek::VerifyingKey>>,
> = std::sync::LazyLock::new(Default::default);

/// Entries [`DECOMPRESSED`] holds at most.
const DECOMPRESSED_MAX: usize = 8192;

impl PublicKey {
    /// Parses 32 raw bytes; fails for bytes that are not a point on the curve.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, SignatureError> {
        let cache = || {
            DECOMPRESSED
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(key) = cache().get(bytes) {
            return Ok(Self(*key));
        }
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| SignatureError::BadPublicKey)?;
        let mut cache = cache();
        if cache.len() >= DECOMPRESSED_MAX {
            cache.clear();
        }
        cache.insert(*bytes, key);
        Ok(Self(key))
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Checks that `signature` was made over `message` by this key's secret half.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), SignatureError> {
        let signature = ed25519_dalek::Signature::from_bytes(&signature.0);
        self.0
            .verify(message, &signature)
            .map_err(|_| SignatureError::Invalid)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PublicKey({})",
            bs58::encode(self.to_bytes()).into_string()
        )
    }
}

/// A 64-byte ed25519 signature.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature(pub [u8; 64]);

impl Signature {
    pub fn to_bytes(&self) -> [u8; 64] {
        self.0
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", bs58::encode(self.0).into_string())
    }
}

/// Checks many signatures at once, each `(key, message, signature)`: `Ok` only if
/// every one is valid. About twice as cheap per signature as [`PublicKey::verify`]
/// for tens of signatures, and deterministic (the combining coefficients come
/// from a transcript of the inputs, not from randomness), so every peer reaches
/// the same verdict on the same inputs. A failure does not say which signature
/// is bad: verify them one by one to find out.
pub fn verify_batch(items: &[(PublicKey, &[u8], Signature)]) -> Result<(), SignatureError> {
    match items {
        [] => Ok(()),
        [(key, message, signature)] => key.verify(message, signature),
        _ => {
            let keys: Vec<_> = items.iter().map(|(key, _, _)| key.0).collect();
            let messages: Vec<&[u8]> = items.iter().map(|(_, message, _)| *message).collect();
            let signatures: Vec<_> = items
                .iter()
                .map(|(_, _, signature)| ed25519_dalek::Signature::from_bytes(&signature.0))
                .collect();
            ed25519_dalek::verify_batch(&messages, &signatures, &keys)
                .map_err(|_| SignatureError::Invalid)
        }
    }
}

/// Why a key or a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    #[error("the public key is not a valid ed25519 point")]
    BadPublicKey,
    #[error("the signature does not match the message and the public key")]
    Invalid,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_text_roundtrip_and_rejects_garbage() {
        let keys = KeyPair::from_seed([9; 32]);
        let text = keys.to_secret_text();
        let back = KeyPair::from_secret_text(&format!("  {text}\n")).unwrap();
        assert_eq!(back.peer_id(), keys.peer_id());
        for bad in [
            "",
            "0OIl",
            "abc",
            &"1".repeat(45),
            &bs58::encode([1u8; 31]).into_string(),
        ] {
            assert_eq!(KeyPair::from_secret_text(bad).unwrap_err(), KeyTextError);
        }
    }

    #[test]
    fn signature_checks_message_and_key() {
        let a = KeyPair::from_seed([1; 32]);
        let b = KeyPair::from_seed([2; 32]);
        let sig = a.sign(b"hello");
        assert!(a.public_key().verify(b"hello", &sig).is_ok());
        assert_eq!(
            a.public_key().verify(b"hellO", &sig),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            b.public_key().verify(b"hello", &sig),
            Err(SignatureError::Invalid)
        );
    }

    #[test]
    fn batch_fails_when_any_signature_is_bad() {
        let pairs: Vec<KeyPair> = (0..5u8).map(|i| KeyPair::from_seed([i; 32])).collect();
        let messages: Vec<Vec<u8>> = (0..5u8).map(|i| vec![i; 10 + i as usize]).collect();
        let mut items: Vec<(PublicKey, &[u8], Signature)> = pairs
            .iter()
            .zip(&messages)
            .map(|(pair, message)| (pair.public_key(), message.as_slice(), pair.sign(message)))
            .collect();
        assert_eq!(verify_batch(&items), Ok(()));
        assert_eq!(verify_batch(&items[..1]), Ok(()));
        assert_eq!(verify_batch(&[]), Ok(()));
        // A signature by the wrong key, in the middle of the batch.
        items[2].2 = pairs[3].sign(&messages[2]);
        assert_eq!(verify_batch(&items), Err(SignatureError::Invalid));
        assert_eq!(verify_batch(&items[2..3]), Err(SignatureError::Invalid));
        assert_eq!(verify_batch(&items[3..]), Ok(()));
        // A tampered message.
        items[2].2 = pairs[2].sign(&messages[2]);
        items[4].1 = b"other";
        assert_eq!(verify_batch(&items), Err(SignatureError::Invalid));
    }

    #[test]
    fn seed_roundtrips() {
        let a = KeyPair::generate();
        assert_eq!(KeyPair::from_seed(a.seed()).peer_id(), a.peer_id());
    }

    #[test]
    fn debug_hides_secret() {
        let a = KeyPair::from_seed([9; 32]);
        let text = format!("{a:?}");
        assert!(!text.contains(&bs58::encode([9u8; 32]).into_string()));
    }
}
