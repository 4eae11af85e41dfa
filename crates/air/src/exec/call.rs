//! `call`: use a stored result, record one the host provided, ask the host to
//! make the call here, or send the particle to the peer that must make it.

use std::{borrow::Cow, rc::Rc, sync::Arc};

use serde_json::Value;

use super::{
    Exec, Res, Stop, errors,
    hard::HardError,
    key,
    stream::Elem,
    val::{CallSite, Prov, Val},
};
use crate::{
    Call, CallOutput, CallRequest, CallResult, Instr, Literal,
    data::{Entry, EntryKey, ValueRef},
};

impl<'s> Exec<'s, '_> {
    pub(super) fn call(&mut self, instr: &'s Instr, call: &'s Call) -> Res<()> {
        let peer = self.text(&call.peer, errors::non_string_triplet)?;
        let service = self.text(&call.service, errors::non_string_triplet)?;
        let function = self.text(&call.function, errors::non_string_triplet)?;
        let key = key::node(self.ctx, instr.id.0);
        let (result, sent) = self.store.lookup(key);
        if let Some(produced) = result {
            if *produced.producer != *peer {
                return Err(HardError::WrongProducer {
                    what: "a call",
                    expected: peer.into_owned(),
                    actual: produced.producer.to_string(),
                }
                .into());
            }
            let entry = produced.entry.clone();
            let site = self.site(instr, &peer, &service, &function);
            return self.use_result(call, entry, site, key);
        }
        if *peer == *self.current {
            let id = key.call_id();
            if let Some(result) = self.call_results.remove(&id) {
                let entry = self.record_result(call, result, &service, &function, key)?;
                let site = self.site(instr, &peer, &service, &function);
                return self.use_result(call, entry, site, key);
            }
            let args = call
                .args
                .iter()
                .map(|arg| self.resolve(arg))
                .collect::<Res<Vec<Val>>>()?;
            self.out.request(CallRequest {
                id,
                node: instr.id,
                service: service.into_owned(),
                function: function.into_owned(),
                args: args.iter().map(|arg| arg.get().clone()).collect(),
                provenance: args.iter().map(|arg| arg.prov.materialize()).collect(),
            });
            return Err(Stop::Wait);
        }
        if !sent {
            self.out.next_peers.insert(peer.into_owned());
            let current = self.current.clone();
            self.store.record(key, Entry::Sent, &current);
        }
        Err(Stop::Wait)
    }

    /// A value that must be a string (a call's peer, service or function, a
    /// canon's peer); borrowed from the script or the parameters when it can be.
    pub(super) fn text(
        &self,
        value: &'s crate::Value,
        wrong: fn(&str, &Value) -> errors::CatchErr,
    ) -> Res<Cow<'s, str>> {
        match value {
            crate::Value::Literal(Literal::String(text)) => return Ok(Cow::Borrowed(text)),
            crate::Value::InitPeerId => return Ok(Cow::Borrowed(self.params.init_peer)),
            _ => {}
        }
        let val = self.resolve(value)?;
        match val.get() {
            Value::String(text) => Ok(Cow::Owned(text.clone())),
            other => Err(Stop::Catch(wrong(&crate::value_to_string(value), other))),
        }
    }

    /// The provenance of a result of `instr`, shared while the triplet repeats.
    fn site(&mut self, instr: &Instr, peer: &str, service: &str, function: &str) -> Rc<CallSite> {
        if let Some(site) = self.sites.get(&instr.id.0)
            && site.peer == peer
            && site.service == service
            && site.function == function
        {
            return site.clone();
        }
        let site = Rc::new(CallSite {
            peer: peer.to_owned(),
            service: service.to_owned(),
            function: function.to_owned(),
        });
        self.sites.insert(instr.id.0, site.clone());
        site
    }

    fn use_result(
        &mut self,
        call: &'s Call,
        entry: Entry,
        site: Rc<CallSite>,
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
        let val = Val::new(value, Prov::Call(site));
        match &call.output {
            CallOutput::None => {}
            CallOutput::Scalar(name) => self.set_scalar(name, val)?,
            CallOutput::Stream(name) => {
                let id = self.stream_id(name, false);
                let elem = Elem {
                    key,
                    val,
                    map_key: None,
                    rank: None,
                };
                self.append(id, name.as_str(), elem)?;
            }
        }
        Ok(())
    }

    /// Checks a result the host provided and records it as this peer's entry.
    fn record_result(
        &mut self,
        call: &'s Call,
        result: CallResult,
        service: &str,
        function: &str,
        key: EntryKey,
    ) -> Result<Entry, HardError> {
        let entry = match result {
            CallResult::Ok(value) => {
                let known = self.known_argument(call, &value);
                match known {
                    Some(value) => Entry::Ok(value),
                    None => Entry::Ok(self.checked_value(value, service, function)?),
                }
            }
            CallResult::Err { ret_code, message } => Entry::Err {
                ret_code,
                message: self.checked_value(message, service, function)?,
            },
        };
        let current = self.current.clone();
        self.store.record(key, entry.clone(), &current);
        Ok(entry)
    }

    /// A result equal to one of the call's arguments that the data already
    /// holds (an identity or pass-through service): reuse it instead of
    /// hashing and storing it again.
    fn known_argument(&self, call: &'s Call, value: &Value) -> Option<ValueRef> {
        for arg in &call.args {
            let Ok(arg) = self.resolve(arg) else {
                continue;
            };
            if let Some(whole) = arg.whole()
                && let Some(hash) = self.store.hash_of(whole)
                && **whole == *value
            {
                return Some(ValueRef {
                    hash,
                    value: whole.clone(),
                });
            }
        }
        None
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
