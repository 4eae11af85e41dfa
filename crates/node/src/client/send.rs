//! Delivering one particle copy to one peer, again and again until the peer acknowledges
//! it or the particle expires: a relay that restarts gets what it had not acknowledged.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use tokio::{sync::Semaphore, time::Instant};
use weft_core::{Particle, PeerId};
use weft_net::{Multiaddr, Network};

const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Milliseconds since the Unix epoch, the particle clock.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The instant a particle with this deadline (ms since the epoch) expires.
pub(crate) fn instant_of(deadline_ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms()))
}

/// Where and how to send.
#[derive(Debug, Clone)]
pub(crate) struct Sender {
    pub(crate) network: Network,
    pub(crate) relay: PeerId,
    pub(crate) relay_addr: Multiaddr,
    /// Bounds deliveries in progress.
    pub(crate) permits: Arc<Semaphore>,
}

impl Sender {
    /// Spawns the delivery of `particle` to `to`.
    pub(crate) fn spawn(&self, to: PeerId, particle: Arc<Particle>) {
        let sender = self.clone();
        tokio::spawn(async move { sender.deliver(to, particle).await });
    }

    async fn deliver(self, to: PeerId, particle: Arc<Particle>) {
        let deadline = instant_of(particle.deadline());
        let Ok(_permit) = self.permits.acquire().await else {
            return;
        };
        let mut backoff = FIRST_BACKOFF;
        loop {
            let error = match self.network.send(to, Arc::clone(&particle)).await {
                Ok(()) => return,
                Err(error) => error,
            };
            if Instant::now() + backoff >= deadline {
                tracing::warn!(particle = %particle.id, %to, %error, "particle expired undelivered");
                return;
            }
            tracing::debug!(particle = %particle.id, %to, %error, ?backoff, "send failed, will retry");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
            if to == self.relay {
                // The relay may have restarted: dial its known address again.
                let _ = self.network.dial(self.relay_addr.clone()).await;
            }
        }
    }
}
