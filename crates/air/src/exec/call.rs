//! `call`: use a stored result, record one the host provided, ask the host to
//! make the call here, or send the particle to the peer that must make it.

use std::{rc::Rc, sync::Arc};

use serde_json::Value;

use super::{
    Exec, Res, Stop, errors,
    hard::HardError,
    key,
    stream::Elem,
    val::{CallSite, Prov, Val},
};
use crate::{
    Call, CallOutput, CallRequest, CallResult, Instr,
    data::{Entry, EntryKey, ValueRef},
};

impl<'s> Exec<'s, '_, '_> {
    pub(super) fn call(&mut self, instr: &'s Instr, call: &'s Call) -> Res<()> {
        let peer = self.triplet(&call.peer)?;
        let service = self.triplet(&call.service)?;
        let function = self.triplet(&call.function)?;
        let key = key::node(self.ctx, instr.id.0);
        let (result, sent) = self.store.lookup(key);
        if let Some(produced) = result {
            if *produced.producer != *peer {
                return Err(HardError::WrongProducer {
                    what: "a call",
                    expected: peer,
                    actual: produced.producer.to_string(),
                }
                .into());
            }
            let entry = produced.entry.clone();
            let site = CallSite {
                peer,
                service,
                function,
            };
            return self.use_result(call, entry, site, key);
        }
        let args = call
            .args
            .iter()
            .map(|arg| self.resolve(arg))
            .collect::<Res<Vec<Val>>>()?;
        if *peer == *self.current {
            let id = key.call_id();
            if let Some(result) = self.call_results.remove(&id) {
                let entry = self.record_result(result, &service, &function, key)?;
                let site = CallSite {
                    peer,
                    service,
                    function,
                };
                return self.use_result(call, entry, site, key);
            }
            self.out.requests.insert(
                id,
                CallRequest {
                    id,
                    node: instr.id,
                    service,
                    function,
                    args: args.iter().map(|arg| arg.get().clone()).collect(),
                    provenance: args.iter().map(|arg| arg.prov.materialize()).collect(),
                },
            );
            return Err(Stop::Wait);
        }
        if !sent {
            self.out.next_peers.insert(peer);
            let current = self.current.clone();
            self.store.record(key, Entry::Sent, &current);
        }
        Err(Stop::Wait)
    }

    /// A triplet part (peer, service or function) must be a string.
    fn triplet(&self, value: &'s crate::Value) -> Res<String> {
        let val = self.resolve(value)?;
        match val.get() {
            Value::String(text) => Ok(text.clone()),
            other => Err(Stop::Catch(errors::non_string_triplet(
                &crate::value_to_string(value),
                other,
            ))),
        }
    }

    fn use_result(
        &mut self,
        call: &'s Call,
        entry: Entry,
        site: CallSite,
        key: EntryKey,
    ) -> Res<()> {
        let value = match entry {
            Entry::Ok(value) => value.value,
            Entry::Err { ret_code, message } => {
                return Err(Stop::Catch(errors::service_error(
                    ret_code,
                    &message.value,
                    &site.peer,
                )));
            }
            Entry::Canon(_) | Entry::Sent => {
                return Err(HardError::WrongEntryKind { what: "a call" }.into());
            }
        };
        let val = Val::new(value, Prov::Call(Rc::new(site)));
        match &call.output {
            CallOutput::None => {}
            CallOutput::Scalar(name) => self.env.set_scalar(name.as_str(), val),
            CallOutput::Stream(name) => {
                let id = (self.env.stream(name.as_str(), false), name.as_str(), false);
                let elem = Elem {
                    key,
                    val,
                    map_key: None,
                };
                self.streams
                    .append(id, elem, self.params.limits.max_stream_len)?;
            }
        }
        Ok(())
    }

    /// Checks a result the host provided and records it as this peer's entry.
    fn record_result(
        &mut self,
        result: CallResult,
        service: &str,
        function: &str,
        key: EntryKey,
    ) -> Result<Entry, HardError> {
        let entry = match result {
            CallResult::Ok(value) => Entry::Ok(self.checked_value(value, service, function)?),
            CallResult::Err { ret_code, message } => Entry::Err {
                ret_code,
                message: self.checked_value(message, service, function)?,
            },
        };
        let current = self.current.clone();
        self.store.record(key, entry.clone(), &current);
        Ok(entry)
    }

    fn checked_value(
        &mut self,
        value: Value,
        service: &str,
        function: &str,
    ) -> Result<ValueRef, HardError> {
        let limits = self.params.limits;
        let too_large = |problem: String| HardError::ResultTooLarge {
            service: service.to_owned(),
            function: function.to_owned(),
            problem,
        };
        let (value, size) = ValueRef::new(Arc::new(value), limits.max_depth).map_err(|_| {
            too_large(format!(
                "nested deeper than the limit of {}",
                limits.max_depth
            ))
        })?;
        if size > limits.max_call_result_bytes {
            return Err(too_large(format!(
                "{size} bytes, over the limit of {} bytes",
                limits.max_call_result_bytes
            )));
        }
        Ok(self.store.intern(value))
    }
}
