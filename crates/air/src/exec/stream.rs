//! Stream contents during one run. They survive from one pass of the run to
//! the next (see `exec` on passes): an element is identified by the key of the
//! instruction instance that appended it, so re-executing that instance in a
//! later pass appends nothing new.

use crate::data::{EntryKey, FastMap, FastSet};

use super::{hard::HardError, val::Val};

/// One stream value (or stream map pair).
#[derive(Debug, Clone)]
pub(crate) struct Elem {
    pub key: EntryKey,
    pub val: Val,
    /// Boxed: most streams are not maps, and elements are moved around a lot.
    pub map_key: Option<Box<Val>>,
}

/// A stream's elements. Most streams live in a `new` scope and get one
/// element: that one is held inline, without an allocation.
#[derive(Debug, Default)]
enum Elems {
    #[default]
    Empty,
    One(Elem),
    Many(Vec<Elem>),
}

impl Elems {
    fn as_slice(&self) -> &[Elem] {
        match self {
            Elems::Empty => &[],
            Elems::One(elem) => std::slice::from_ref(elem),
            Elems::Many(elems) => elems,
        }
    }

    fn push(&mut self, elem: Elem) {
        match self {
            Elems::Many(elems) => elems.push(elem),
            Elems::Empty => *self = Elems::One(elem),
            Elems::One(_) => {
                if let Elems::One(first) = std::mem::take(self) {
                    let mut elems = Vec::with_capacity(4);
                    elems.extend([first, elem]);
                    *self = Elems::Many(elems);
                }
            }
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct StreamData {
    elems: Elems,
    /// Keys of `elems`, kept from the second pass on (in the first pass an
    /// instruction instance runs once, so it cannot append twice).
    keys: FastSet<EntryKey>,
    /// The smallest length at which a fold stopped reading this stream in the
    /// current pass: if the stream grew past it, the fold missed values.
    read_len: Option<usize>,
}

/// A stream instance: its `new` scope key (0 for particle-wide), name, and
/// whether it is a stream map.
pub(crate) type StreamId = (EntryKey, u32, bool);

#[derive(Debug, Default)]
pub(crate) struct Streams {
    streams: FastMap<StreamId, StreamData>,
    dedup: bool,
}

impl Streams {
    pub(crate) fn elems(&self, id: &StreamId) -> &[Elem] {
        self.streams.get(id).map_or(&[], |s| s.elems.as_slice())
    }

    pub(crate) fn len(&self, id: &StreamId) -> usize {
        self.elems(id).len()
    }

    /// Appends unless an element with this key exists (a later pass).
    pub(crate) fn append(
        &mut self,
        id: StreamId,
        name: &str,
        elem: Elem,
        limit: usize,
    ) -> Result<(), HardError> {
        let stream = self.streams.entry(id).or_default();
        if self.dedup && !stream.keys.insert(elem.key) {
            return Ok(());
        }
        if stream.elems.as_slice().len() >= limit {
            let sigil = if id.2 { "%" } else { "$" };
            return Err(HardError::StreamTooLong {
                stream: format!("{sigil}{name}"),
                limit,
            });
        }
        stream.elems.push(elem);
        Ok(())
    }

    /// Called before a pass after the first: from now on appends are checked
    /// against the elements earlier passes appended.
    pub(crate) fn start_repass(&mut self) {
        if !self.dedup {
            self.dedup = true;
            for stream in self.streams.values_mut() {
                stream.keys = stream.elems.as_slice().iter().map(|e| e.key).collect();
            }
        }
    }

    /// A fold stopped reading `id` at its current length.
    pub(crate) fn note_read(&mut self, id: StreamId) {
        let stream = self.streams.entry(id).or_default();
        let len = stream.elems.as_slice().len();
        stream.read_len = Some(stream.read_len.map_or(len, |old| old.min(len)));
    }

    /// True when a fold missed values appended after it stopped reading;
    /// clears the read marks for the next pass.
    pub(crate) fn take_missed(&mut self) -> bool {
        let mut missed = false;
        for stream in self.streams.values_mut() {
            if let Some(read) = stream.read_len.take() {
                missed |= stream.elems.as_slice().len() > read;
            }
        }
        missed
    }
}
