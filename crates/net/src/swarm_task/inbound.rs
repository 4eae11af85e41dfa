//! Inbound particle frames: into the inbox, or refused with a reason.

use libp2p::request_response::{self, InboundFailure, Message, ResponseChannel};
use tokio::sync::mpsc::error::TrySendError;

use super::SwarmTask;
use crate::{
    Inbound, Refusal,
    codec::{Ack, Frame},
    identity,
    stats::Stats,
};

impl SwarmTask {
    pub(super) fn on_particle_event(&mut self, event: request_response::Event<Frame, Ack>) {
        match event {
            request_response::Event::Message {
                peer,
                message:
                    Message::Request {
                        request, channel, ..
                    },
                ..
            } => self.on_frame(peer, request, channel),
            request_response::Event::Message {
                message:
                    Message::Response {
                        request_id,
                        response,
                    },
                ..
            } => self.on_response(request_id, response),
            request_response::Event::OutboundFailure {
                request_id, error, ..
            } => self.on_outbound_failure(request_id, error),
            request_response::Event::InboundFailure { peer, error, .. } => {
                self.on_inbound_failure(peer, error)
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    fn on_frame(&mut self, peer: libp2p::PeerId, frame: Frame, channel: ResponseChannel<Ack>) {
        let ack = match (identity::to_weft(&peer), frame) {
            (Ok(from), Frame::Incoming(Ok(particle))) => {
                match self.inbox.try_send(Inbound {
                    from,
                    particle: *particle,
                }) {
                    Ok(()) => {
                        Stats::bump(&self.stats.particles_in);
                        Ack::Accepted
                    }
                    Err(TrySendError::Full(refused)) => {
                        Stats::bump(&self.stats.inbox_full);
                        let id = &refused.particle.id;
                        tracing::debug!(%peer, particle = %id, "inbox full: refusing the particle");
                        Ack::Refused(Refusal::Busy)
                    }
                    Err(TrySendError::Closed(_)) => Ack::Refused(Refusal::Closing),
                }
            }
            (_, Frame::Incoming(Err(error))) => {
                Stats::bump(&self.stats.frames_rejected);
                tracing::warn!(%peer, "dropping an undecodable particle frame: {error}");
                Ack::Refused(Refusal::Malformed)
            }
            // `Links` refuses non-ed25519 peers and the codec only reads
            // `Incoming` frames, so neither arm is reached; refuse all the same.
            (Err(_), _) | (_, Frame::Outgoing(_)) => Ack::Refused(Refusal::Malformed),
        };
        // Err means the stream is gone already: there is nobody left to tell.
        let _ = self
            .swarm
            .behaviour_mut()
            .particles
            .send_response(channel, ack);
    }

    fn on_inbound_failure(&mut self, peer: libp2p::PeerId, error: InboundFailure) {
        // Oversized frames never get here: the codec counts them (see `codec`).
        tracing::debug!(%peer, "inbound particle stream failed: {error}");
    }
}
