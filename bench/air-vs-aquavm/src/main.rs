//! Runs the same simulation contract on Weft's AIR interpreter and on AquaVM 0.63's
//! native interpreter, scenario by scenario, and prints both medians, the speed
//! ratio, and both peak heap sizes.
//!
//! ```text
//! bench/air-vs-aquavm/run.sh [--json] [--budget SECONDS] [--only NAME]... [--engine weft|aquavm]
//! ```
//!
//! `--engine` runs one side only (for profiling it, e.g. under `perf record`).
//!
//! Each engine's output is checked against the other's before it is timed: the
//! same service calls (peer, service, function, arguments) or the scenario is
//! marked as a mismatch and the program exits with an error, since timing
//! different work means nothing.

mod alloc;
mod aquavm;
mod contract;
mod measure;
mod report;
mod scenarios;
mod table;
mod weft;

use std::process::ExitCode;
use std::time::Duration;

use weft_air::sim::SimOptions;

use measure::{Budget, measure};
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
    weft: bool,
    aquavm: bool,
    /// Scripts from files, run instead of the built-in scenarios.
    scripts: Vec<String>,
    /// Print each engine's calls to stderr.
    show_calls: bool,
}

const USAGE: &str = "usage: air-vs-aquavm [--json] [--budget SECONDS] [--only NAME]... [--engine weft|aquavm] \
     [--script FILE.air]... [--show-calls]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        json: false,
        budget: Budget {
            time: Duration::from_secs(6),
            min_iterations: 3,
            max_iterations: 201,
        },
        only: Vec::new(),
        weft: true,
        aquavm: true,
        scripts: Vec::new(),
        show_calls: false,
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
                Some("weft") => args.aquavm = false,
                Some("aquavm") => args.weft = false,
                _ => return Err("--engine takes weft or aquavm".into()),
            },
            "--script" => args
                .scripts
                .push(words.next().ok_or("--script takes a file name")?),
            "--show-calls" => args.show_calls = true,
            "--help" | "-h" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
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
        println!(
            "{}",
            table::to_json(&rows, SPEED_TARGET, MEMORY_TARGET, MEMORY_SCENARIO)
        );
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

fn run_scenario(scenario: &scenarios::Scenario, args: &Args) -> Result<Row, String> {
    let options = SimOptions {
        limits: scenario.limits.clone(),
        max_deliveries: MAX_DELIVERIES,
        ..SimOptions::default()
    };
    let prepared = aquavm::Prepared::new(&scenario.source, &scenario.limits, MAX_DELIVERIES)?;

    let weft = if args.weft {
        let measured = measure(args.budget, || weft::run(&scenario.source, &options))?;
        let engine = engine(&measured);
        Some((engine, weft::to_run_report(measured.output)))
    } else {
        None
    };
    let aquavm = if args.aquavm {
        let measured = measure(args.budget, || prepared.simulate())?;
        Some((engine(&measured), measured.output))
    } else {
        None
    };

    let mut notes = Vec::new();
    for (name, report) in [("weft", weft.as_ref()), ("aquavm", aquavm.as_ref())] {
        let failures = report
            .map(|(_, report)| report.failures())
            .unwrap_or_default();
        if !failures.is_empty() {
            notes.push(format!("{name} ended with errors: {}", failures.join("; ")));
        }
    }
    if args.show_calls {
        for (name, report) in [("weft", weft.as_ref()), ("aquavm", aquavm.as_ref())] {
            for call in report.iter().flat_map(|(_, report)| &report.calls) {
                eprintln!("{name}: {}", report::describe(call));
            }
        }
    }
    let mismatch = match (&weft, &aquavm) {
        (Some((_, weft)), Some((_, aquavm))) => report::difference(weft, aquavm),
        _ => None,
    };
    if let Some(difference) = &mismatch {
        eprintln!("{}: MISMATCH: {difference}", scenario.name);
    }
    for note in &notes {
        eprintln!("{}: warning: {note}", scenario.name);
    }
    let calls = weft
        .as_ref()
        .or(aquavm.as_ref())
        .map_or(0, |(_, report)| report.calls.len());
    Ok(Row {
        scenario: scenario.name.clone(),
        weft: weft.as_ref().map(|(engine, _)| *engine),
        aquavm: aquavm.as_ref().map(|(engine, _)| *engine),
        calls,
        aquavm_runs: aquavm.as_ref().map_or(0, |(_, report)| report.runs),
        aquavm_deliveries: aquavm.as_ref().map_or(0, |(_, report)| report.deliveries),
        mismatch,
        notes,
    })
}

fn engine<T>(measured: &measure::Measured<T>) -> Engine {
    Engine {
        median: measured.median,
        iterations: measured.iterations,
        peak: measured.peak_bytes,
    }
}
