//! Services on the client peer: the conventions of Aqua-compiled flows and the handlers
//! an application registers.

use std::{
    collections::{BTreeMap, HashMap},
    fmt,
    sync::{Arc, PoisonError, RwLock},
};

use serde_json::Value;
use weft_air::{CallRequest, CallResult};
use weft_core::PeerId;

use super::ClientError;

/// A call to a registered service on this client.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceCall {
    pub function: String,
    pub args: Vec<Value>,
    pub particle_id: String,
    pub init_peer: PeerId,
}

/// Answers calls to one service: `Ok(value)` is the call's result, `Err(message)` a failed
/// call the flow can catch with `xor`.
pub type ServiceHandler = Arc<dyn Fn(ServiceCall) -> Result<Value, String> + Send + Sync>;

/// Registered services, shared by the handles and the client task.
#[derive(Clone, Default)]
pub(crate) struct Services {
    handlers: Arc<RwLock<HashMap<String, ServiceHandler>>>,
}

impl fmt::Debug for Services {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let handlers = self.handlers.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_set().entries(handlers.keys()).finish()
    }
}

impl Services {
    pub(crate) fn register(&self, name: String, handler: ServiceHandler) {
        let mut handlers = self
            .handlers
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        handlers.insert(name, handler);
    }

    pub(crate) fn unregister(&self, name: &str) -> bool {
        let mut handlers = self
            .handlers
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        handlers.remove(name).is_some()
    }

    fn get(&self, name: &str) -> Option<ServiceHandler> {
        let handlers = self.handlers.read().unwrap_or_else(PoisonError::into_inner);
        handlers.get(name).cloned()
    }
}

/// What a flow told the client through the conventions, for the particle's waiter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event {
    Response(Vec<Value>),
    Error(ClientError),
}

/// What a call on this peer may see of its particle.
pub(crate) struct CallScope<'a> {
    pub(crate) services: &'a Services,
    pub(crate) particle_id: &'a str,
    pub(crate) init_peer: PeerId,
    pub(crate) relay: PeerId,
    /// The flow's arguments: present only on particles this client started, so the
    /// conventions answer only flows that are this client's own.
    pub(crate) args: Option<&'a BTreeMap<String, Value>>,
}

impl CallScope<'_> {
    /// Executes one call request on this peer; conventions first, then registered services.
    pub(crate) fn answer(&self, request: CallRequest, events: &mut Vec<Event>) -> CallResult {
        if let Some(args) = self.args {
            match (request.service.as_str(), request.function.as_str()) {
                ("getDataSrv", "-relay-") => {
                    return CallResult::Ok(Value::String(self.relay.to_string()));
                }
                ("getDataSrv", name) => {
                    return match args.get(name) {
                        Some(value) => CallResult::Ok(value.clone()),
                        None => failed(format!(
                            "getDataSrv: the flow reads argument '{name}', which was not given"
                        )),
                    };
                }
                ("callbackSrv", "response") => {
                    events.push(Event::Response(request.args));
                    return CallResult::Ok(Value::Null);
                }
                ("errorHandlingSrv", "error") => {
                    events.push(Event::Error(flow_error(&request.args)));
                    return CallResult::Ok(Value::Null);
                }
                _ => {}
            }
        }
        let Some(handler) = self.services.get(&request.service) else {
            // Flows compiled from Aqua run small steps on the init peer (`math.sub` for
            // `xs.length - 1`, `op.identity`, ...): serve the pure builtins as nodes do.
            if let Some(result) =
                crate::builtins::call_pure(&request.service, &request.function, &request.args)
            {
                return match result {
                    Ok(value) => CallResult::Ok(value),
                    Err(message) => failed(message),
                };
            }
            return failed(format!(
                "service '{}' is not registered on this client peer",
                request.service
            ));
        };
        let call = ServiceCall {
            function: request.function,
            args: request.args,
            particle_id: self.particle_id.to_owned(),
            init_peer: self.init_peer,
        };
        match handler(call) {
            Ok(value) => CallResult::Ok(value),
            Err(message) => failed(message),
        }
    }
}

fn failed(message: String) -> CallResult {
    CallResult::Err {
        ret_code: 1,
        message: Value::String(message),
    }
}

/// The error `errorHandlingSrv.error(err, n)` reports; `err` is an AIR error object.
fn flow_error(args: &[Value]) -> ClientError {
    let error = args.first().unwrap_or(&Value::Null);
    let text = |field: &str| match error.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let message = match error.get("message") {
        Some(_) => text("message"),
        None => error.to_string(),
    };
    ClientError::Flow {
        code: error.get("error_code").and_then(Value::as_i64).unwrap_or(0),
        message,
        peer: text("peer_id"),
        instruction: text("instruction"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(service: &str, function: &str, args: Vec<Value>) -> CallRequest {
        CallRequest {
            id: weft_air::CallId(1),
            node: weft_air::NodeId(0),
            service: service.into(),
            function: function.into(),
            provenance: vec![weft_air::Provenance::Literal; args.len()],
            args,
        }
    }

    #[test]
    fn conventions_answer_only_own_particles() {
        let services = Services::default();
        let me = weft_core::KeyPair::from_seed([1; 32]).peer_id();
        let relay = weft_core::KeyPair::from_seed([2; 32]).peer_id();
        let args = BTreeMap::from([("x".to_owned(), json!(5))]);
        let mut scope = CallScope {
            services: &services,
            particle_id: "p",
            init_peer: me,
            relay,
            args: Some(&args),
        };
        let mut events = Vec::new();
        let get = |name: &str| request("getDataSrv", name, vec![]);
        assert_eq!(
            scope.answer(get("x"), &mut events),
            CallResult::Ok(json!(5))
        );
        assert_eq!(
            scope.answer(get("-relay-"), &mut events),
            CallResult::Ok(json!(relay.to_string()))
        );
        assert!(matches!(
            scope.answer(get("missing"), &mut events),
            CallResult::Err { ret_code: 1, .. }
        ));
        let error =
            json!({"error_code": 10001, "message": "no", "peer_id": "B", "instruction": "i"});
        scope.answer(
            request("errorHandlingSrv", "error", vec![error, json!(0)]),
            &mut events,
        );
        scope.answer(
            request("callbackSrv", "response", vec![json!(1), json!(2)]),
            &mut events,
        );
        assert_eq!(
            events,
            [
                Event::Error(ClientError::Flow {
                    code: 10001,
                    message: "no".into(),
                    peer: "B".into(),
                    instruction: "i".into()
                }),
                Event::Response(vec![json!(1), json!(2)])
            ]
        );

        scope.args = None;
        assert!(matches!(
            scope.answer(get("x"), &mut events),
            CallResult::Err { ret_code: 1, .. }
        ));
        services.register("echo".into(), Arc::new(|call| Ok(json!(call.args))));
        assert_eq!(
            scope.answer(request("echo", "f", vec![json!("a")]), &mut events),
            CallResult::Ok(json!(["a"]))
        );
    }
}
