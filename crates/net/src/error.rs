use std::time::Duration;

use libp2p::Multiaddr;
use weft_core::PeerId;

use crate::Refusal;

/// What went wrong in the network layer. Peer ids are boxed to keep results small.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    #[error("cannot use the node key for libp2p: {0}")]
    Identity(String),
    #[error("cannot set up the libp2p transports: {0}")]
    Transport(String),
    #[error("cannot listen on {addr}: {reason} (check the address and that the port is free)")]
    Listen { addr: Multiaddr, reason: String },
    #[error("cannot dial {target}: {reason}")]
    Dial { target: String, reason: String },
    #[error(
        "found no address for peer {0}: it is not connected, not known and Kademlia did not find it"
    )]
    PeerNotFound(Box<PeerId>),
    #[error("sending to {peer} took longer than {after:?} (the send timeout)")]
    Timeout { peer: Box<PeerId>, after: Duration },
    #[error("peer {peer} refused the particle: {reason}")]
    Refused { peer: Box<PeerId>, reason: Refusal },
    #[error("sending to {peer} failed: {reason}")]
    SendFailed { peer: Box<PeerId>, reason: String },
    #[error(
        "the encoded particle is {len} bytes, over the frame limit of {limit} (see ParticleLimits)"
    )]
    TooLarge { len: usize, limit: usize },
    #[error("peer {0} is blocked: unblock it first")]
    Blocked(Box<PeerId>),
    #[error("cannot send a particle to the local peer over the network")]
    SendToSelf,
    #[error("peer {0} does not have an ed25519 key; Weft peers are ed25519 peers")]
    NotEd25519(String),
    #[error("the network task has stopped")]
    Stopped,
}
