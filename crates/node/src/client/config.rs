//! How a client connects and how long its particles live.

use std::time::Duration;

use weft_core::{KeyPair, ParticleLimits, PeerId};
use weft_net::Multiaddr;

use super::ClientError;

/// A client's settings. [`ClientConfig::new`] gives defaults that suit interactive use.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Signs the particles the client starts; its peer id is their init peer.
    pub keypair: KeyPair,
    /// The relay node's address, ending with `/p2p/<peer id>`.
    pub relay: Multiaddr,
    /// How long particles started here live (60 s).
    pub ttl: Duration,
    /// How long [`super::Client::execute`] waits for a response (30 s).
    pub timeout: Duration,
    /// How long connecting to the relay may take (10 s).
    pub connect_timeout: Duration,
    /// One delivery to a peer, including the dial (5 s); failed deliveries are retried
    /// until the particle expires.
    pub send_timeout: Duration,
    /// How often the client checks its relay connection and redials it when lost (500 ms).
    pub reconnect_interval: Duration,
    /// Particles the client tracks at once, its own and foreign ones (1,024).
    pub max_particles: usize,
    /// Deliveries to peers in progress at once (256); more wait their turn.
    pub max_sends: usize,
    /// Capacity of the command channel from handles to the client task (256).
    pub command_queue: usize,
    /// Bounds on particles received.
    pub particle_limits: ParticleLimits,
    /// Bounds on the interpreter's work and data.
    pub limits: weft_air::Limits,
}

impl ClientConfig {
    pub fn new(keypair: KeyPair, relay: Multiaddr) -> Self {
        Self {
            keypair,
            relay,
            ttl: Duration::from_secs(60),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            send_timeout: Duration::from_secs(5),
            reconnect_interval: Duration::from_millis(500),
            max_particles: 1024,
            max_sends: 256,
            command_queue: 256,
            particle_limits: ParticleLimits::default(),
            limits: weft_air::Limits::default(),
        }
    }

    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The relay's peer id, from the `/p2p/` part of its address.
    pub(crate) fn relay_peer(&self) -> Result<PeerId, ClientError> {
        let text = self.relay.to_string();
        text.rsplit_once("/p2p/")
            .and_then(|(_, id)| id.parse().ok())
            .ok_or(ClientError::RelayAddress(text))
    }

    /// The particle ttl in the envelope's unit (ms), saturating.
    pub(crate) fn ttl_ms(&self) -> u32 {
        u32::try_from(self.ttl.as_millis()).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_peer_comes_from_the_p2p_part() {
        let relay = KeyPair::from_seed([1; 32]).peer_id();
        let addr = format!("/ip4/127.0.0.1/tcp/4000/p2p/{relay}");
        let config = ClientConfig::new(KeyPair::from_seed([2; 32]), addr.parse().unwrap());
        assert_eq!(config.relay_peer().unwrap(), relay);

        let bare = ClientConfig::new(
            KeyPair::from_seed([2; 32]),
            "/ip4/127.0.0.1/tcp/4000".parse().unwrap(),
        );
        let err = bare.relay_peer().unwrap_err();
        assert!(err.to_string().contains("/p2p/<peer id>"), "{err}");
    }
}
