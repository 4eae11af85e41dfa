//! Variable names as small integers, so that the interpreter's hot path indexes
//! vectors instead of hashing strings. A name occurrence is found by the
//! address of its text (the parser gives each distinct name one shared buffer),
//! and only the first time an occurrence is met by the text itself.

use std::cell::{Cell, RefCell};

use crate::data::FastMap;

#[derive(Debug, Default)]
pub(crate) struct Names<'s> {
    by_addr: RefCell<FastMap<usize, u32>>,
    by_text: RefCell<FastMap<&'s str, u32>>,
    /// The last name looked up by address: instructions next to each other
    /// often name the same variable (`(new $s (ap x $s))`).
    last: Cell<(usize, u32)>,
}

impl<'s> Names<'s> {
    /// The id of `name` (a name's text borrowed from the script).
    pub(crate) fn id(&self, name: &'s str) -> u32 {
        let addr = name.as_ptr() as usize;
        let (last_addr, last_id) = self.last.get();
        if addr == last_addr && !name.is_empty() {
            return last_id;
        }
        if let Some(&id) = self.by_addr.borrow().get(&addr) {
            self.last.set((addr, id));
            return id;
        }
        let mut by_text = self.by_text.borrow_mut();
        let next = by_text.len() as u32;
        let id = *by_text.entry(name).or_insert(next);
        // Empty names share a dangling address; never key them by it.
        if !name.is_empty() {
            self.by_addr.borrow_mut().insert(addr, id);
        }
        id
    }

    pub(crate) fn count(&self) -> usize {
        self.by_text.borrow().len()
    }
}
