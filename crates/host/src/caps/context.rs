//! The `context` capability: the current call's [`CallContext`](crate::CallContext).

use crate::caps::wit::context::{CallContext, Host, Origin};
use crate::state::State;

impl Host for State {
    fn current(&mut self) -> CallContext {
        let call = &self.call;
        CallContext {
            particle_id: call.particle_id.clone(),
            init_peer: call.init_peer.clone(),
            caller: call.caller.clone(),
            service_id: if call.service_id.is_empty() {
                self.caps.service_id.clone()
            } else {
                call.service_id.clone()
            },
            arguments: call
                .arguments
                .iter()
                .map(|a| {
                    a.as_ref().map(|o| Origin {
                        peer: o.peer.clone(),
                        service: o.service.clone(),
                        function: o.function.clone(),
                        lens: o.lens.clone(),
                    })
                })
                .collect(),
        }
    }
}
