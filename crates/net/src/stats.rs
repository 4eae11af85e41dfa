use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Counters of one [`Network`](crate::Network), read with [`Network::stats`](crate::Network::stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NetStats {
    /// Particles received, decoded and put in the inbox.
    pub particles_in: u64,
    /// Particles sent and acknowledged by their receiver.
    pub particles_out: u64,
    /// Inbound frames dropped as oversized or undecodable.
    pub frames_rejected: u64,
    /// Inbound particles refused because the inbox was full.
    pub inbox_full: u64,
    /// Sends that failed: no route, dial failure, timeout, refusal.
    pub send_failures: u64,
    /// Connections open now.
    pub connections: u64,
}

/// The live counters, shared by the Swarm task and every handle.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) particles_in: AtomicU64,
    pub(crate) particles_out: AtomicU64,
    pub(crate) frames_rejected: AtomicU64,
    pub(crate) inbox_full: AtomicU64,
    pub(crate) send_failures: AtomicU64,
    pub(crate) connections: AtomicU64,
}

impl Stats {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }

    pub(crate) fn snapshot(&self) -> NetStats {
        NetStats {
            particles_in: self.particles_in.load(Relaxed),
            particles_out: self.particles_out.load(Relaxed),
            frames_rejected: self.frames_rejected.load(Relaxed),
            inbox_full: self.inbox_full.load(Relaxed),
            send_failures: self.send_failures.load(Relaxed),
            connections: self.connections.load(Relaxed),
        }
    }
}
