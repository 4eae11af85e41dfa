//! Executing the call requests the interpreter makes on this peer.
//!
//! A call goes to the first of: a pure builtin (`op`, `math`, ...: inline, no timeout), a
//! stateful builtin (`peer`, `kad`, `srv`, `dist`), a hosted service by id or alias (on a
//! blocking thread). Everything but pure builtins runs under the per-call timeout. Every
//! failure becomes a [`CallResult::Err`], the same path a service's own error takes, so a
//! flow's `xor` catches it.

mod dist;
mod peer;
mod srv;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;
use weft_air::{CallRequest, CallResult, Provenance};
use weft_core::PeerId;
use weft_host::{CallContext, Origin};

use crate::metrics::{CallEnd, Metrics};
use crate::services::Services;
use crate::transport::Transport;

/// `ret_code` of a failed call: the service (or builtin) returned an error.
pub(crate) const SERVICE_ERROR: i64 = 1;
/// `ret_code` of a call to a service this node does not have.
pub(crate) const NO_SUCH_SERVICE: i64 = 2;
/// `ret_code` of a call that did not finish within the call timeout.
pub(crate) const TIMED_OUT: i64 = 3;

/// What every call on this node shares.
#[derive(Debug)]
pub(crate) struct CallHost {
    pub peer_id: PeerId,
    pub services: Arc<Services>,
    pub transport: Arc<dyn Transport>,
    pub metrics: Arc<Metrics>,
    pub timeout: Duration,
}

/// The particle a call belongs to.
#[derive(Debug, Clone)]
pub(crate) struct ParticleInfo {
    pub id: String,
    pub init_peer: PeerId,
    /// When the particle dies.
    pub deadline: Instant,
}

/// Why a call failed: a return code and a message for the flow.
pub(crate) type Failure = (i64, String);

pub(crate) fn fail(message: impl Into<String>) -> Failure {
    (SERVICE_ERROR, message.into())
}

impl CallHost {
    /// Executes one call request and says how it ended.
    pub(crate) async fn execute(
        &self,
        particle: &ParticleInfo,
        mut request: CallRequest,
    ) -> CallResult {
        // The arguments move into the call: they may be megabytes (`dist.add_module`).
        let args = std::mem::take(&mut request.args);
        let result = match crate::builtins::call_pure(&request.service, &request.function, &args) {
            Some(pure) => pure.map_err(fail),
            None => self.execute_effectful(particle, &request, args).await,
        };
        match result {
            Ok(value) => {
                self.metrics.call(CallEnd::Ok);
                CallResult::Ok(value)
            }
            Err((ret_code, message)) => {
                let end = if ret_code == TIMED_OUT {
                    CallEnd::Timeout
                } else {
                    CallEnd::Error
                };
                self.metrics.call(end);
                tracing::debug!(
                    service = %request.service, function = %request.function, ret_code, %message,
                    "call failed"
                );
                CallResult::Err {
                    ret_code,
                    message: Value::String(message),
                }
            }
        }
    }

    async fn execute_effectful(
        &self,
        particle: &ParticleInfo,
        request: &CallRequest,
        args: Vec<Value>,
    ) -> Result<Value, Failure> {
        match (request.service.as_str(), request.function.as_str()) {
            // `peer.timeout` is a timer by design: it may last until the particle dies.
            ("peer", "timeout") => return peer::timeout(&args, particle.deadline).await,
            // Compiling a component takes as long as its size needs (a large Python
            // component, seconds), bounded by `max_component_bytes`; cutting the call
            // short would not stop the compile on its blocking thread anyway.
            ("dist", "add_module" | "commit") => {
                return self.route(particle, request, args).await;
            }
            _ => {}
        }
        let call = self.route(particle, request, args);
        match tokio::time::timeout(self.timeout, call).await {
            Ok(result) => result,
            Err(_) => Err((
                TIMED_OUT,
                format!(
                    "{}.{} did not finish within the call timeout of {} ms",
                    request.service,
                    request.function,
                    self.timeout.as_millis()
                ),
            )),
        }
    }

    async fn route(
        &self,
        particle: &ParticleInfo,
        request: &CallRequest,
        args: Vec<Value>,
    ) -> Result<Value, Failure> {
        let function = &request.function;
        match request.service.as_str() {
            "peer" => peer::call(self, function, &args).await,
            "kad" => peer::kad(self, function, &args).await,
            "srv" => {
                let services = Arc::clone(&self.services);
                let (function, caller) = (function.clone(), particle.init_peer);
                blocking(move || srv::call(&services, &function, &args, &caller)).await
            }
            "dist" => {
                let services = Arc::clone(&self.services);
                let (function, caller) = (function.clone(), particle.init_peer);
                blocking(move || dist::call(&services, &function, &args, &caller)).await
            }
            _ => self.call_hosted(particle, request, args).await,
        }
    }

    async fn call_hosted(
        &self,
        particle: &ParticleInfo,
        request: &CallRequest,
        args: Vec<Value>,
    ) -> Result<Value, Failure> {
        let Some(service) = self.services.lookup(&request.service) else {
            return Err((
                NO_SUCH_SERVICE,
                format!(
                    "no service {:?} on peer {}: neither a builtin nor a hosted service id or alias",
                    request.service, self.peer_id
                ),
            ));
        };
        let context = CallContext {
            particle_id: particle.id.clone(),
            init_peer: particle.init_peer.to_string(),
            caller: self.peer_id.to_string(),
            service_id: service.id().to_owned(),
            arguments: request.provenance.iter().map(origin).collect(),
        };
        let function = request.function.clone();
        let args = Value::Array(args);
        blocking(move || {
            service
                .call(&function, &args, context)
                .map_err(|e| fail(e.to_string()))
        })
        .await
    }
}

/// Runs `work` on a blocking thread; a panic there is a failed call, not a dead node.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(fail(format!("the call failed inside the node: {e}"))))
}

fn origin(provenance: &Provenance) -> Option<Origin> {
    match provenance {
        Provenance::Call {
            peer,
            service,
            function,
            lens,
        } => Some(Origin {
            peer: peer.clone(),
            service: service.clone(),
            function: function.clone(),
            lens: lens.clone(),
        }),
        _ => None,
    }
}

/// Argument `index` as a string, or an error naming the function and the argument.
pub(crate) fn string_arg<'a>(
    function: &str,
    args: &'a [Value],
    index: usize,
    name: &str,
) -> Result<&'a str, Failure> {
    match args.get(index) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(fail(format!(
            "{function}: argument {name} must be a string, got {other}"
        ))),
        None => Err(fail(format!("{function}: argument {name} is missing"))),
    }
}

/// An optional argument in Aqua's encoding: absent, `null`, `[]`, `[x]` or a bare `x`.
pub(crate) fn optional_arg(args: &[Value], index: usize) -> Option<&Value> {
    match args.get(index) {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.len() <= 1 => items.first(),
        Some(value) => Some(value),
    }
}

pub(crate) fn unknown_function(service: &str, function: &str, known: &[&str]) -> Failure {
    (
        NO_SUCH_SERVICE,
        format!(
            "builtin service {service} has no function {function:?}; it has: {}",
            known.join(", ")
        ),
    )
}
