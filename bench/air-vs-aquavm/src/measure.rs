//! Timing and peak memory of one engine on one scenario.

use std::time::{Duration, Instant};

use crate::alloc;

/// How long to measure.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    /// Stop adding iterations once this much time went into timed ones...
    pub(crate) time: Duration,
    /// ...but never run fewer than this many (the median needs a few)...
    pub(crate) min_iterations: usize,
    /// ...nor more than this many.
    pub(crate) max_iterations: usize,
}

/// What one engine did on one scenario.
#[derive(Debug)]
pub(crate) struct Measured {
    pub(crate) median: Duration,
    pub(crate) iterations: usize,
    /// Most heap bytes live at once during a simulation, above what was live before it.
    pub(crate) peak_bytes: usize,
    /// The most one delivery grew the heap (see `alloc::delivery_peak`).
    pub(crate) delivery_peak_bytes: usize,
}

/// Times `work` for the budget and takes the median; the first iteration also
/// measures peak memory.
pub(crate) fn measure<T>(
    budget: Budget,
    mut work: impl FnMut() -> Result<T, String>,
) -> Result<Measured, String> {
    let baseline = alloc::reset_peak();
    let started = Instant::now();
    let output = work()?;
    let mut times = vec![started.elapsed()];
    let peak_bytes = alloc::peak().saturating_sub(baseline);
    let delivery_peak_bytes = alloc::delivery_peak();
    drop(output);

    while times.len() < budget.max_iterations
        && (times.len() < budget.min_iterations || started.elapsed() < budget.time)
    {
        let start = Instant::now();
        let result = work()?;
        times.push(start.elapsed());
        drop(result);
    }
    times.sort_unstable();
    Ok(Measured {
        median: median(&times),
        iterations: times.len(),
        peak_bytes,
        delivery_peak_bytes,
    })
}

fn median(sorted: &[Duration]) -> Duration {
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let ms = Duration::from_millis;
        assert_eq!(median(&[ms(1), ms(2), ms(9)]), ms(2));
        assert_eq!(median(&[ms(1), ms(3), ms(5), ms(9)]), ms(4));
    }
}
