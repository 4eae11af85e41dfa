//! A client peer: runs flows from outside the network through a relay node.
//!
//! A client is a Weft peer without services of its own (beyond the ones an application
//! registers): it connects to one node, its *relay*, starts particles signed with its key,
//! runs the interpreter on them locally as their init peer, and receives them back when the
//! flow calls it. It answers the conventions that flows compiled from Aqua use on the init
//! peer: `getDataSrv.NAME` returns the argument `NAME`, `getDataSrv."-relay-"` the relay's
//! peer id, `callbackSrv.response(...)` delivers the result and
//! `errorHandlingSrv.error(err, n)` an error.
//!
//! ```no_run
//! use std::collections::BTreeMap;
//! use weft_core::KeyPair;
//! use weft_node::client::{Client, ClientConfig};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let relay = "/ip4/127.0.0.1/tcp/7001/p2p/12D3KooW...".parse()?;
//! let client = Client::connect(ClientConfig::new(KeyPair::generate(), relay)).await?;
//! let script = r#"
//!   (seq
//!     (seq
//!       (call %init_peer_id% ("getDataSrv" "-relay-") [] relay)
//!       (call %init_peer_id% ("getDataSrv" "name") [] name))
//!     (seq
//!       (call relay ("op" "concat_strings") ["hello " name] greeting)
//!       (call %init_peer_id% ("callbackSrv" "response") [greeting])))"#;
//! let args = BTreeMap::from([("name".to_owned(), serde_json::json!("ann"))]);
//! let result = client.execute(script, args).await?;
//! # Ok(()) }
//! ```
//!
//! # Task topology
//!
//! [`Client`] is a cheap handle to one task (`task`) that owns every particle the client
//! knows: its own, and foreign ones addressed to its registered services. The task reads
//! the network inbox and a bounded command channel, runs the interpreter for each delivery
//! (`particle`), and hands each outgoing copy to a send task (`send`) that retries until the
//! receiver acknowledges it or the particle expires, redialing the relay meanwhile: this is
//! what carries a session over a relay restart. A periodic check redials the relay when
//! the connection is gone, so the relay can deliver particles back.

mod config;
mod local;
mod particle;
pub mod script;
mod send;
mod task;
#[cfg(test)]
mod tests;

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use weft_core::PeerId;
use weft_net::{NetConfig, NetError, Network};

pub use config::ClientConfig;
pub use local::{ServiceCall, ServiceHandler};

use local::Services;
use task::{Command, Submit};

/// What can go wrong for a client.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    #[error(
        "relay address {0} does not end with /p2p/<peer id>: append the relay's peer id \
         (the node prints it when it starts)"
    )]
    RelayAddress(String),
    #[error("cannot start the client's network: {0}")]
    Network(NetError),
    #[error("cannot connect to relay {addr}: {reason} (is the node running and reachable?)")]
    Connect { addr: String, reason: String },
    #[error("relay {addr} answered as peer {actual}: check the /p2p/ part of the address")]
    WrongRelay { addr: String, actual: String },
    #[error("the script is not valid AIR: {0}")]
    Script(String),
    /// The flow reported an error (through `errorHandlingSrv.error`, or an error no `xor`
    /// caught on this peer).
    #[error("the flow failed on peer {peer} with error {code}: {message}")]
    Flow {
        code: i64,
        message: String,
        /// The peer the error was raised on, as the error object names it.
        peer: String,
        /// The failing instruction, when the error object names it.
        instruction: String,
    },
    #[error(
        "no response within {0:?}: the flow may not call callbackSrv.response on the init \
         peer, or a peer on its path is unreachable"
    )]
    Timeout(Duration),
    #[error(
        "{0} particles are already in flight on this client: wait for some to finish or \
         raise ClientConfig::max_particles"
    )]
    Busy(usize),
    #[error("the client has shut down")]
    Closed,
}

/// A connected client peer; cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    commands: mpsc::Sender<Command>,
    network: Network,
    services: Services,
    peer_id: PeerId,
    relay: PeerId,
    timeout: Duration,
    limits: weft_air::Limits,
}

impl Client {
    /// Starts the client's network, connects to the relay and waits until it is connected.
    pub async fn connect(config: ClientConfig) -> Result<Client, ClientError> {
        let relay_addr = config.relay.clone();
        let relay = config.relay_peer()?;
        let net_config = NetConfig::client(config.keypair.clone(), vec![relay_addr.clone()])
            .with_particle_limits(config.particle_limits.clone())
            .with_send_timeout(config.send_timeout);
        let (network, inbox) = Network::spawn(net_config)
            .await
            .map_err(ClientError::Network)?;
        let connect_error = |reason: String| ClientError::Connect {
            addr: relay_addr.to_string(),
            reason,
        };
        let dialed = tokio::time::timeout(config.connect_timeout, network.dial(relay_addr.clone()))
            .await
            .map_err(|_| {
                connect_error(format!("no connection within {:?}", config.connect_timeout))
            })?
            .map_err(|e| connect_error(e.to_string()))?;
        if dialed != relay {
            return Err(ClientError::WrongRelay {
                addr: relay_addr.to_string(),
                actual: dialed.to_string(),
            });
        }
        let services = Services::default();
        let (commands, receiver) = mpsc::channel(config.command_queue.max(1));
        let peer_id = config.keypair.peer_id();
        let timeout = config.timeout;
        let limits = config.limits.clone();
        task::spawn(task::Setup {
            config,
            relay,
            network: network.clone(),
            inbox,
            commands: receiver,
            services: services.clone(),
        });
        Ok(Client {
            inner: Arc::new(Inner {
                commands,
                network,
                services,
                peer_id,
                relay,
                timeout,
                limits,
            }),
        })
    }

    /// This client's peer id (`%init_peer_id%` of the particles it starts).
    pub fn peer_id(&self) -> PeerId {
        self.inner.peer_id
    }

    /// The relay's peer id (what `getDataSrv."-relay-"` returns).
    pub fn relay(&self) -> PeerId {
        self.inner.relay
    }

    /// The client's network handle (tests use it to cut links).
    pub fn network(&self) -> &Network {
        &self.inner.network
    }

    /// Runs `script` with `args` (served by `getDataSrv`) and waits for the values the flow
    /// passes to `callbackSrv.response` on this peer, up to [`ClientConfig::timeout`].
    pub async fn execute(
        &self,
        script: &str,
        args: BTreeMap<String, Value>,
    ) -> Result<Vec<Value>, ClientError> {
        self.execute_within(script, args, self.inner.timeout).await
    }

    /// [`Client::execute`] with its own timeout.
    pub async fn execute_within(
        &self,
        script: &str,
        args: BTreeMap<String, Value>,
        timeout: Duration,
    ) -> Result<Vec<Value>, ClientError> {
        let (reply, response) = oneshot::channel();
        self.submit(script, args, Some(reply)).await?;
        match tokio::time::timeout(timeout, response).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(ClientError::Closed),
            Err(_) => Err(ClientError::Timeout(timeout)),
        }
    }

    /// Starts `script` and returns its particle id once the particle is on its way, without
    /// waiting for a response (a response, if the flow sends one, is dropped).
    pub async fn send(
        &self,
        script: &str,
        args: BTreeMap<String, Value>,
    ) -> Result<String, ClientError> {
        self.submit(script, args, None).await
    }

    /// Serves calls to `name` on this peer with `handler` (replacing any earlier handler
    /// for `name`), for particles started here and ones other peers send here.
    pub fn register_service(
        &self,
        name: impl Into<String>,
        handler: impl Fn(ServiceCall) -> Result<Value, String> + Send + Sync + 'static,
    ) {
        self.inner.services.register(name.into(), Arc::new(handler));
    }

    /// Stops serving `name`; returns whether it was registered.
    pub fn unregister_service(&self, name: &str) -> bool {
        self.inner.services.unregister(name)
    }

    /// Stops the client task and its network.
    pub async fn shutdown(&self) -> Result<(), ClientError> {
        let (reply, done) = oneshot::channel();
        if self
            .inner
            .commands
            .send(Command::Shutdown(reply))
            .await
            .is_err()
        {
            return Ok(());
        }
        done.await.map_err(|_| ClientError::Closed)
    }

    async fn submit(
        &self,
        script: &str,
        args: BTreeMap<String, Value>,
        response: Option<oneshot::Sender<Result<Vec<Value>, ClientError>>>,
    ) -> Result<String, ClientError> {
        let parsed = weft_air::parse_with_limits(script, &self.inner.limits)
            .map_err(|e| ClientError::Script(e.to_string()))?;
        let (accepted, started) = oneshot::channel();
        let submit = Submit {
            source: script.to_owned(),
            script: Arc::new(parsed),
            args,
            response,
            accepted,
        };
        self.inner
            .commands
            .send(Command::Submit(Box::new(submit)))
            .await
            .map_err(|_| ClientError::Closed)?;
        started.await.map_err(|_| ClientError::Closed)?
    }
}
