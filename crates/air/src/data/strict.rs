//! Signature encodings refused before any curve arithmetic, so that checking
//! many signatures at once (`weft_core::verify_batch`) and one at a time
//! cannot be made to disagree at will.
//!
//! The one-at-a-time check (ed25519-dalek's `verify`) compares the encoding
//! of the point it computes with the signature's `R` bytes, so it refuses a
//! non-canonical encoding of `R`; the batch check decodes `R` and compares
//! points, so it would accept one. A producer could then sign a batch that
//! every peer checking it among others accepts and a peer checking it alone
//! refuses. Refusing non-canonical `R` here closes that. `R` and public keys
//! of small order are refused too: with them one signature can be valid for
//! many messages.
//!
//! Not closed: an `R` or a key with a small-order component (a "mixed order"
//! point). One at a time, such a signature fails; in a batch it passes with
//! probability up to 1/2, depending on the batch's coefficients. Closing it
//! needs cofactored verification on both paths (as ZIP-215), in `weft-core`.

use weft_core::{PublicKey, Signature};

/// The field prime 2^255 - 19, little-endian.
const P: [u8; 32] = {
    let mut p = [0xff; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    p
};

/// The y-coordinates (little-endian) of the eight points of small order:
/// 1 (the identity), p - 1 (order 2), 0 (order 4), and C and p - C (order 8).
const SMALL_ORDER_Y: [[u8; 32]; 5] = [
    {
        let mut one = [0; 32];
        one[0] = 1;
        one
    },
    {
        let mut minus_one = P;
        minus_one[0] = 0xec;
        minus_one
    },
    [0; 32],
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
];

/// Whether `encoding` is the canonical encoding of a point's y-coordinate
/// that is not one of the small-order points'.
fn acceptable_point(encoding: &[u8; 32]) -> bool {
    let mut y = *encoding;
    y[31] &= 0x7f; // the sign of x
    canonical(&y) && !SMALL_ORDER_Y.contains(&y)
}

/// Whether the little-endian `y` is below p.
fn canonical(y: &[u8; 32]) -> bool {
    for (a, b) in y.iter().zip(&P).rev() {
        if a != b {
            return a < b;
        }
    }
    false
}

/// Whether `signature` by `key` may be checked at all (see the module doc).
pub(crate) fn acceptable(key: &PublicKey, signature: &Signature) -> bool {
    let mut r = [0; 32];
    r.copy_from_slice(&signature.0[..32]);
    acceptable_point(&r) && acceptable_point(&key.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listed_y_coordinates_are_points_and_pair_up() {
        // Each is a point's y-coordinate (with either sign of x)...
        for y in SMALL_ORDER_Y {
            assert!(PublicKey::from_bytes(&y).is_ok(), "{y:?} is no point");
            assert!(!acceptable_point(&y));
        }
        // ...and the order-8 ones are y and p - y (for 1 and p - 1 too).
        let sum = |a: &[u8; 32], b: &[u8; 32]| {
            let mut out = [0u8; 32];
            let mut carry = 0u16;
            for i in 0..32 {
                let s = u16::from(a[i]) + u16::from(b[i]) + carry;
                out[i] = s as u8;
                carry = s >> 8;
            }
            out
        };
        assert_eq!(sum(&SMALL_ORDER_Y[3], &SMALL_ORDER_Y[4]), P);
        assert_eq!(sum(&SMALL_ORDER_Y[0], &SMALL_ORDER_Y[1]), P);
    }

    #[test]
    fn genuine_signatures_pass_and_odd_encodings_do_not() {
        let keypair = weft_core::KeyPair::from_seed([9; 32]);
        let signature = keypair.sign(b"message");
        assert!(acceptable(&keypair.public_key(), &signature));
        // R written as y + p (non-canonical): same point, other bytes.
        let mut odd = signature;
        odd.0[..32].copy_from_slice(&{
            let mut y = [0xff; 32];
            y[0] = 0xee; // p + 1, the identity's y written non-canonically
            y[31] = 0x7f;
            y
        });
        assert!(!acceptable(&keypair.public_key(), &odd));
        // A small-order R, and a small-order (weak) key.
        let mut small = signature;
        small.0[..32].copy_from_slice(&SMALL_ORDER_Y[3]);
        assert!(!acceptable(&keypair.public_key(), &small));
        let mut identity = [0; 32];
        identity[0] = 1;
        if let Ok(weak) = PublicKey::from_bytes(&identity) {
            assert!(!acceptable(&weak, &signature));
        }
        assert!(canonical(&SMALL_ORDER_Y[1]) && !canonical(&P));
    }
}
