//! Writing a [`Script`] back as AIR text.
//!
//! [`print`] is the formatter: one instruction per line, children indented by
//! two spaces, the closing `)` of a compound instruction on its own line.
//! Parsing its output gives back the same tree (same shape, same node ids).
//! [`instr_head`] is the one-line form AquaVM puts in the `instruction` field
//! of error objects.

use std::fmt::Write as _;

use crate::{
    Ap, ApTarget, CallOutput, CanonKind, Fail, Instr, InstrKind, Iterable, Lens, LensStep, Literal,
    Script, Value, Variable,
};

mod comments;

use std::collections::HashMap;

pub use comments::print_with_comments;
pub(crate) use comments::{Comment, comments};

/// Pretty-prints a script; the output parses back to the same tree.
pub fn print(script: &Script) -> String {
    print_attached(script, &Attached::default())
}

/// Comments to print, by instruction (its index in preorder).
#[derive(Debug, Default)]
struct Attached<'a> {
    /// On their own lines before the instruction.
    leading: HashMap<usize, Vec<&'a str>>,
    /// At the end of the instruction's first line.
    trailing: HashMap<usize, Vec<&'a str>>,
    /// On their own lines before a compound instruction's closing `)`.
    closing: HashMap<usize, Vec<&'a str>>,
    /// After the script.
    tail: Vec<&'a str>,
}

fn print_attached(script: &Script, attached: &Attached<'_>) -> String {
    enum Work<'a> {
        Open(&'a Instr, usize),
        Close(usize, usize),
    }
    let mut out = String::new();
    let mut index = 0;
    // An explicit stack: printing never recurses, however deep the tree.
    let mut stack = vec![Work::Open(&script.root, 0)];
    while let Some(work) = stack.pop() {
        match work {
            Work::Open(instr, depth) => {
                let me = index;
                index += 1;
                comment_lines(&mut out, attached.leading.get(&me), depth);
                indent(&mut out, depth);
                out.push('(');
                // The head's trailing space (a call without output) is AquaVM's, not ours.
                out.push_str(head(instr, Style::Source).trim_end());
                let mut children = instr.children();
                let (first, second) = (children.next(), children.next());
                if first.is_none() {
                    out.push(')');
                }
                for text in attached.trailing.get(&me).into_iter().flatten() {
                    out.push_str(" ;");
                    out.push_str(text);
                }
                out.push('\n');
                if first.is_none() {
                    continue;
                }
                stack.push(Work::Close(me, depth));
                let nested = second.into_iter().chain(first);
                stack.extend(nested.map(|c| Work::Open(c, depth + 1)));
            }
            Work::Close(me, depth) => {
                comment_lines(&mut out, attached.closing.get(&me), depth + 1);
                indent(&mut out, depth);
                out.push_str(")\n");
            }
        }
    }
    comment_lines(&mut out, Some(&attached.tail), 0);
    out
}

fn comment_lines(out: &mut String, texts: Option<&Vec<&str>>, depth: usize) {
    for text in texts.into_iter().flatten() {
        indent(out, depth);
        out.push(';');
        out.push_str(text);
        out.push('\n');
    }
}

fn indent(out: &mut String, depth: usize) {
    out.extend(std::iter::repeat_n(' ', depth * 2));
}

/// One line describing an instruction without its nested instructions, as in
/// AquaVM's error objects: `call PEER (SERVICE FUNC) [ARGS] OUT`, `fold xs i`, `seq`.
///
/// A call without output ends with a space after `]`, as AquaVM prints it.
pub fn instr_head(instr: &Instr) -> String {
    head(instr, Style::AquaVm)
}

/// How numbers are written: as in the source (`3.0` stays a float when read
/// back) or as AquaVM writes them in error objects.
#[derive(Clone, Copy)]
enum Style {
    Source,
    AquaVm,
}

fn head(instr: &Instr, style: Style) -> String {
    let mut out = String::new();
    match &instr.kind {
        InstrKind::Call(call) => {
            out.push_str("call ");
            push_value(&mut out, &call.peer, style);
            out.push_str(" (");
            push_value(&mut out, &call.service, style);
            out.push(' ');
            push_value(&mut out, &call.function, style);
            out.push_str(") [");
            for (i, arg) in call.args.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                push_value(&mut out, arg, style);
            }
            out.push_str("] ");
            match &call.output {
                CallOutput::None => {}
                CallOutput::Scalar(name) => out.push_str(name.as_str()),
                CallOutput::Stream(name) => {
                    out.push('$');
                    out.push_str(name.as_str());
                }
            }
        }
        InstrKind::Seq(..) => out.push_str("seq"),
        InstrKind::Par(..) => out.push_str("par"),
        InstrKind::Xor(..) => out.push_str("xor"),
        InstrKind::Match(m) => {
            out.push_str(if m.negated { "mismatch " } else { "match " });
            push_value(&mut out, &m.left, style);
            out.push(' ');
            push_value(&mut out, &m.right, style);
        }
        InstrKind::Fold(fold) => {
            out.push_str("fold ");
            push_iterable(&mut out, &fold.iterable, style);
            let _ = write!(out, " {}", fold.iterator);
        }
        InstrKind::Next(name) => {
            let _ = write!(out, "next {name}");
        }
        InstrKind::New(new) => {
            out.push_str("new ");
            push_variable(&mut out, &new.var);
        }
        InstrKind::Ap(ap) => push_ap(&mut out, ap, style),
        InstrKind::Canon(canon) => {
            out.push_str("canon ");
            push_value(&mut out, &canon.peer, style);
            let _ = match &canon.kind {
                CanonKind::Stream { stream, canon } => write!(out, " ${stream} #{canon}"),
                CanonKind::Map { map, canon } => write!(out, " %{map} #%{canon}"),
                CanonKind::MapToScalar { map, scalar } => write!(out, " %{map} {scalar}"),
            };
        }
        InstrKind::Fail(fail) => {
            out.push_str("fail ");
            match fail.as_ref() {
                Fail::Literal { code, message } => {
                    let _ = write!(out, "{code} \"{message}\"");
                }
                Fail::Scalar { name, lens } => {
                    out.push_str(name.as_str());
                    push_lens(&mut out, lens.as_ref());
                }
                Fail::Error => out.push_str(":error:"),
                Fail::LastError => out.push_str("%last_error%"),
            }
        }
        InstrKind::Null => out.push_str("null"),
        InstrKind::Never => out.push_str("never"),
    }
    out
}

/// A value as AIR text: `"text"`, `x.$.a.[0]!`, `#c.length`, `%init_peer_id%`.
pub fn value_to_string(value: &Value) -> String {
    let mut out = String::new();
    push_value(&mut out, value, Style::Source);
    out
}

fn push_value(out: &mut String, value: &Value, style: Style) {
    match value {
        Value::Literal(literal) => push_literal(out, literal, style),
        Value::InitPeerId => out.push_str("%init_peer_id%"),
        Value::Timestamp => out.push_str("%timestamp%"),
        Value::Ttl => out.push_str("%ttl%"),
        Value::Error(lens) => {
            out.push_str(":error:");
            push_lens(out, lens.as_ref());
        }
        Value::LastError(lens) => {
            out.push_str("%last_error%");
            push_lens(out, lens.as_ref());
        }
        Value::Scalar { name, lens } => {
            out.push_str(name.as_str());
            push_lens(out, lens.as_ref());
        }
        Value::ScalarLength(name) => {
            let _ = write!(out, "{name}.length");
        }
        Value::Canon { name, lens } => {
            let _ = write!(out, "#{name}");
            push_lens(out, lens.as_ref());
        }
        Value::CanonLength(name) => {
            let _ = write!(out, "#{name}.length");
        }
        Value::CanonMap { name, lens } => {
            let _ = write!(out, "#%{name}");
            push_lens(out, lens.as_ref());
        }
        Value::Stream(name) => {
            let _ = write!(out, "${name}");
        }
    }
}

fn push_literal(out: &mut String, literal: &Literal, style: Style) {
    let _ = match literal {
        Literal::String(text) => write!(out, "\"{text}\""),
        // AquaVM prints floats with Rust's `f64` formatting (`3.0` as `3`).
        Literal::Number(number) => match (style, number.as_f64()) {
            (Style::AquaVm, Some(float)) if number.is_f64() => write!(out, "{float}"),
            _ => write!(out, "{number}"),
        },
        Literal::Bool(b) => write!(out, "{b}"),
        Literal::EmptyArray => write!(out, "[]"),
    };
}

fn push_lens(out: &mut String, lens: Option<&Lens>) {
    let Some(lens) = lens else { return };
    out.push_str(".$");
    for step in &lens.steps {
        let _ = match step {
            LensStep::Field(field) => write!(out, ".{field}"),
            LensStep::Index(index) => write!(out, ".[{index}]"),
            LensStep::Var(name) => write!(out, ".[{name}]"),
        };
    }
    if lens.bang {
        out.push('!');
    }
}

fn push_iterable(out: &mut String, iterable: &Iterable, style: Style) {
    match iterable {
        Iterable::EmptyArray => out.push_str("[]"),
        Iterable::Scalar { name, lens } => {
            out.push_str(name.as_str());
            push_lens(out, lens.as_ref());
        }
        Iterable::Canon { name, lens } => {
            let _ = write!(out, "#{name}");
            push_lens(out, lens.as_ref());
        }
        Iterable::CanonMap(name) => {
            let _ = write!(out, "#%{name}");
        }
        Iterable::CanonMapKey { name, key } => {
            let _ = write!(out, "#%{name}.$.");
            // The parser reads a single lens step as the key; print it back as one.
            match key.as_ref() {
                Value::Literal(Literal::String(field)) => out.push_str(field),
                Value::Scalar { name, lens: None } => {
                    let _ = write!(out, "[{name}]");
                }
                other => {
                    out.push('[');
                    push_value(out, other, style);
                    out.push(']');
                }
            }
        }
        Iterable::Stream(name) => {
            let _ = write!(out, "${name}");
        }
        Iterable::StreamMap(name) => {
            let _ = write!(out, "%{name}");
        }
    }
}

fn push_variable(out: &mut String, var: &Variable) {
    let _ = match var {
        Variable::Scalar(name) => write!(out, "{name}"),
        Variable::Stream(name) => write!(out, "${name}"),
        Variable::StreamMap(name) => write!(out, "%{name}"),
        Variable::Canon(name) => write!(out, "#{name}"),
        Variable::CanonMap(name) => write!(out, "#%{name}"),
    };
}

fn push_ap(out: &mut String, ap: &Ap, style: Style) {
    out.push_str("ap ");
    match ap {
        Ap::Value { source, target } => {
            push_value(out, source, style);
            let _ = match target {
                ApTarget::Scalar(name) => write!(out, " {name}"),
                ApTarget::Stream(name) => write!(out, " ${name}"),
            };
        }
        Ap::MapInsert { key, value, map } => {
            out.push('(');
            push_value(out, key, style);
            out.push(' ');
            push_value(out, value, style);
            let _ = write!(out, ") %{map}");
        }
    }
}
