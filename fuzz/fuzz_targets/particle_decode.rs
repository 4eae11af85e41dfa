//! Any bytes: decoding a particle returns it or an error, never panics or allocates past
//! the limits; a decoded particle encodes back to the same bytes (the format is canonical),
//! and checking its signature never panics either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft_core::{Particle, ParticleLimits};

fuzz_target!(|bytes: &[u8]| {
    let limits = ParticleLimits::default();
    if let Ok(particle) = Particle::decode(bytes, &limits) {
        assert_eq!(particle.encode(), bytes, "decoded particle re-encodes differently");
        let _ = particle.verify();
    }
});
