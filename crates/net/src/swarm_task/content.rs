//! The Swarm task's side of content by hash: provider records in Kademlia, chunk requests
//! out, chunk requests in (read from the [`ContentSource`] on a blocking thread, then
//! answered here).

use std::{collections::HashMap, sync::Arc};

use libp2p::{
    kad,
    request_response::{self, Message, OutboundRequestId, ResponseChannel},
};
use tokio::sync::mpsc;
use weft_core::PeerId;

use super::{Reply, SwarmTask};
use crate::{
    NetError,
    content::{ChunkRequest, ChunkResponse, ContentKey, ContentSource, MAX_CHUNK},
    identity,
};

/// Chunk reads at once for other peers; further requests are answered `Busy`.
const MAX_READS: usize = 8;

pub(super) type ProvidersReply = Reply<Result<Vec<PeerId>, NetError>>;
type ChunkReply = Reply<Result<ChunkResponse, NetError>>;
/// A chunk read for a peer, ready to go back on its stream.
pub(super) type Answer = (ResponseChannel<ChunkResponse>, ChunkResponse);

pub(super) struct Content {
    source: Option<Arc<dyn ContentSource>>,
    reads: usize,
    answers: mpsc::Sender<Answer>,
    lookups: HashMap<kad::QueryId, ProvidersReply>,
    announcing: HashMap<kad::QueryId, Reply<Result<(), NetError>>>,
    fetches: HashMap<OutboundRequestId, (PeerId, ChunkReply)>,
}

impl Content {
    pub(super) fn new() -> (Self, mpsc::Receiver<Answer>) {
        let (answers, receiver) = mpsc::channel(MAX_READS);
        let content = Self {
            source: None,
            reads: 0,
            answers,
            lookups: HashMap::new(),
            announcing: HashMap::new(),
            fetches: HashMap::new(),
        };
        (content, receiver)
    }

    pub(super) fn sweep(&mut self) {
        self.lookups.retain(|_, reply| !reply.is_closed());
        self.announcing.retain(|_, reply| !reply.is_closed());
        self.fetches.retain(|_, (_, reply)| !reply.is_closed());
    }
}

impl SwarmTask {
    pub(super) fn serve_content(&mut self, source: Arc<dyn ContentSource>) {
        self.content.source = Some(source);
    }

    pub(super) fn provide(&mut self, key: ContentKey, reply: Reply<Result<(), NetError>>) {
        let started = self
            .swarm
            .behaviour_mut()
            .kad
            .start_providing(kad::RecordKey::new(&key));
        match started {
            Ok(query) => {
                self.content.announcing.insert(query, reply);
            }
            Err(e) => {
                let _ = reply.send(Err(NetError::Transport(format!(
                    "cannot announce content: {e}"
                ))));
            }
        }
    }

    /// An announcement reached the closest peers, or found none to reach: the record is in
    /// the local store either way, and Kademlia republishes it.
    pub(super) fn on_provided(
        &mut self,
        query: kad::QueryId,
        result: Result<kad::AddProviderOk, kad::AddProviderError>,
    ) {
        if let Err(e) = result {
            tracing::debug!("content announcement incomplete: {e}");
        }
        if let Some(reply) = self.content.announcing.remove(&query) {
            let _ = reply.send(Ok(()));
        }
    }

    pub(super) fn find_providers(&mut self, key: ContentKey, reply: ProvidersReply) {
        let query = self
            .swarm
            .behaviour_mut()
            .kad
            .get_providers(kad::RecordKey::new(&key));
        self.content.lookups.insert(query, reply);
    }

    /// A step of a provider lookup: the first providers found answer it.
    pub(super) fn on_providers(
        &mut self,
        query: kad::QueryId,
        result: Result<kad::GetProvidersOk, kad::GetProvidersError>,
        last: bool,
    ) {
        let found = match result {
            Ok(kad::GetProvidersOk::FoundProviders { providers, .. }) => providers,
            Ok(kad::GetProvidersOk::FinishedWithNoAdditionalRecord { .. })
            | Err(kad::GetProvidersError::Timeout { .. }) => Default::default(),
        };
        if found.is_empty() && !last {
            return;
        }
        if let Some(reply) = self.content.lookups.remove(&query) {
            let peers = found.iter().filter_map(|p| identity::to_weft(p).ok());
            let _ = reply.send(Ok(peers.collect()));
        }
        if let Some(mut query) = self.swarm.behaviour_mut().kad.query_mut(&query) {
            query.finish();
        }
    }

    pub(super) fn fetch_chunk(&mut self, peer: PeerId, request: ChunkRequest, reply: ChunkReply) {
        if peer == self.local {
            let _ = reply.send(Err(NetError::SendToSelf));
            return;
        }
        let id = self
            .swarm
            .behaviour_mut()
            .content
            .send_request(&identity::to_libp2p(&peer), request);
        self.content.fetches.insert(id, (peer, reply));
    }

    pub(super) fn on_content_event(
        &mut self,
        event: request_response::Event<ChunkRequest, ChunkResponse>,
    ) {
        match event {
            request_response::Event::Message {
                message:
                    Message::Request {
                        request, channel, ..
                    },
                ..
            } => self.on_chunk_request(request, channel),
            request_response::Event::Message {
                message:
                    Message::Response {
                        request_id,
                        response,
                    },
                ..
            } => {
                if let Some((_, reply)) = self.content.fetches.remove(&request_id) {
                    let _ = reply.send(Ok(response));
                }
            }
            request_response::Event::OutboundFailure {
                request_id, error, ..
            } => {
                if let Some((peer, reply)) = self.content.fetches.remove(&request_id) {
                    let _ = reply.send(Err(NetError::SendFailed {
                        peer: Box::new(peer),
                        reason: error.to_string(),
                    }));
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, "inbound content request failed: {error}");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    fn on_chunk_request(&mut self, request: ChunkRequest, channel: ResponseChannel<ChunkResponse>) {
        let source = match &self.content.source {
            Some(source) if self.content.reads < MAX_READS => Arc::clone(source),
            // Nothing to serve, or busy serving: the fetcher tries another provider.
            _ => {
                self.answer((channel, ChunkResponse::NotHere));
                return;
            }
        };
        self.content.reads += 1;
        let answers = self.content.answers.clone();
        tokio::spawn(async move {
            let read = tokio::task::spawn_blocking(move || {
                let len = request.len.min(MAX_CHUNK);
                match source.read(&request.key, request.offset, len) {
                    None => ChunkResponse::NotHere,
                    Some((_, total)) if request.offset > total => ChunkResponse::PastEnd,
                    Some((mut bytes, total)) => {
                        bytes.truncate(len as usize);
                        ChunkResponse::Chunk { total, bytes }
                    }
                }
            });
            let response = read.await.unwrap_or(ChunkResponse::NotHere);
            // Err: the Swarm task has stopped; nobody is left to answer.
            let _ = answers.send((channel, response)).await;
        });
    }

    /// A read for a peer finished: its answer goes back on the peer's stream.
    pub(super) fn on_answer(&mut self, answer: Answer) {
        self.content.reads = self.content.reads.saturating_sub(1);
        self.answer(answer);
    }

    fn answer(&mut self, (channel, response): Answer) {
        // Err means the stream is gone already: the fetcher gave up.
        let _ = self
            .swarm
            .behaviour_mut()
            .content
            .send_response(channel, response);
    }
}
