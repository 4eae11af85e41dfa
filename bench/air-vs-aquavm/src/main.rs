//! Runs the same simulation contract on Weft's AIR interpreter and on AquaVM 0.63's
//! native interpreter, scenario by scenario, and prints both medians, the speed
//! ratio, and both peak heap sizes.
//!
//! ```text
//! bench/air-vs-aquavm/run.sh [--json] [--budget SECONDS] [--only NAME]... [--engine weft|aquavm|sim]...
//! ```
//!
//! Three engines: `weft` (Weft's interpreter in the bench's host loop), `aquavm`
//! (AquaVM in the same loop) and `sim` (Weft's own simulator, for reference).
//! `--engine` picks some of them (for profiling one, e.g. under `perf record`).
//! Weft's interpreter keeps a process-wide memo of signatures it verified; every
//! simulation starts with it empty, so the peers of one simulated network share
//! it as peers hosted by one process would. `--memo-per-delivery` empties it
//! before every delivery instead, as if each peer were a process of its own.
//!
//! Each engine's output is checked against the other's before it is timed: the
//! same service calls (peer, service, function, arguments) or the scenario is
//! marked as a mismatch and the program exits with an error, since timing
//! different work means nothing.

mod alloc;
mod aquavm;
mod contract;
mod measure;
mod peers;
mod report;
mod scenarios;
mod table;
mod weft;

use std::process::ExitCode;
use std::time::Duration;

use measure::{Budget, Work, measure_all};
use table::{Engine, Row};

#[global_allocator]
static ALLOCATOR: alloc::Tracking = alloc::Tracking;

/// Weft must be at least this many times faster on every scenario...
const SPEED_TARGET: f64 = 5.0;
/// ...and need at most this share of AquaVM's peak memory on the 1 MiB scenario.
const MEMORY_TARGET: f64 = 1.0 / 3.0;
const MEMORY_SCENARIO: &str = "blob-1mib-5-peers";
const MAX_DELIVERIES: usize = 10_000;

#[derive(Debug)]
struct Args {
    json: bool,
    budget: Budget,
    only: Vec<String>,
    /// Which engines to run: the bench's loop on Weft, on AquaVM, and Weft's
    /// own simulator.
    weft: bool,
    aquavm: bool,
    sim: bool,
    /// Scripts from files, run instead of the built-in scenarios.
    scripts: Vec<String>,
    /// Print each engine's calls to stderr.
    show_calls: bool,
    /// Weft's memo of verified signatures starts empty on every delivery
    /// instead of on every simulation.
    memo_per_delivery: bool,
}

const USAGE: &str = "usage: air-vs-aquavm [--json] [--budget SECONDS] [--only NAME]... [--engine weft|aquavm|sim]... \
     [--script FILE.air]... [--show-calls] [--memo-per-delivery]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        json: false,
        budget: Budget {
            time: Duration::from_secs(3),
            min_samples: 3,
            max_samples: 201,
        },
        only: Vec::new(),
        weft: false,
        aquavm: false,
        sim: false,
        scripts: Vec::new(),
        show_calls: false,
        memo_per_delivery: false,
    };
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        match word.as_str() {
            "--json" => args.json = true,
            "--budget" => {
                let seconds: f64 = words
                    .next()
                    .and_then(|text| text.parse().ok())
                    .filter(|seconds: &f64| seconds.is_finite() && *seconds >= 0.0)
                    .ok_or("--budget takes a number of seconds per engine and scenario")?;
                args.budget.time = Duration::from_secs_f64(seconds);
            }
            "--only" => args
                .only
                .push(words.next().ok_or("--only takes a scenario name")?),
            "--engine" => match words.next().as_deref() {
                Some("weft") => args.weft = true,
                Some("aquavm") => args.aquavm = true,
                Some("sim") => args.sim = true,
                _ => return Err("--engine takes weft, aquavm or sim".into()),
            },
            "--script" => args
                .scripts
                .push(words.next().ok_or("--script takes a file name")?),
            "--show-calls" => args.show_calls = true,
            "--memo-per-delivery" => args.memo_per_delivery = true,
            "--help" | "-h" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if !(args.weft || args.aquavm || args.sim) {
        (args.weft, args.aquavm, args.sim) = (true, true, true);
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let load = load_average();
    if let Some(load) = load.filter(|load| *load > 1.0) {
        eprintln!(
            "warning: load average {load:.2} on {} cores: other processes compete, medians will be noisy",
            std::thread::available_parallelism().map_or(1, usize::from)
        );
    }
    let mut rows = Vec::new();
    let mut failed = false;
    let scenarios = if args.scripts.is_empty() {
        scenarios::all()
    } else {
        match args
            .scripts
            .iter()
            .map(|path| scenarios::from_file(path))
            .collect()
        {
            Ok(scenarios) => scenarios,
            Err(message) => {
                eprintln!("{message}");
                return ExitCode::from(2);
            }
        }
    };
    if let Some(unknown) = args
        .only
        .iter()
        .find(|name| !scenarios.iter().any(|scenario| scenario.name == **name))
    {
        let known: Vec<&str> = scenarios
            .iter()
            .map(|scenario| scenario.name.as_str())
            .collect();
        eprintln!("no scenario {unknown:?}; there are: {}", known.join(", "));
        return ExitCode::from(2);
    }
    for scenario in scenarios {
        if !args.only.is_empty() && !args.only.contains(&scenario.name) {
            continue;
        }
        eprintln!(
            "running {} ({} bytes of AIR)...",
            scenario.name,
            scenario.source.len()
        );
        match run_scenario(&scenario, &args) {
            Ok(row) => {
                failed |= row.mismatch.is_some();
                rows.push(row);
            }
            Err(message) => {
                eprintln!("{}: {message}", scenario.name);
                failed = true;
            }
        }
    }
    if args.json {
        let mut json = table::to_json(&rows, SPEED_TARGET, MEMORY_TARGET, MEMORY_SCENARIO);
        json["load_average_at_start"] = load.into();
        println!("{json}");
    } else {
        print!(
            "{}",
            table::render(&rows, SPEED_TARGET, MEMORY_TARGET, MEMORY_SCENARIO)
        );
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The 1-minute load average, where the system tells it.
fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn run_scenario(scenario: &scenarios::Scenario, args: &Args) -> Result<Row, String> {
    let mut weft = weft::Prepared::new(&scenario.source, &scenario.limits, MAX_DELIVERIES)?;
    weft.memo_per_delivery = args.memo_per_delivery;
    let aquavm = aquavm::Prepared::new(&scenario.source, &scenario.limits, MAX_DELIVERIES)?;

    // First the same work on every side, recorded and compared; then the timings.
    let mut notes = Vec::new();
    let mut mismatch = None;
    let mut calls = 0;
    let mut aquavm_runs = 0;
    let weft_check = args.weft.then(|| weft.simulate(true)).transpose()?;
    let aquavm_check = args.aquavm.then(|| aquavm.simulate(true)).transpose()?;
    let sim_check = args
        .sim
        .then(|| weft.reference().map(weft::to_run_report))
        .transpose()?;
    let checks = [
        ("weft", &weft_check),
        ("aquavm", &aquavm_check),
        ("weft-sim", &sim_check),
    ];
    for (name, report) in checks {
        let Some(report) = report else { continue };
        calls = report.call_count;
        let failures = report.failures();
        if !failures.is_empty() {
            notes.push(format!("{name} ended with errors: {}", failures.join("; ")));
        }
        if args.show_calls {
            report
                .calls
                .iter()
                .for_each(|call| eprintln!("{name}: {}", report::describe(call)));
        }
    }
    if let (Some(weft), Some(aquavm)) = (&weft_check, &aquavm_check) {
        mismatch = report::difference(weft, aquavm);
    }
    if let (Some(weft), Some(sim), None) = (&weft_check, &sim_check, &mismatch) {
        mismatch = report::difference(weft, sim).map(|difference| {
            format!("the bench's loop and weft's simulator disagree: {difference}")
        });
    }
    if let Some(report) = &aquavm_check {
        aquavm_runs = report.runs;
    }
    drop((weft_check, aquavm_check, sim_check));
    if let Some(difference) = &mismatch {
        eprintln!("{}: MISMATCH: {difference}", scenario.name);
    }
    for note in &notes {
        eprintln!("{}: warning: {note}", scenario.name);
    }

    let mut works: Vec<Work<'_>> = Vec::new();
    if args.weft {
        works.push(Box::new(|| weft.simulate(false).map(drop)));
    }
    if args.aquavm {
        works.push(Box::new(|| aquavm.simulate(false).map(drop)));
    }
    if args.sim {
        works.push(Box::new(|| weft.reference().map(drop)));
    }
    let mut measured = measure_all(args.budget, &mut works)?.into_iter();
    let mut next = |wanted: bool| {
        wanted
            .then(|| measured.next().map(|m| engine(&m)))
            .flatten()
    };
    Ok(Row {
        scenario: scenario.name.clone(),
        weft: next(args.weft),
        aquavm: next(args.aquavm),
        sim: next(args.sim).map(|sim| Engine {
            delivery_peak: None,
            ..sim
        }),
        calls,
        aquavm_runs,
        mismatch,
        notes,
    })
}

fn engine(measured: &measure::Measured) -> Engine {
    Engine {
        median: measured.median,
        wall_median: measured.wall_median,
        iterations: measured.iterations,
        peak: measured.peak_bytes,
        delivery_peak: Some(measured.delivery_peak_bytes),
    }
}
