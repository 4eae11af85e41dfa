//! Stream contents during one run. They survive from one pass of the run to
//! the next (see `exec` on passes): an element is identified by the key of the
//! instruction instance that appended it, so re-executing that instance in a
//! later pass appends nothing new.
//!
//! # Order
//!
//! As AIR.md requires, a stream's order on a peer is: the values this peer knew
//! before the run, in the order it knew them, then the values new to it. A run
//! recomputes streams by executing the script, which appends in script order, not
//! in the order values arrived; so the data remembers a rank for each element a
//! run of this peer saw (`Data::stream_rank`), and an append places a ranked
//! element among the ranked ones by rank, before every new one. Without this, a
//! join (`fold $s` with a `canon` per iteration) that froze a canon at the
//! then-last element would meet that element again in the middle of the stream
//! once a value earlier in script order arrived, and never reach its end.
//!
//! An element placed before the end of a stream that a fold has read in this
//! pass may have been missed or read out of order: that forces another pass,
//! which starts with the stream complete and in order.

use crate::data::{EntryKey, FastMap, FastSet};

use super::{hard::HardError, val::Val};

/// One stream value (or stream map pair).
#[derive(Debug, Clone)]
pub(crate) struct Elem {
    pub key: EntryKey,
    pub val: Val,
    /// Boxed: most streams are not maps, and elements are moved around a lot.
    pub map_key: Option<Box<Val>>,
    /// Its rank in this peer's earlier runs, if it was seen there.
    pub rank: Option<u64>,
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

    /// Inserts `elem` by rank (see the module docs); true when it did not go
    /// to the end.
    fn insert(&mut self, elem: Elem) -> bool {
        let held = self.as_slice();
        let at = match elem.rank {
            None => held.len(),
            // After every element ranked before it; new (unranked) ones come last.
            Some(rank) => held.partition_point(|e| e.rank.is_some_and(|r| r < rank)),
        };
        let placed_inside = at < held.len();
        match std::mem::take(self) {
            Elems::Empty => *self = Elems::One(elem),
            Elems::One(first) => {
                let mut elems = Vec::with_capacity(4);
                elems.push(first);
                elems.insert(at, elem);
                *self = Elems::Many(elems);
            }
            Elems::Many(mut elems) => {
                elems.insert(at, elem);
                *self = Elems::Many(elems);
            }
        }
        placed_inside
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
    /// A fold started reading this stream in the current pass.
    read: bool,
    /// An element was placed before the end after a fold read the stream.
    reordered: bool,
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

    /// Adds `elem` in its place by rank, unless an element with this key exists
    /// (a later pass).
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
        if stream.elems.insert(elem) && stream.read {
            stream.reordered = true;
        }
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

    /// A fold starts reading `id`.
    pub(crate) fn note_start(&mut self, id: StreamId) {
        self.streams.entry(id).or_default().read = true;
    }

    /// A fold stopped reading `id` at its current length.
    pub(crate) fn note_read(&mut self, id: StreamId) {
        let stream = self.streams.entry(id).or_default();
        let len = stream.elems.as_slice().len();
        stream.read_len = Some(stream.read_len.map_or(len, |old| old.min(len)));
    }

    /// True when a fold missed values appended after it stopped reading, or
    /// read a stream whose order changed under it; clears the read marks for
    /// the next pass.
    pub(crate) fn take_missed(&mut self) -> bool {
        let mut missed = false;
        for stream in self.streams.values_mut() {
            if let Some(read) = stream.read_len.take() {
                missed |= stream.elems.as_slice().len() > read;
            }
            missed |= std::mem::take(&mut stream.reordered);
            stream.read = false;
        }
        missed
    }

    /// Every element's key, each stream in its order: what the data remembers
    /// as ranks for the next run.
    pub(crate) fn order(&self) -> impl Iterator<Item = EntryKey> + '_ {
        self.streams
            .values()
            .flat_map(|stream| stream.elems.as_slice().iter().map(|e| e.key))
    }
}
