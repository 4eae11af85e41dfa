//! The checks a particle passes before the node spends anything on it: alive, not from the
//! future, a TTL within bounds, signed by its init peer, not a replay.
//!
//! A replay is a particle the node already received bit for bit: same init peer, id,
//! signature and data. The same particle coming back with new data (a flow that visits a
//! peer twice) is not a replay. Entries live until the particle's deadline, and the cache
//! is bounded: when it is full of live entries, new particles are refused rather than let
//! in unchecked.
//!
//! The same particle coming back (with new data) carries the same signature over the same
//! bytes: it is verified once, and later deliveries find its digest among the verified
//! ones (entries live until the particle's deadline; as many as the replay cache).

use std::collections::{BTreeSet, HashMap};

use weft_core::Particle;

use crate::metrics::Dropped;

/// What admission needs to know.
#[derive(Debug, Clone)]
pub(crate) struct AdmissionConfig {
    pub max_ttl_ms: u32,
    pub max_clock_skew_ms: u64,
    pub max_replay_entries: usize,
}

/// A particle's fingerprint: its init peer, id, signature and data, hashed.
type Fingerprint = [u8; 32];

#[derive(Debug)]
pub(crate) struct Admission {
    config: AdmissionConfig,
    seen: HashMap<Fingerprint, u64>,
    by_deadline: BTreeSet<(u64, Fingerprint)>,
    /// Digests of the signed parts of particles whose signature verified.
    verified: HashMap<Fingerprint, u64>,
    verified_by_deadline: BTreeSet<(u64, Fingerprint)>,
}

impl Admission {
    pub(crate) fn new(config: AdmissionConfig) -> Self {
        Self {
            config,
            seen: HashMap::new(),
            by_deadline: BTreeSet::new(),
            verified: HashMap::new(),
            verified_by_deadline: BTreeSet::new(),
        }
    }

    /// Admits `particle` at `now_ms` (ms since the Unix epoch), or says why not.
    pub(crate) fn check(&mut self, particle: &Particle, now_ms: u64) -> Result<(), Dropped> {
        if particle.is_expired(now_ms) {
            return Err(Dropped::Expired);
        }
        if particle.ttl > self.config.max_ttl_ms {
            return Err(Dropped::TtlTooLong);
        }
        if particle.timestamp > now_ms.saturating_add(self.config.max_clock_skew_ms) {
            return Err(Dropped::FromTheFuture);
        }
        let fingerprint = fingerprint(particle);
        if self.seen.contains_key(&fingerprint) {
            return Err(Dropped::Replayed);
        }
        self.forget_expired(now_ms);
        if self.seen.len() >= self.config.max_replay_entries {
            return Err(Dropped::Overloaded);
        }
        // Verify after the cheap checks: a signature costs tens of microseconds.
        let deadline = particle.deadline();
        let signed = signed_digest(particle);
        if !self.verified.contains_key(&signed) {
            particle.verify().map_err(|_| Dropped::BadSignature)?;
            if self.verified.len() < self.config.max_replay_entries {
                self.verified.insert(signed, deadline);
                self.verified_by_deadline.insert((deadline, signed));
            }
        }
        self.seen.insert(fingerprint, deadline);
        self.by_deadline.insert((deadline, fingerprint));
        Ok(())
    }

    fn forget_expired(&mut self, now_ms: u64) {
        forget(&mut self.seen, &mut self.by_deadline, now_ms);
        forget(&mut self.verified, &mut self.verified_by_deadline, now_ms);
    }
}

fn forget(
    entries: &mut HashMap<Fingerprint, u64>,
    by_deadline: &mut BTreeSet<(u64, Fingerprint)>,
    now_ms: u64,
) {
    while let Some(&(deadline, fingerprint)) = by_deadline.first() {
        if deadline > now_ms {
            break;
        }
        by_deadline.pop_first();
        entries.remove(&fingerprint);
    }
}

/// Everything the init peer's signature covers, and the signature, hashed.
fn signed_digest(particle: &Particle) -> Fingerprint {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&particle.init_peer.to_bytes());
    hasher.update(&(particle.id.len() as u64).to_le_bytes());
    hasher.update(particle.id.as_bytes());
    hasher.update(&particle.timestamp.to_le_bytes());
    hasher.update(&particle.ttl.to_le_bytes());
    hasher.update(&(particle.script.len() as u64).to_le_bytes());
    hasher.update(particle.script.as_bytes());
    hasher.update(&particle.signature.to_bytes());
    *hasher.finalize().as_bytes()
}

fn fingerprint(particle: &Particle) -> Fingerprint {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&particle.init_peer.to_bytes());
    hasher.update(&(particle.id.len() as u64).to_le_bytes());
    hasher.update(particle.id.as_bytes());
    hasher.update(&particle.signature.to_bytes());
    hasher.update(&particle.data);
    *hasher.finalize().as_bytes()
}

#[cfg(test)]
mod tests {
    use weft_core::KeyPair;

    use super::*;

    const NOW: u64 = 1_700_000_000_000;

    fn admission(max_replay_entries: usize) -> Admission {
        Admission::new(AdmissionConfig {
            max_ttl_ms: 60_000,
            max_clock_skew_ms: 1_000,
            max_replay_entries,
        })
    }

    fn particle(id: &str, ttl: u32) -> Particle {
        Particle::new(
            &KeyPair::from_seed([1; 32]),
            id.into(),
            NOW,
            ttl,
            "(null)".into(),
        )
    }

    #[test]
    fn each_check_drops_what_it_should() {
        let mut a = admission(10);
        assert_eq!(a.check(&particle("a", 10), NOW + 10), Err(Dropped::Expired));
        assert_eq!(
            a.check(&particle("b", 60_001), NOW),
            Err(Dropped::TtlTooLong)
        );
        assert_eq!(
            a.check(&particle("c", 1000), NOW - 1_001),
            Err(Dropped::FromTheFuture)
        );
        let mut forged = particle("d", 1000);
        forged.script = "(seq (null) (null))".into();
        assert_eq!(a.check(&forged, NOW), Err(Dropped::BadSignature));
        let good = particle("e", 1000);
        assert_eq!(a.check(&good, NOW), Ok(()));
        assert_eq!(a.check(&good, NOW), Err(Dropped::Replayed));
        // The same particle with more data is the flow coming back, not a replay.
        let mut back = good.clone();
        back.data.push(1);
        assert_eq!(a.check(&back, NOW), Ok(()));
        // Its signature was verified once; reusing it over another script still fails.
        let mut forged = good.clone();
        forged.script = "(seq (null) (null))".into();
        forged.data.push(2);
        assert_eq!(a.check(&forged, NOW), Err(Dropped::BadSignature));
    }

    #[test]
    fn the_cache_is_bounded_and_forgets_at_the_deadline() {
        let mut a = admission(2);
        assert_eq!(a.check(&particle("a", 1000), NOW), Ok(()));
        assert_eq!(a.check(&particle("b", 5000), NOW), Ok(()));
        assert_eq!(a.check(&particle("c", 5000), NOW), Err(Dropped::Overloaded));
        // "a" expired at NOW + 1000: its entry makes room.
        assert_eq!(a.check(&particle("c", 5000), NOW + 1000), Ok(()));
        assert_eq!(a.seen.len(), 2);
    }
}
