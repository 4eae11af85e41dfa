//! Checks run on a parsed script before it may run.
//!
//! Two rules, both from AquaVM's parser:
//!
//! - **Every variable read can be defined somewhere.** A scalar must be the
//!   output of some `call`, the target of some `ap` or `canon`, a fold
//!   iterator or a `new` variable *somewhere in the script*; a `#canon` must be
//!   the target of some `canon` or a `new`; likewise a `#%canon map`. The rule
//!   is deliberately "anywhere", not "before": a value may be written on
//!   another branch (a `par` on another peer) and joined later, so order in
//!   the text proves nothing. Streams (`$s`) and stream maps (`%m`) are never
//!   checked: they are implicitly empty and readable, so `(canon p $s #c)`
//!   with nothing writing `$s` is legal and freezes an empty stream.
//! - **`next i` is inside the body of a fold over `i`.** Not in its LAST
//!   instruction, which runs after the iteration is over.
//!
//! The walk uses an explicit stack, so a deep script costs no native stack.

use std::collections::HashSet;

use crate::parse::ParseError;
use crate::{
    Ap, ApTarget, CallOutput, CanonKind, Fail, Instr, InstrKind, Iterable, Lens, LensStep, Name,
    Script, Value, Variable,
};

/// Every name the script can define, by kind.
#[derive(Default)]
struct Defined<'a> {
    scalars: HashSet<&'a str>,
    canons: HashSet<&'a str>,
    canon_maps: HashSet<&'a str>,
}

pub(crate) fn validate(script: &Script, source: &str) -> Result<(), ParseError> {
    let mut defined = Defined::default();
    let mut stack = vec![&script.root];
    while let Some(instr) = stack.pop() {
        defined.collect(instr);
        let (first, second) = instr.child_pair();
        if let Some(child) = first {
            stack.push(child);
        }
        if let Some(child) = second {
            stack.push(child);
        }
    }
    check_uses(script, source, &defined)
}

impl<'a> Defined<'a> {
    fn collect(&mut self, instr: &'a Instr) {
        match &instr.kind {
            InstrKind::Call(call) => {
                if let CallOutput::Scalar(name) = &call.output {
                    self.scalars.insert(name.as_str());
                }
            }
            InstrKind::Fold(fold) => {
                self.scalars.insert(fold.iterator.as_str());
            }
            InstrKind::New(new) => match &new.var {
                Variable::Scalar(name) => {
                    self.scalars.insert(name.as_str());
                }
                Variable::Canon(name) => {
                    self.canons.insert(name.as_str());
                }
                Variable::CanonMap(name) => {
                    self.canon_maps.insert(name.as_str());
                }
                Variable::Stream(_) | Variable::StreamMap(_) => {}
            },
            InstrKind::Ap(ap) => {
                if let Ap::Value {
                    target: ApTarget::Scalar(name),
                    ..
                } = ap.as_ref()
                {
                    self.scalars.insert(name.as_str());
                }
            }
            InstrKind::Canon(canon) => match &canon.kind {
                CanonKind::Stream { canon, .. } => {
                    self.canons.insert(canon.as_str());
                }
                CanonKind::Map { canon, .. } => {
                    self.canon_maps.insert(canon.as_str());
                }
                CanonKind::MapToScalar { scalar, .. } => {
                    self.scalars.insert(scalar.as_str());
                }
            },
            _ => {}
        }
    }
}

/// A variable an instruction reads, with the sigil it is written with.
struct Use<'a> {
    sigil: &'static str,
    name: &'a Name,
}

fn check_uses(script: &Script, source: &str, defined: &Defined<'_>) -> Result<(), ParseError> {
    enum Work<'a> {
        Visit(&'a Instr),
        EndFold,
    }
    let mut iterators: Vec<&Name> = Vec::new();
    let mut stack = vec![Work::Visit(&script.root)];
    let mut uses = Vec::new();
    while let Some(work) = stack.pop() {
        let instr = match work {
            Work::Visit(instr) => instr,
            Work::EndFold => {
                iterators.pop();
                continue;
            }
        };
        uses.clear();
        reads(instr, &mut uses);
        for used in &uses {
            let known = match used.sigil {
                "#" => &defined.canons,
                "#%" => &defined.canon_maps,
                _ => &defined.scalars,
            };
            if !known.contains(used.name.as_str()) {
                return Err(undefined(source, instr, used));
            }
        }
        match &instr.kind {
            InstrKind::Next(name) if !iterators.contains(&name) => {
                return Err(ParseError::new(
                    source,
                    span_range(instr),
                    format!(
                        "`next {name}` is not inside the body of a `fold` whose iterator is `{name}`"
                    ),
                ));
            }
            InstrKind::Fold(fold) => {
                // The iterator is in scope in the body only: LAST runs after the iterations.
                if let Some(last) = &fold.last {
                    stack.push(Work::Visit(last));
                }
                stack.push(Work::EndFold);
                stack.push(Work::Visit(&fold.body));
                iterators.push(&fold.iterator);
            }
            _ => {
                let (first, second) = instr.child_pair();
                if let Some(child) = second {
                    stack.push(Work::Visit(child));
                }
                if let Some(child) = first {
                    stack.push(Work::Visit(child));
                }
            }
        }
    }
    Ok(())
}

fn span_range(instr: &Instr) -> std::ops::Range<usize> {
    instr.span.start as usize..instr.span.end as usize
}

fn undefined(source: &str, instr: &Instr, used: &Use<'_>) -> ParseError {
    let (kind, definers) = match used.sigil {
        "#" => ("canon stream", "`canon` or `new`"),
        "#%" => ("canon map", "`canon` or `new`"),
        _ => (
            "variable",
            "call output, `ap`, `canon`, `fold` iterator or `new`",
        ),
    };
    let token = format!("{}{}", used.sigil, used.name);
    let range = locate(source, instr, &token).unwrap_or(span_range(instr));
    ParseError::new(
        source,
        range,
        format!("{kind} `{token}` is never defined: no {definers} in the script sets it"),
    )
}

/// Finds `token` as a whole word in the instruction's own text (before its
/// first nested instruction), so the caret points at the variable itself.
fn locate(source: &str, instr: &Instr, token: &str) -> Option<std::ops::Range<usize>> {
    let start = instr.span.start as usize;
    let end = instr
        .children()
        .next()
        .map_or(instr.span.end as usize, |c| c.span.start as usize);
    let head = source.get(start..end)?;
    let bytes = head.as_bytes();
    let word_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    let mut from = 0;
    while let Some(found) = head[from..].find(token) {
        let at = from + found;
        let after = at + token.len();
        let before_ok = at == 0
            || !(word_byte(bytes[at - 1])
                || matches!(bytes[at - 1], b'$' | b'%' | b'#' | b'.' | b'"'));
        let after_ok = bytes.get(after).is_none_or(|&b| !word_byte(b) && b != b'%');
        if before_ok && after_ok {
            return Some(start + at..start + after);
        }
        from = after;
    }
    None
}

/// The scalars, canons and canon maps an instruction reads (not its children).
fn reads<'a>(instr: &'a Instr, out: &mut Vec<Use<'a>>) {
    match &instr.kind {
        InstrKind::Call(call) => {
            value_reads(&call.peer, out);
            value_reads(&call.service, out);
            value_reads(&call.function, out);
            for arg in &call.args {
                value_reads(arg, out);
            }
        }
        InstrKind::Match(m) => {
            value_reads(&m.left, out);
            value_reads(&m.right, out);
        }
        InstrKind::Fold(fold) => match &fold.iterable {
            Iterable::Scalar { name, lens } => {
                out.push(scalar(name));
                lens_reads(lens.as_ref(), out);
            }
            Iterable::Canon { name, lens } => {
                out.push(Use { sigil: "#", name });
                lens_reads(lens.as_ref(), out);
            }
            Iterable::CanonMap(name) => out.push(Use { sigil: "#%", name }),
            Iterable::CanonMapKey { name, key } => {
                out.push(Use { sigil: "#%", name });
                value_reads(key, out);
            }
            Iterable::EmptyArray | Iterable::Stream(_) | Iterable::StreamMap(_) => {}
        },
        InstrKind::Ap(ap) => match ap.as_ref() {
            Ap::Value { source, .. } => value_reads(source, out),
            Ap::MapInsert { key, value, .. } => {
                value_reads(key, out);
                value_reads(value, out);
            }
        },
        InstrKind::Canon(canon) => value_reads(&canon.peer, out),
        InstrKind::Fail(fail) => {
            if let Fail::Scalar { name, lens } = fail.as_ref() {
                out.push(scalar(name));
                lens_reads(lens.as_ref(), out);
            }
        }
        _ => {}
    }
}

fn scalar(name: &Name) -> Use<'_> {
    Use { sigil: "", name }
}

fn value_reads<'a>(value: &'a Value, out: &mut Vec<Use<'a>>) {
    match value {
        Value::Scalar { name, lens } => {
            out.push(scalar(name));
            lens_reads(lens.as_ref(), out);
        }
        Value::ScalarLength(name) => out.push(scalar(name)),
        Value::Canon { name, lens } => {
            out.push(Use { sigil: "#", name });
            lens_reads(lens.as_ref(), out);
        }
        Value::CanonLength(name) => out.push(Use { sigil: "#", name }),
        Value::CanonMap { name, lens } => {
            out.push(Use { sigil: "#%", name });
            lens_reads(lens.as_ref(), out);
        }
        Value::Error(lens) | Value::LastError(lens) => lens_reads(lens.as_ref(), out),
        Value::Literal(_)
        | Value::InitPeerId
        | Value::Timestamp
        | Value::Ttl
        | Value::Stream(_) => {}
    }
}

fn lens_reads<'a>(lens: Option<&'a Lens>, out: &mut Vec<Use<'a>>) {
    for step in lens.into_iter().flat_map(|lens| &lens.steps) {
        if let LensStep::Var(name) = step {
            out.push(scalar(name));
        }
    }
}
