//! A global allocator that counts live heap bytes and their high-water mark, so each
//! scenario can report the peak memory an interpreter needed on top of what was
//! already allocated when it started.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// The peak within the current delivery (see [`start_delivery`]).
static DELIVERY_PEAK: AtomicUsize = AtomicUsize::new(0);
/// The largest growth any delivery needed since the last [`reset_peak`].
static DELIVERY_MAX: AtomicUsize = AtomicUsize::new(0);

/// Forwards to the system allocator and keeps the counters.
#[derive(Debug)]
pub(crate) struct Tracking;

fn grew(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
    DELIVERY_PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(bytes: usize) {
    CURRENT.fetch_sub(bytes, Ordering::Relaxed);
}

// The allocator must be `unsafe impl`: it only forwards each call unchanged to
// `System` with the caller's own arguments, so it upholds whatever `System` does.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's, forwarded unchanged.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's, forwarded unchanged.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's, forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's, forwarded unchanged.
        let new_ptr = unsafe { System.realloc(ptr, layout, new_size) };
        if !new_ptr.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        new_ptr
    }
}

/// Starts a measurement: the peak restarts from the bytes live now, which are
/// returned as the baseline.
pub(crate) fn reset_peak() -> usize {
    let now = CURRENT.load(Ordering::Relaxed);
    PEAK.store(now, Ordering::Relaxed);
    DELIVERY_MAX.store(0, Ordering::Relaxed);
    now
}

/// Starts measuring one delivery (a peer processing one incoming particle);
/// returns the baseline to hand to [`end_delivery`].
pub(crate) fn start_delivery() -> usize {
    let now = CURRENT.load(Ordering::Relaxed);
    DELIVERY_PEAK.store(now, Ordering::Relaxed);
    now
}

/// Ends measuring a delivery started at `baseline`.
pub(crate) fn end_delivery(baseline: usize) {
    let grown = DELIVERY_PEAK
        .load(Ordering::Relaxed)
        .saturating_sub(baseline);
    DELIVERY_MAX.fetch_max(grown, Ordering::Relaxed);
}

/// The most any one delivery grew the heap since the last [`reset_peak`]: what a
/// peer needs to process a particle, above the state it keeps between particles.
pub(crate) fn delivery_peak() -> usize {
    DELIVERY_MAX.load(Ordering::Relaxed)
}

/// The most bytes live at once since the last [`reset_peak`].
pub(crate) fn peak() -> usize {
    PEAK.load(Ordering::Relaxed)
}
