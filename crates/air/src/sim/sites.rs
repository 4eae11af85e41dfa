//! Binds mock annotations to the call instructions they answer.

use std::collections::BTreeMap;

use serde_json::Value;

use super::mock::{Mock, annotation_error, mocks_by_line};
use crate::{CallResult, Error, Instr, InstrKind, NodeId, Script};

/// The mock of every call instruction, indexed by node id, and how many times each
/// call site has executed so far (on any peer).
#[derive(Debug)]
pub(crate) struct CallSites {
    mocks: Vec<Option<Mock>>,
    times_called: Vec<usize>,
}

impl CallSites {
    /// Binds each annotation to the last call that starts on its line; an annotation
    /// on a line where no call starts is an error (it would silently mock nothing).
    pub(crate) fn new(script: &Script, source: &str) -> Result<Self, Error> {
        let mut annotations = mocks_by_line(source)?;
        let lines = LineIndex::new(source);
        let mut last_call_on_line: BTreeMap<u32, (u32, NodeId)> = BTreeMap::new();
        for_each_call(&script.root, |call| {
            let line = lines.line_of(call.span.start);
            let entry = last_call_on_line
                .entry(line)
                .or_insert((call.span.start, call.id));
            if call.span.start >= entry.0 {
                *entry = (call.span.start, call.id);
            }
        });
        let size = script.node_count as usize;
        let mut mocks = vec![None; size];
        for (line, (_, node)) in last_call_on_line {
            if let (Some(mock), Some(slot)) =
                (annotations.remove(&line), mocks.get_mut(node.0 as usize))
            {
                *slot = Some(mock);
            }
        }
        if let Some(line) = annotations.keys().next() {
            return Err(annotation_error(
                *line,
                "no call starts on this line, so the annotation mocks nothing",
            ));
        }
        Ok(Self {
            mocks,
            times_called: vec![0; size],
        })
    }

    /// Answers one execution of the call at `node`: its mock's answer, or null for an
    /// unannotated call.
    pub(crate) fn answer(&mut self, node: NodeId, args: &[Value]) -> CallResult {
        let index = node.0 as usize;
        let Some(times) = self.times_called.get_mut(index) else {
            return CallResult::Ok(Value::Null);
        };
        let result = match &self.mocks[index] {
            Some(mock) => mock.answer(args, *times),
            None => CallResult::Ok(Value::Null),
        };
        *times += 1;
        result
    }
}

/// Visits every `call` instruction, in no particular order. Iterative, so a deep
/// script costs heap, not stack.
fn for_each_call(root: &Instr, mut visit: impl FnMut(&Instr)) {
    let mut stack = vec![root];
    while let Some(instr) = stack.pop() {
        if let InstrKind::Call(_) = instr.kind {
            visit(instr);
        }
        stack.extend(instr.children());
    }
}

/// Byte offset to 1-based line number.
struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    fn new(source: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i as u32 + 1))
            .collect();
        Self { starts }
    }

    fn line_of(&self, offset: u32) -> u32 {
        let below = self.starts.partition_point(|&start| start <= offset);
        below.max(1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index() {
        let lines = LineIndex::new("ab\ncd\n\ne");
        let got: Vec<u32> = [0, 2, 3, 5, 6, 7]
            .iter()
            .map(|&o| lines.line_of(o))
            .collect();
        assert_eq!(got, [1, 1, 2, 2, 3, 4]);
    }
}
