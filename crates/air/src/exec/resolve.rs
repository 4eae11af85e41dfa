//! Reading values: literals, particle parameters, variables and lenses.

use std::{rc::Rc, sync::Arc};

use serde_json::{Map, Value};

use super::{
    Exec, Res, Stop,
    env::{CanonVal, Lookup},
    errors::{self, CatchErr, show},
    val::{Prov, Val},
};
use crate::{Lens, LensStep, Literal, Name, ast};

/// A lens step with its variable resolved.
enum Step<'a> {
    Field(&'a str),
    OwnedField(String),
    Index(usize),
}

impl Step<'_> {
    fn text(&self) -> String {
        match self {
            Step::Field(name) => format!(".{name}"),
            Step::OwnedField(name) => format!(".{name}"),
            Step::Index(i) => format!(".[{i}]"),
        }
    }
}

impl<'s> Exec<'s, '_> {
    /// The JSON string `text`, one shared allocation per distinct text in a
    /// run: scripts repeat the same few literals (and `%init_peer_id%`) a lot.
    fn string_literal(&self, text: &'s str) -> Arc<Value> {
        let mut literals = self.literals.borrow_mut();
        if let Some((last, value)) = &literals.last
            && *last == text
        {
            return value.clone();
        }
        let value = literals
            .by_text
            .entry(text)
            .or_insert_with(|| Arc::new(Value::String(text.to_owned())))
            .clone();
        literals.last = Some((text, value.clone()));
        value
    }

    pub(crate) fn resolve(&self, value: &'s ast::Value) -> Res<Val> {
        match value {
            ast::Value::Literal(literal) => Ok(match literal {
                Literal::String(text) => Val::new(self.string_literal(text), Prov::Literal),
                Literal::Number(n) => Val::literal(Value::Number(n.clone())),
                Literal::Bool(b) => Val::literal(Value::Bool(*b)),
                Literal::EmptyArray => Val::literal(Value::Array(Vec::new())),
            }),
            ast::Value::InitPeerId => Ok(Val::new(
                self.string_literal(self.params.init_peer),
                Prov::Literal,
            )),
            ast::Value::Timestamp => Ok(Val::literal(self.params.timestamp.into())),
            ast::Value::Ttl => Ok(Val::literal(self.params.ttl.into())),
            ast::Value::Error(lens) => {
                let (object, prov) = match self.errors.last() {
                    Some(error) => (error.object.clone(), error.prov.clone()),
                    None => (errors::no_error(), Prov::Literal),
                };
                self.with_lens(Val::new(object, prov), lens.as_ref())
            }
            ast::Value::LastError(lens) => {
                let val = Val::new(self.last_error.0.clone(), self.last_error.1.clone());
                self.with_lens(val, lens.as_ref())
            }
            ast::Value::Scalar { name, lens } => {
                let val = self.scalar(name)?.clone();
                self.with_lens(val, lens.as_ref())
            }
            ast::Value::ScalarLength(name) => {
                let val = self.scalar(name)?;
                match val.get() {
                    Value::Array(items) => Ok(Val::literal(items.len().into())),
                    other => Err(Stop::Catch(errors::length_of_non_array(other))),
                }
            }
            ast::Value::Canon { name, lens } => {
                let canon = self.canon(name, false)?;
                match lens {
                    None => Ok(canon_value(canon)),
                    Some(lens) => self.canon_lens(canon, lens),
                }
            }
            ast::Value::CanonLength(name) => {
                let canon = self.canon(name, false)?;
                Ok(Val::literal(canon.elems.len().into()))
            }
            ast::Value::CanonMap { name, lens } => {
                let canon = self.canon(name, true)?;
                match lens {
                    None => Ok(canon_map_value(canon)),
                    Some(lens) => self.canon_map_lens(canon, lens),
                }
            }
            ast::Value::Stream(name) => {
                let id = self.stream_id(name, false);
                let elems = self.streams.elems(&id);
                let values = elems.iter().map(|e| e.val.get().clone()).collect();
                let provs: Vec<Prov> = elems.iter().map(|e| e.val.prov.clone()).collect();
                Ok(Val::new(
                    Arc::new(Value::Array(values)),
                    Prov::Many(provs.into()),
                ))
            }
        }
    }

    /// A scalar's value; waits while it is unset (join).
    pub(crate) fn scalar(&self, name: &'s Name) -> Res<&Val> {
        match self.env.scalar(self.nid(name)) {
            Lookup::Set(val) => Ok(val),
            Lookup::Cleared => Err(Stop::Catch(errors::cleared_by_new(name.as_str()))),
            Lookup::Unset => Err(Stop::Wait),
        }
    }

    pub(crate) fn canon(&self, name: &'s Name, map: bool) -> Res<&CanonVal> {
        match self.env.canon(self.nid(name), map) {
            Lookup::Set(canon) => Ok(canon),
            Lookup::Cleared | Lookup::Unset => Err(Stop::Wait),
        }
    }

    pub(crate) fn with_lens(&self, val: Val, lens: Option<&'s Lens>) -> Res<Val> {
        match lens {
            None => Ok(val),
            Some(lens) => self.apply_steps(val, &lens.steps),
        }
    }

    fn step<'a>(&'a self, step: &'s LensStep) -> Res<Step<'a>> {
        Ok(match step {
            LensStep::Field(name) => Step::Field(name),
            LensStep::Index(i) => Step::Index(*i as usize),
            LensStep::Var(name) => match self.scalar(name)?.get() {
                Value::Number(n) => match n.as_u64().filter(|i| *i <= u64::from(u32::MAX)) {
                    Some(i) => Step::Index(i as usize),
                    None => {
                        return Err(Stop::Catch(errors::lens_error(format!(
                            "index accessor `{n} can't be converted to u32`"
                        ))));
                    }
                },
                Value::String(field) => Step::OwnedField(field.clone()),
                other => {
                    return Err(Stop::Catch(errors::lens_error(format!(
                        "scalar accessor `{}` should has number or string type",
                        show(other)
                    ))));
                }
            },
        })
    }

    fn apply_steps(&self, val: Val, steps: &'s [LensStep]) -> Res<Val> {
        let mut current = val.get();
        let mut suffix = String::new();
        for step in steps {
            let step = self.step(step)?;
            current = apply_step(current, &step).map_err(Stop::Catch)?;
            suffix.push_str(&step.text());
        }
        Ok(Val::new(Arc::new(current.clone()), val.prov.lens(suffix)))
    }

    /// `#c.$.[i]...`: index the frozen elements without building the array.
    fn canon_lens(&self, canon: &CanonVal, lens: &'s Lens) -> Res<Val> {
        let Some((first, rest)) = lens.steps.split_first() else {
            return Ok(canon_value(canon));
        };
        match self.step(first)? {
            Step::Index(i) if i < canon.elems.len() => {
                self.apply_steps(canon.elems[i].clone(), rest)
            }
            _ => self.apply_steps(canon_value(canon), &lens.steps),
        }
    }
}

impl<'s> Exec<'s, '_> {
    /// `#%c.$.key...`: the values under `key` (none for a key that is absent,
    /// as AquaVM), then the rest of the lens.
    fn canon_map_lens(&self, canon: &CanonVal, lens: &'s Lens) -> Res<Val> {
        let Some((first, rest)) = lens.steps.split_first() else {
            return Ok(canon_map_value(canon));
        };
        let key = match self.step(first)? {
            Step::Field(key) => key.to_owned(),
            Step::OwnedField(key) => key,
            Step::Index(_) => return self.apply_steps(canon_map_value(canon), &lens.steps),
        };
        let values = canon_map_values(canon, &key);
        let provs: Rc<[Prov]> = values.iter().map(|v| v.prov.clone()).collect();
        let array = values.iter().map(|v| v.get().clone()).collect();
        let val = Val::new(Arc::new(Value::Array(array)), Prov::Many(provs));
        if rest.is_empty() {
            return Ok(val);
        }
        self.apply_steps(val, rest)
    }
}

/// The values of a canon map under one key, in order.
pub(crate) fn canon_map_values(canon: &CanonVal, key: &str) -> Vec<Val> {
    let keys = canon.keys.as_deref().unwrap_or(&[]);
    keys.iter()
        .zip(canon.elems.iter())
        .filter(|(k, _)| map_key_text(k.get()) == key)
        .map(|(_, v)| v.clone())
        .collect()
}

fn apply_step<'v>(value: &'v Value, step: &Step<'_>) -> Result<&'v Value, CatchErr> {
    match step {
        Step::Field(name) => field(value, name),
        Step::OwnedField(name) => field(value, name),
        Step::Index(i) => match value {
            Value::Array(items) => items.get(*i).ok_or_else(|| {
                errors::lens_error(format!(
                    "value '{}' does not contain element for idx = '{i}'",
                    show(value)
                ))
            }),
            _ => Err(errors::lens_error(format!(
                "value '{}' is not an array-type to match array accessor with idx = '{i}'",
                show(value)
            ))),
        },
    }
}

fn field<'v>(value: &'v Value, name: &str) -> Result<&'v Value, CatchErr> {
    match value {
        Value::Object(map) => map.get(name).ok_or_else(|| {
            errors::lens_error(format!(
                "value '{}' does not contain element with field name = '{name}'",
                show(value)
            ))
        }),
        _ => Err(errors::lens_error(format!(
            "value '{}' is not an map-type to match field accessor with field_name = '{name}'",
            show(value)
        ))),
    }
}

/// `#c` as a value: the array of its elements.
pub(crate) fn canon_value(canon: &CanonVal) -> Val {
    let values = canon.elems.iter().map(|e| e.get().clone()).collect();
    let provs: Rc<[Prov]> = canon.elems.iter().map(|e| e.prov.clone()).collect();
    Val::new(Arc::new(Value::Array(values)), Prov::Many(provs))
}

/// `#%c` as a value: an object mapping each key to the array of its values.
pub(crate) fn canon_map_value(canon: &CanonVal) -> Val {
    let mut map: Map<String, Value> = Map::new();
    let keys = canon.keys.as_deref().unwrap_or(&[]);
    for (key, elem) in keys.iter().zip(canon.elems.iter()) {
        let entry = map
            .entry(map_key_text(key.get()))
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = entry {
            items.push(elem.get().clone());
        }
    }
    let provs: Rc<[Prov]> = canon.elems.iter().map(|e| e.prov.clone()).collect();
    Val::new(Arc::new(Value::Object(map)), Prov::Many(provs))
}

/// A stream map key as an object key: strings as they are, numbers as text.
pub(crate) fn map_key_text(key: &Value) -> String {
    match key {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
