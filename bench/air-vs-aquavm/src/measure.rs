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
    /// Stop adding samples once this much wall time per engine went into timed
    /// ones...
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

/// One engine's work on one scenario, its output dropped.
pub(crate) type Work<'a> = Box<dyn FnMut() -> Result<(), String> + 'a>;

/// Measures every engine in `works` on one scenario: first each alone once,
/// untimed, for its peak memory and to size its samples; then samples taken in
/// rounds, one per engine per round, so that a busy spell on the machine falls on
/// every engine alike and their ratio stays stable. Stops when the rounds have
/// used `budget.time` per engine (after at least `budget.min_samples` rounds).
pub(crate) fn measure_all(budget: Budget, works: &mut [Work<'_>]) -> Result<Vec<Measured>, String> {
    let mut engines = Vec::with_capacity(works.len());
    for work in works.iter_mut() {
        let baseline = alloc::reset_peak();
        let first = Instant::now();
        work()?;
        let first = first.elapsed();
        engines.push(Sampler {
            batch: (SAMPLE.as_nanos() / first.as_nanos().max(1)).clamp(1, 100_000) as u32,
            peak_bytes: alloc::peak().saturating_sub(baseline),
            delivery_peak_bytes: alloc::delivery_peak(),
            cpu: Vec::new(),
            wall: Vec::new(),
        });
    }
    let started = Instant::now();
    let total = budget.time * u32::try_from(works.len()).unwrap_or(1);
    let mut rounds = 0;
    while rounds < budget.max_samples && (rounds < budget.min_samples || started.elapsed() < total)
    {
        for (work, engine) in works.iter_mut().zip(&mut engines) {
            let (wall_start, cpu_start) = (Instant::now(), thread_cpu_time()?);
            for _ in 0..engine.batch {
                work()?;
            }
            engine
                .cpu
                .push((thread_cpu_time()? - cpu_start) / engine.batch);
            engine.wall.push(wall_start.elapsed() / engine.batch);
        }
        rounds += 1;
    }
    Ok(engines
        .into_iter()
        .map(|mut engine| Measured {
            median: median(&mut engine.cpu),
            wall_median: median(&mut engine.wall),
            iterations: engine.cpu.len() * engine.batch as usize,
            peak_bytes: engine.peak_bytes,
            delivery_peak_bytes: engine.delivery_peak_bytes,
        })
        .collect())
}

/// One engine's samples so far.
struct Sampler {
    /// Simulations per sample.
    batch: u32,
    peak_bytes: usize,
    delivery_peak_bytes: usize,
    cpu: Vec<Duration>,
    wall: Vec<Duration>,
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

    /// Burns `cpu` of this thread's CPU time.
    fn spin(cpu: Duration) -> Result<(), String> {
        let start = thread_cpu_time()?;
        while thread_cpu_time()? - start < cpu {}
        Ok(())
    }

    #[test]
    fn each_engine_gets_its_own_median_per_simulation() -> Result<(), String> {
        let us = Duration::from_micros;
        let budget = Budget {
            time: Duration::ZERO,
            min_samples: 3,
            max_samples: 3,
        };
        let mut works: Vec<Work<'_>> = vec![Box::new(|| spin(us(300))), Box::new(|| spin(us(900)))];
        let measured = measure_all(budget, &mut works)?;
        let (short, long) = (&measured[0], &measured[1]);
        // Batched: a 2 ms sample holds several simulations, and the median is per simulation.
        assert!(short.iterations > 3, "{}", short.iterations);
        assert!(
            short.median >= us(300) && short.median < us(450),
            "{:?}",
            short.median
        );
        assert!(
            long.median >= us(900) && long.median < us(1200),
            "{:?}",
            long.median
        );
        Ok(())
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
