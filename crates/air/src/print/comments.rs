//! Keeping `;` comments when a script is reformatted.
//!
//! The tree has no comments, so [`print_with_comments`] takes them from the
//! source and attaches each to an instruction by position:
//! - a comment after code on its line goes at the end of the line of the last
//!   instruction that starts on that line (where the simulator looks for mock
//!   annotations, so formatting keeps every mock bound to its call);
//! - a comment on a line of its own (or after closing parentheses only) goes
//!   on its own line before the next instruction inside the same parent, or
//!   before the parent's closing `)` when no such instruction follows, or
//!   after the script when it follows the root.

use super::{Attached, print_attached};
use crate::{Instr, Script};

/// One `;` comment of a source: the offset of its `;`, its 1-based line, and
/// its text after the `;` up to the end of the line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Comment<'a> {
    pub offset: usize,
    pub line: u32,
    pub text: &'a str,
}

/// Every comment of `source`, in order: a `;` outside a string literal starts
/// one, as in the parser.
pub(crate) fn comments(source: &str) -> impl Iterator<Item = Comment<'_>> {
    let bytes = source.as_bytes();
    let mut at = 0;
    let mut line = 1u32;
    let mut in_string = false;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let byte = bytes[at];
            at += 1;
            match byte {
                b'\n' => line += 1,
                b'"' => in_string = !in_string,
                b';' if !in_string => {
                    let start = at;
                    let end = source[start..]
                        .find('\n')
                        .map_or(source.len(), |i| start + i);
                    at = end;
                    return Some(Comment {
                        offset: start - 1,
                        line,
                        text: &source[start..end],
                    });
                }
                _ => {}
            }
        }
        None
    })
}

/// Pretty-prints `script` (parsed from `source`) as [`crate::print`] does,
/// keeping every comment of `source`. Printing the result again, after parsing
/// it, gives the same text.
pub fn print_with_comments(script: &Script, source: &str) -> String {
    // Instructions in printing order (preorder, which is source order).
    let mut order: Vec<(&Instr, Option<usize>)> = Vec::new();
    let mut stack: Vec<(&Instr, Option<usize>)> = vec![(&script.root, None)];
    while let Some((instr, parent)) = stack.pop() {
        let index = order.len();
        order.push((instr, parent));
        let children: Vec<&Instr> = instr.children().collect();
        stack.extend(children.into_iter().rev().map(|c| (c, Some(index))));
    }
    let mut attached = Attached::default();
    for comment in comments(source) {
        let text = comment.text.trim_end();
        let line_start = source[..comment.offset].rfind('\n').map_or(0, |i| i + 1);
        let start_of = |i: usize| order[i].0.span.start as usize;
        // Instructions starting before the comment form a prefix of `order`.
        let before =
            order.partition_point(|(instr, _)| (instr.span.start as usize) < comment.offset);
        if before > 0 && start_of(before - 1) >= line_start {
            attached.trailing.entry(before - 1).or_default().push(text);
            continue;
        }
        // The innermost instruction still open at the comment.
        let mut open = before.checked_sub(1);
        while let Some(i) = open {
            if (order[i].0.span.end as usize) > comment.offset {
                break;
            }
            open = order[i].1;
        }
        match (order.get(before), open) {
            (Some((_, parent)), _) if *parent == open => {
                attached.leading.entry(before).or_default().push(text);
            }
            // Inside a call spread over lines: before it, where it survives reprinting.
            (_, Some(i)) if order[i].0.children().next().is_none() => {
                attached.leading.entry(i).or_default().push(text);
            }
            (_, Some(i)) => attached.closing.entry(i).or_default().push(text),
            (_, None) => attached.tail.push(text),
        }
    }
    print_attached(script, &attached)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_comment_keeps_its_place() {
        let source = "; head\n(seq (call \"a\" (\"s\" \"f\") [] x) ; ok = 1\n  ; between\n  (seq\n    (null) ; after null\n    (null)\n    ; before close\n  )\n)\n; tail\n";
        let script = crate::parse_syntax(source).unwrap();
        let printed = print_with_comments(&script, source);
        let expected = "; head\n(seq\n  (call \"a\" (\"s\" \"f\") [] x) ; ok = 1\n  ; between\n  (seq\n    (null) ; after null\n    (null)\n    ; before close\n  )\n)\n; tail\n";
        assert_eq!(printed, expected);
        let again = crate::parse_syntax(&printed).unwrap();
        assert_eq!(print_with_comments(&again, &printed), expected);
        assert_eq!(crate::print(&script), crate::print(&again));
    }
}
