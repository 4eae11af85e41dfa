//! Timing and peak memory of one engine on one scenario.
//!
//! Times are CPU time of the benchmark's thread (user and system), not wall time:
//! the project's machines are small and shared, and another process running
//! alongside stretches wall time but not the CPU time this thread used. Short
//! simulations are timed in batches (a sample is at least [`SAMPLE`] long), since
//! reading the clock costs about a microsecond.

use std::time::{Duration, Instant};

use crate::alloc;

/// The shortest a timed sample should be.
const SAMPLE: Duration = Duration::from_millis(2);

/// How long to measure.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    /// Stop adding samples once this much wall time went into timed ones...
    pub(crate) time: Duration,
    /// ...but never take fewer than this many (the median needs a few)...
    pub(crate) min_samples: usize,
    /// ...nor more than this many.
    pub(crate) max_samples: usize,
}

/// What one engine did on one scenario.
#[derive(Debug)]
pub(crate) struct Measured {
    /// Median CPU time of one simulation.
    pub(crate) median: Duration,
    /// Median wall time of one simulation (inflated by other processes).
    pub(crate) wall_median: Duration,
    /// Simulations timed, in all samples.
    pub(crate) iterations: usize,
    /// Most heap bytes live at once during a simulation, above what was live before it.
    pub(crate) peak_bytes: usize,
    /// The most one delivery grew the heap (see `alloc::delivery_peak`).
    pub(crate) delivery_peak_bytes: usize,
}

/// Times `work` for the budget and takes the median; a first, untimed run
/// measures peak memory and sizes the samples.
pub(crate) fn measure<T>(
    budget: Budget,
    mut work: impl FnMut() -> Result<T, String>,
) -> Result<Measured, String> {
    let baseline = alloc::reset_peak();
    let first = Instant::now();
    let output = work()?;
    let first = first.elapsed();
    let peak_bytes = alloc::peak().saturating_sub(baseline);
    let delivery_peak_bytes = alloc::delivery_peak();
    drop(output);

    let batch = (SAMPLE.as_nanos() / first.as_nanos().max(1)).clamp(1, 100_000) as u32;
    let mut cpu = Vec::new();
    let mut wall = Vec::new();
    let started = Instant::now();
    while cpu.len() < budget.max_samples
        && (cpu.len() < budget.min_samples || started.elapsed() < budget.time)
    {
        let (wall_start, cpu_start) = (Instant::now(), thread_cpu_time()?);
        for _ in 0..batch {
            drop(work()?);
        }
        cpu.push((thread_cpu_time()? - cpu_start) / batch);
        wall.push(wall_start.elapsed() / batch);
    }
    Ok(Measured {
        median: median(&mut cpu),
        wall_median: median(&mut wall),
        iterations: cpu.len() * batch as usize,
        peak_bytes,
        delivery_peak_bytes,
    })
}

/// CPU time this thread has used.
fn thread_cpu_time() -> Result<Duration, String> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the call to fill, and the
    // clock id is a constant of the platform.
    #[allow(unsafe_code)]
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    if status != 0 {
        return Err("the thread CPU clock is not available".into());
    }
    let seconds = u64::try_from(now.tv_sec).unwrap_or_default();
    let nanos = u32::try_from(now.tv_nsec).unwrap_or_default();
    Ok(Duration::new(seconds, nanos))
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    match samples.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => samples[n / 2],
        n => (samples[n / 2 - 1] + samples[n / 2]) / 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let ms = Duration::from_millis;
        assert_eq!(median(&mut [ms(9), ms(1), ms(2)]), ms(2));
        assert_eq!(median(&mut [ms(1), ms(9), ms(5), ms(3)]), ms(4));
    }

    #[test]
    fn the_thread_clock_counts_work_not_sleep() -> Result<(), String> {
        let start = thread_cpu_time()?;
        std::thread::sleep(Duration::from_millis(20));
        let slept = thread_cpu_time()? - start;
        let start = thread_cpu_time()?;
        let spin = Instant::now();
        while spin.elapsed() < Duration::from_millis(20) {}
        let spun = thread_cpu_time()? - start;
        assert!(slept < Duration::from_millis(5), "{slept:?}");
        assert!(spun > slept, "{spun:?} vs {slept:?}");
        Ok(())
    }
}
