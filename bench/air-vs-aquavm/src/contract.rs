//! What the simulation contract says about a script, in the form the AquaVM host
//! needs: the virtual peers named by string literals, and each call's mock.
//!
//! Weft's simulator binds a mock to its call instruction through source positions.
//! AquaVM's call requests carry no positions, only `(service, function)`, so the
//! bench scenarios are written so that `(service, function)` identifies the mock,
//! and this table refuses a script where two call sites of one `(service, function)`
//! disagree. The mocks themselves come from Weft's own annotation parser, so both
//! sides answer from the same table.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;
use weft_air::sim::{Mock, mocks_by_line};
use weft_air::{CallResult, Instr, InstrKind, Limits, Literal};

/// The mocks of one script by `(service, function)`, with how many times each was
/// called so far (for `seq_ok` mocks).
#[derive(Debug, Clone)]
pub(crate) struct MockTable {
    sites: HashMap<(String, String), Site>,
}

#[derive(Debug, Clone)]
struct Site {
    mock: Option<Mock>,
    times_called: usize,
}

/// The facts the AquaVM host takes from a script before running it.
#[derive(Debug, Clone)]
pub(crate) struct ScriptFacts {
    pub(crate) mocks: MockTable,
    /// Names written as string literals in the peer position of `call` or `canon`.
    pub(crate) literal_peers: BTreeSet<String>,
}

impl ScriptFacts {
    pub(crate) fn new(source: &str, limits: &Limits) -> Result<Self, String> {
        let script = weft_air::parse_with_limits(source, limits)
            .map_err(|error| format!("the script does not parse on Weft: {error}"))?;
        let mut annotations = mocks_by_line(source).map_err(|error| error.to_string())?;
        let lines = LineStarts::new(source);

        // As Weft's simulator does: an annotation answers the last call that starts
        // on its line.
        let mut calls = Vec::new();
        let mut literal_peers = BTreeSet::new();
        let mut stack = vec![&script.root];
        while let Some(instr) = stack.pop() {
            match &instr.kind {
                InstrKind::Call(call) => {
                    if let Some(peer) = string_literal(&call.peer) {
                        literal_peers.insert(peer.to_owned());
                    }
                    let (Some(service), Some(function)) = (
                        string_literal(&call.service),
                        string_literal(&call.function),
                    ) else {
                        return Err(format!(
                            "line {}: the bench needs string literals for service and function, \
                             since AquaVM's call requests are matched to mocks by them",
                            lines.line_of(instr.span.start)
                        ));
                    };
                    let key = (service.to_owned(), function.to_owned());
                    calls.push((lines.line_of(instr.span.start), instr.span.start, key));
                }
                InstrKind::Canon(canon) => {
                    if let Some(peer) = string_literal(&canon.peer) {
                        literal_peers.insert(peer.to_owned());
                    }
                }
                _ => {}
            }
            push_children(instr, &mut stack);
        }
        calls.sort();
        let mut sites: HashMap<(String, String), Site> = HashMap::new();
        for (index, (line, _, key)) in calls.iter().enumerate() {
            let last_on_line = calls.get(index + 1).is_none_or(|next| next.0 != *line);
            let mock = if last_on_line {
                annotations.remove(line)
            } else {
                None
            };
            match sites.get(key) {
                Some(site) if site.mock != mock => {
                    return Err(format!(
                        "line {line}: {}.{} is mocked differently at another call site; \
                         AquaVM's call requests carry no position, so the bench cannot tell them apart",
                        key.0, key.1
                    ));
                }
                Some(_) => {}
                None => {
                    sites.insert(
                        key.clone(),
                        Site {
                            mock,
                            times_called: 0,
                        },
                    );
                }
            }
        }
        Ok(Self {
            mocks: MockTable { sites },
            literal_peers,
        })
    }
}

impl MockTable {
    /// Answers one call, as Weft's simulator would at its call site.
    pub(crate) fn answer(
        &mut self,
        service: &str,
        function: &str,
        args: &[Value],
    ) -> Result<CallResult, String> {
        let site = self
            .sites
            .get_mut(&(service.to_owned(), function.to_owned()))
            .ok_or_else(|| {
                format!("AquaVM asked for {service}.{function}, which no call in the script names")
            })?;
        let result = match &site.mock {
            Some(mock) => mock.answer(args, site.times_called),
            None => CallResult::Ok(Value::Null),
        };
        site.times_called += 1;
        Ok(result)
    }
}

fn string_literal(value: &weft_air::Value) -> Option<&str> {
    match value {
        weft_air::Value::Literal(Literal::String(text)) => Some(text),
        _ => None,
    }
}

fn push_children<'a>(instr: &'a Instr, stack: &mut Vec<&'a Instr>) {
    match &instr.kind {
        InstrKind::Seq(pair) | InstrKind::Par(pair) | InstrKind::Xor(pair) => {
            stack.push(&pair.1);
            stack.push(&pair.0);
        }
        InstrKind::Match(m) => stack.push(&m.body),
        InstrKind::Fold(fold) => {
            stack.extend(fold.last.as_ref());
            stack.push(&fold.body);
        }
        InstrKind::New(new) => stack.push(&new.body),
        _ => {}
    }
}

/// Byte offset to 1-based line number.
struct LineStarts(Vec<u32>);

impl LineStarts {
    fn new(source: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(at, _)| at as u32 + 1))
            .collect();
        Self(starts)
    }

    fn line_of(&self, offset: u32) -> u32 {
        self.0.partition_point(|&start| start <= offset).max(1) as u32
    }
}
