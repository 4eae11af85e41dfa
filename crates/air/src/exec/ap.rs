//! `ap` (copy a value into a scalar, stream or stream map) and `canon`
//! (freeze a stream on one peer, so every peer sees the same order).

use std::{rc::Rc, sync::Arc};

use serde_json::{Map, Value};

use super::{
    Exec, Res, Stop,
    env::CanonVal,
    errors,
    hard::HardError,
    key,
    resolve::map_key_text,
    stream::Elem,
    val::{Prov, Val},
};
use crate::{
    Ap, ApTarget, Canon, CanonKind, Instr,
    data::{CanonElem, Entry, ValueRef},
};

impl<'s> Exec<'s, '_> {
    pub(super) fn ap(&mut self, instr: &'s Instr, ap: &'s Ap) -> Res<()> {
        match ap {
            Ap::Value { source, target } => {
                let val = self.resolve(source)?;
                match target {
                    ApTarget::Scalar(name) => self.set_scalar(name, val)?,
                    ApTarget::Stream(name) => {
                        let id = self.stream_id(name, false);
                        let elem = Elem {
                            key: key::node(self.ctx, instr.id.0),
                            val,
                            map_key: None,
                            rank: None,
                        };
                        self.append(id, name.as_str(), elem)?;
                    }
                }
            }
            Ap::MapInsert { key, value, map } => {
                let map_key = self.resolve(key)?;
                let valid = match map_key.get() {
                    Value::String(_) => true,
                    Value::Number(n) => n.is_i64() || n.is_u64(),
                    _ => false,
                };
                if !valid {
                    return Err(Stop::Catch(errors::bad_map_key(&format!("%{map}"))));
                }
                let val = self.resolve(value)?;
                let id = self.stream_id(map, true);
                let elem = Elem {
                    key: key::node(self.ctx, instr.id.0),
                    val,
                    map_key: Some(Box::new(map_key)),
                    rank: None,
                };
                self.append(id, map.as_str(), elem)?;
            }
        }
        Ok(())
    }

    pub(super) fn canon_instr(&mut self, instr: &'s Instr, canon: &'s Canon) -> Res<()> {
        let peer = self.text(&canon.peer, wrong_peer_type)?;
        let key = key::node(self.ctx, instr.id.0);
        let (result, sent) = self.store.lookup(key);
        let elems = match result {
            Some(produced) => {
                if *produced.producer != *peer {
                    return Err(HardError::WrongProducer {
                        what: "a canon",
                        expected: peer.into_owned(),
                        actual: produced.producer.to_string(),
                    }
                    .into());
                }
                match &produced.entry {
                    Entry::Canon(elems) => elems.clone(),
                    _ => return Err(HardError::WrongEntryKind { what: "a canon" }.into()),
                }
            }
            None if *peer == *self.current => {
                let elems = self.freeze(canon)?;
                let current = self.current.clone();
                self.store
                    .record(key, Entry::Canon(elems.clone()), &current);
                elems
            }
            None => {
                if !sent {
                    self.out.next_peers.insert(peer.into_owned());
                    let current = self.current.clone();
                    self.store.record(key, Entry::Sent, &current);
                }
                return Err(Stop::Wait);
            }
        };
        let vals: Rc<[Val]> = elems
            .iter()
            .map(|e| Val::new(e.value.value.clone(), Prov::Stored(e.provenance.clone())))
            .collect();
        let keys = || -> Rc<[Val]> {
            elems
                .iter()
                .map(|e| match &e.map_key {
                    Some(k) => Val::new(k.value.clone(), Prov::Literal),
                    None => Val::literal(Value::Null),
                })
                .collect()
        };
        match &canon.kind {
            CanonKind::Stream { canon, .. } => {
                let value = CanonVal {
                    elems: vals,
                    keys: None,
                };
                self.env.set_canon(self.nid(canon), value, false);
            }
            CanonKind::Map { canon, .. } => {
                let value = CanonVal {
                    elems: vals,
                    keys: Some(keys()),
                };
                self.env.set_canon(self.nid(canon), value, true);
            }
            CanonKind::MapToScalar { scalar, .. } => {
                // One value per key: the first in the frozen order.
                let mut object = Map::new();
                for (k, v) in keys().iter().zip(vals.iter()) {
                    object
                        .entry(map_key_text(k.get()))
                        .or_insert_with(|| v.get().clone());
                }
                let provs: Rc<[Prov]> = vals.iter().map(|v| v.prov.clone()).collect();
                let val = Val::new(Arc::new(Value::Object(object)), Prov::Many(provs));
                self.set_scalar(scalar, val)?;
            }
        }
        Ok(())
    }

    /// The stream's elements now, as a canon entry.
    fn freeze(&mut self, canon: &'s Canon) -> Res<Arc<[CanonElem]>> {
        let (name, map) = match &canon.kind {
            CanonKind::Stream { stream, .. } => (stream, false),
            CanonKind::Map { map, .. } | CanonKind::MapToScalar { map, .. } => (map, true),
        };
        let id = self.stream_id(name, map);
        let max_depth = self.params.limits.max_depth;
        let too_deep = || HardError::ResultTooLarge {
            service: "canon".to_owned(),
            function: name.to_string(),
            problem: format!("nested deeper than the limit of {max_depth}"),
        };
        let elems: Vec<Elem> = self.streams.elems(&id).to_vec();
        let mut out = Vec::with_capacity(elems.len());
        for elem in elems {
            let map_key = match &elem.map_key {
                Some(k) => {
                    let (k, _) = ValueRef::new(k.shared(), max_depth).map_err(|_| too_deep())?;
                    Some(self.store.intern(k))
                }
                None => None,
            };
            let (value, _) = ValueRef::new(elem.val.shared(), max_depth).map_err(|_| too_deep())?;
            out.push(CanonElem {
                map_key,
                value: self.store.intern(value),
                provenance: Arc::new(elem.val.prov.materialize()),
            });
        }
        Ok(out.into())
    }
}

fn wrong_peer_type(variable: &str, actual: &Value) -> errors::CatchErr {
    errors::wrong_type(variable, "string", actual)
}
