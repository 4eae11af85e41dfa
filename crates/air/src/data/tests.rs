//! Laws of the data: merge is a union (idempotent, commutative, associative),
//! the codec round-trips and never panics, and bad batches are rejected
//! without changing the receiver.

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{Value, json};
use weft_core::{KeyPair, PublicKey};

use super::{Batch, CanonElem, Data, Entry, EntryKey, ValueRef};
use crate::{Error, Limits, PeerKeys, Provenance};

const PARTICLE: &str = "particle";
const PEERS: usize = 4;

fn keypair(i: usize) -> KeyPair {
    KeyPair::from_seed([i as u8 + 1; 32])
}

fn peer(i: usize) -> String {
    format!("p{i}")
}

struct Keys;

impl PeerKeys for Keys {
    fn public_key(&self, peer: &str) -> Option<PublicKey> {
        let i: usize = peer.strip_prefix('p')?.parse().ok()?;
        (i < PEERS).then(|| keypair(i).public_key())
    }
}

fn value(v: Value) -> ValueRef {
    ValueRef::new(Arc::new(v), 64).map(|(v, _)| v).unwrap()
}

/// The only result ever produced at key `k`: so generated data never conflict.
fn result_at(k: u8) -> Entry {
    match k % 3 {
        0 => Entry::Ok(value(json!({"k": k, "big": "shared payload"}))),
        1 => Entry::Err {
            ret_code: i64::from(k),
            message: value(json!(format!("failed {k}"))),
        },
        _ => Entry::Canon(
            vec![CanonElem {
                map_key: k.is_multiple_of(2).then(|| value(json!("key"))),
                value: value(json!([k, "shared payload"])),
                provenance: Arc::new(Provenance::Call {
                    peer: "p0".into(),
                    service: "s".into(),
                    function: "f".into(),
                    lens: ".$.[0]".into(),
                }),
            }]
            .into(),
        ),
    }
}

/// Key `k` belongs to peer `k % PEERS`: only it may record a result there.
fn key(k: u8) -> EntryKey {
    EntryKey(u128::from(k) * 0x0123_4567_89ab_cdef_0011 + 5)
}

fn batch(producer: usize, keys: &[(u8, bool)]) -> Batch {
    let mut entries: Vec<(EntryKey, Entry)> = keys
        .iter()
        .map(|&(k, want_result)| {
            let owned = usize::from(k) % PEERS == producer;
            let entry = if want_result && owned {
                result_at(k)
            } else {
                Entry::Sent
            };
            (key(k), entry)
        })
        .collect();
    entries.sort_by_key(|(k, _)| *k);
    entries.dedup_by_key(|(k, _)| *k);
    Batch::sign(&keypair(producer), PARTICLE, peer(producer).into(), entries)
}

fn data(batches: Vec<Batch>) -> Data {
    let mut data = Data::default();
    for batch in batches {
        data.insert_trusted(batch);
    }
    data
}

fn arb_data() -> impl Strategy<Value = Data> {
    let batch = (
        0..PEERS,
        prop::collection::vec((0u8..24, any::<bool>()), 0..6),
    )
        .prop_map(|(producer, keys)| batch(producer, &keys));
    prop::collection::vec(batch, 0..5).prop_map(data)
}

fn merged(a: &Data, b: &Data) -> Data {
    let mut out = a.clone();
    out.merge(b.clone(), PARTICLE, &Keys).unwrap();
    out
}

proptest! {
    // Signing and verifying dominate; debug builds make them slow.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn merge_is_idempotent(a in arb_data()) {
        prop_assert_eq!(merged(&a, &a), a.clone());
        let ab = merged(&a, &Data::default());
        prop_assert_eq!(ab, a);
    }

    #[test]
    fn merge_is_commutative(a in arb_data(), b in arb_data()) {
        let ab = merged(&a, &b);
        let ba = merged(&b, &a);
        prop_assert_eq!(ab.to_bytes(), ba.to_bytes());
        prop_assert_eq!(ab, ba);
    }

    #[test]
    fn merge_is_associative(a in arb_data(), b in arb_data(), c in arb_data()) {
        prop_assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn codec_roundtrips(a in arb_data()) {
        let bytes = a.to_bytes();
        let back = Data::from_bytes(&bytes, &Limits::default()).unwrap();
        prop_assert_eq!(back.to_bytes(), bytes);
        prop_assert_eq!(back, a);
    }

}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Data::from_bytes(&bytes, &Limits::default());
        let mut framed = b"WFTD\x01".to_vec();
        framed.extend_from_slice(&bytes);
        let _ = Data::from_bytes(&framed, &Limits::default());
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn tampered_byte_is_rejected(
        keys in prop::collection::vec((0u8..24, any::<bool>()), 1..6),
        producer in 0..PEERS,
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let original = data(vec![batch(producer, &keys)]);
        // The genuine batch verified once: the process's memo of verified
        // signatures must not let a forged variant through.
        prop_assert!(Data::default().merge(original.clone(), PARTICLE, &Keys).is_ok());
        let mut bytes = original.to_bytes();
        let at = at.index(bytes.len());
        bytes[at] ^= flip;
        if let Ok(forged) = Data::from_bytes(&bytes, &Limits::default()) {
            let prev = data(vec![batch((producer + 1) % PEERS, &[(1, true)])]);
            let mut receiver = prev.clone();
            let result = receiver.merge(forged, PARTICLE, &Keys);
            prop_assert!(result.is_err(), "a flipped byte at {} was accepted", at);
            prop_assert_eq!(receiver, prev);
        }
    }
}

fn rejected_code(result: Result<(), Error>) -> i64 {
    match result {
        Err(Error::Rejected { code, .. }) => code,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn wrong_key_and_unknown_producer_are_rejected() {
    let entries = vec![(key(0), result_at(0))];
    let forged = Batch::sign(&keypair(1), PARTICLE, peer(0).into(), entries.clone());
    let mut receiver = Data::default();
    let code = rejected_code(receiver.merge(data(vec![forged]), PARTICLE, &Keys));
    assert_eq!(code, 20101);
    let stranger = Batch::sign(&keypair(1), PARTICLE, "zz".into(), entries.clone());
    let code = rejected_code(receiver.merge(data(vec![stranger]), PARTICLE, &Keys));
    assert_eq!(code, 20100);
    // A batch signed for another particle does not verify here.
    let replayed = Batch::sign(&keypair(0), "other", peer(0).into(), entries);
    let code = rejected_code(receiver.merge(data(vec![replayed]), PARTICLE, &Keys));
    assert_eq!(code, 20101);
    assert!(receiver.is_empty());
}

#[test]
fn conflicting_results_are_rejected() {
    let one = Batch::sign(
        &keypair(0),
        PARTICLE,
        peer(0).into(),
        vec![(key(0), Entry::Ok(value(json!(1))))],
    );
    let two = Batch::sign(
        &keypair(0),
        PARTICLE,
        peer(0).into(),
        vec![(key(0), Entry::Ok(value(json!(2))))],
    );
    let mut receiver = data(vec![one]);
    let before = receiver.clone();
    assert_eq!(
        rejected_code(receiver.merge(data(vec![two]), PARTICLE, &Keys)),
        20102
    );
    assert_eq!(receiver, before);
}

#[test]
fn result_beats_sent_marker() {
    let marker = batch(1, &[(0, false)]);
    let result = batch(0, &[(0, true)]);
    for (first, second) in [(marker.clone(), result.clone()), (result, marker)] {
        let mut d = data(vec![first]);
        d.merge(data(vec![second]), PARTICLE, &Keys).unwrap();
        let slot = d.slot(key(0)).unwrap();
        assert!(slot.sent);
        assert!(matches!(
            slot.result.as_ref().map(|p| &p.entry),
            Some(Entry::Ok(_))
        ));
        assert_eq!(slot.result.as_ref().unwrap().producer.as_ref(), "p0");
    }
}

#[test]
fn equal_values_are_stored_and_encoded_once() {
    let big = json!("x".repeat(10_000));
    let a = Batch::sign(
        &keypair(0),
        PARTICLE,
        peer(0).into(),
        vec![(key(0), Entry::Ok(value(big.clone())))],
    );
    let b = Batch::sign(
        &keypair(1),
        PARTICLE,
        peer(1).into(),
        vec![(key(1), Entry::Ok(value(big)))],
    );
    let mut d = data(vec![a]);
    d.merge(data(vec![b]), PARTICLE, &Keys).unwrap();
    let bytes = d.to_bytes();
    assert!(bytes.len() < 11_000, "encoded {} bytes", bytes.len());
    let held: Vec<_> = [key(0), key(1)]
        .iter()
        .map(
            |k| match &d.slot(*k).unwrap().result.as_ref().unwrap().entry {
                Entry::Ok(v) => v.value.clone(),
                _ => unreachable!(),
            },
        )
        .collect();
    assert!(Arc::ptr_eq(&held[0], &held[1]));
}

#[test]
fn decoder_rejects_non_canonical_and_oversized_input() {
    let d = data(vec![batch(0, &[(0, true), (4, true)])]);
    let bytes = d.to_bytes();
    let limits = Limits {
        max_data_bytes: bytes.len() - 1,
        ..Limits::default()
    };
    assert!(matches!(
        Data::from_bytes(&bytes, &limits),
        Err(Error::Rejected { code: 20107, .. })
    ));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(Data::from_bytes(&trailing, &Limits::default()).is_err());
    let shallow = Limits {
        max_depth: 0,
        ..Limits::default()
    };
    assert!(Data::from_bytes(&bytes, &shallow).is_err());
    assert!(Data::from_bytes(b"WFTD\x02", &Limits::default()).is_err());
    assert!(Data::from_bytes(b"", &Limits::default()).is_err());
    // A count far beyond the input is refused before anything is reserved.
    let huge = b"WFTD\x01\xff\xff\xff\xff\xff\xff\xff\xff\x7f";
    assert!(Data::from_bytes(huge, &Limits::default()).is_err());
}

#[test]
fn large_values_are_shared_across_data() {
    let big = json!("y".repeat(super::shared::MIN_SHARED_BYTES * 2));
    let batch = Batch::sign(
        &keypair(0),
        PARTICLE,
        peer(0).into(),
        vec![(key(0), Entry::Ok(value(big)))],
    );
    let bytes = data(vec![batch]).to_bytes();
    let held = |d: &Data| match &d.slot(key(0)).unwrap().result.as_ref().unwrap().entry {
        Entry::Ok(v) => v.value.clone(),
        _ => unreachable!(),
    };
    let one = Data::from_bytes(&bytes, &Limits::default()).unwrap();
    let two = Data::from_bytes(&bytes, &Limits::default()).unwrap();
    assert!(Arc::ptr_eq(&held(&one), &held(&two)));
}

/// A producer whose public key is the identity point: the "signature"
/// (R = identity, s = 0) passes ed25519's plain one-at-a-time check for every
/// message. Merge refuses it, alone or among other batches.
#[test]
fn a_weak_key_s_universal_signature_is_rejected() {
    struct WeakKeys;
    impl PeerKeys for WeakKeys {
        fn public_key(&self, peer: &str) -> Option<PublicKey> {
            let mut identity = [0; 32];
            identity[0] = 1;
            match peer {
                "weak" => PublicKey::from_bytes(&identity).ok(),
                _ => Keys.public_key(peer),
            }
        }
    }
    let mut signature = weft_core::Signature([0; 64]);
    signature.0[0] = 1;
    let forged = Batch {
        producer: "weak".into(),
        signature,
        entries: vec![(key(0), result_at(0))],
    };
    let message = forged.signing_message(PARTICLE);
    let weak = WeakKeys.public_key("weak").unwrap();
    assert!(
        weak.verify(&message, &signature).is_ok(),
        "the plain check accepts it"
    );
    let mut receiver = Data::default();
    let alone = receiver.merge(data(vec![forged.clone()]), PARTICLE, &WeakKeys);
    assert_eq!(rejected_code(alone), 20101);
    let among = receiver.merge(
        data(vec![forged, batch(0, &[(1, true)])]),
        PARTICLE,
        &WeakKeys,
    );
    assert_eq!(rejected_code(among), 20101);
    assert!(receiver.is_empty());
}
