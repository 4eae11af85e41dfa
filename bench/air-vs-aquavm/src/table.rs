//! The results, as a Markdown table or as JSON.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value, json};

/// One scenario's measurements on both engines.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) scenario: String,
    /// `None` for an engine left out with `--engine`.
    pub(crate) weft: Option<Engine>,
    pub(crate) aquavm: Option<Engine>,
    /// Weft's own simulator, for reference.
    pub(crate) sim: Option<Engine>,
    /// Service calls the flow made (the same on all engines unless `mismatch`).
    pub(crate) calls: usize,
    pub(crate) aquavm_runs: usize,
    pub(crate) mismatch: Option<String>,
    pub(crate) notes: Vec<String>,
}

/// One engine's measurements on one scenario.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Engine {
    /// CPU time of one simulation (median).
    pub(crate) median: Duration,
    pub(crate) wall_median: Duration,
    pub(crate) iterations: usize,
    /// Peak heap of the whole simulation (all peers' stored data included).
    pub(crate) peak: usize,
    /// Peak heap growth of the largest single delivery (`None` for Weft's
    /// simulator, whose loop the bench does not instrument).
    pub(crate) delivery_peak: Option<usize>,
}

impl Row {
    /// How many times faster Weft is.
    fn speedup(&self) -> Option<f64> {
        let (weft, aquavm) = (self.weft?, self.aquavm?);
        Some(aquavm.median.as_secs_f64() / weft.median.as_secs_f64().max(1e-9))
    }

    /// Weft's peak memory as a share of AquaVM's.
    fn memory_share(&self) -> Option<f64> {
        let (weft, aquavm) = (self.weft?, self.aquavm?);
        Some(weft.peak as f64 / (aquavm.peak as f64).max(1.0))
    }

    fn verdict(&self, speed_target: f64, memory_target: f64, memory_scenario: &str) -> String {
        if self.mismatch.is_some() {
            return "MISMATCH".into();
        }
        let (Some(speedup), Some(memory_share)) = (self.speedup(), self.memory_share()) else {
            return "-".into();
        };
        let mut misses = Vec::new();
        if speedup < speed_target {
            misses.push("speed");
        }
        if self.scenario == memory_scenario && memory_share > memory_target {
            misses.push("memory");
        }
        if misses.is_empty() {
            "ok".into()
        } else {
            format!("MISS {}", misses.join("+"))
        }
    }
}

pub(crate) fn render(
    rows: &[Row],
    speed_target: f64,
    memory_target: f64,
    memory_scenario: &str,
) -> String {
    let mut out = String::new();
    out.push_str(
        "| scenario | weft median (CPU) | aquavm median (CPU) | ratio (speedup) | weft peak mem | aquavm peak mem | mem ratio | calls | aquavm runs | target |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.scenario,
            or_dash(row.weft.map(|engine| duration(engine.median))),
            or_dash(row.aquavm.map(|engine| duration(engine.median))),
            or_dash(row.speedup().map(|speedup| format!("{speedup:.1}×"))),
            or_dash(row.weft.map(|engine| bytes(engine.peak))),
            or_dash(row.aquavm.map(|engine| bytes(engine.peak))),
            or_dash(row.memory_share().map(|share| format!("{share:.2}"))),
            row.calls,
            row.aquavm_runs,
            row.verdict(speed_target, memory_target, memory_scenario),
        );
    }
    out.push_str(
        "\nLargest single delivery (heap growth while one peer processes one particle, \
         above the state it keeps between particles):\n\n\
         | scenario | weft | aquavm | mem ratio |\n\
         |---|---:|---:|---:|\n",
    );
    for row in rows {
        let ratio = match (row.weft, row.aquavm) {
            (Some(weft), Some(aquavm)) => weft
                .delivery_peak
                .zip(aquavm.delivery_peak)
                .map(|(weft, aquavm)| format!("{:.2}", weft as f64 / (aquavm as f64).max(1.0))),
            _ => None,
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            row.scenario,
            or_dash(row.weft.and_then(|engine| engine.delivery_peak).map(bytes)),
            or_dash(
                row.aquavm
                    .and_then(|engine| engine.delivery_peak)
                    .map(bytes)
            ),
            or_dash(ratio),
        );
    }
    if rows.iter().any(|row| row.sim.is_some()) {
        out.push_str(
            "\nWeft's own simulator (`weft_air::sim::simulate`: parses once for all peers, keeps every \
             call's arguments and result in its report):\n\n\
             | scenario | weft sim median | weft sim peak mem | speedup vs aquavm |\n\
             |---|---:|---:|---:|\n",
        );
        for row in rows {
            let speedup = match (row.sim, row.aquavm) {
                (Some(sim), Some(aquavm)) => Some(format!(
                    "{:.1}×",
                    aquavm.median.as_secs_f64() / sim.median.as_secs_f64().max(1e-9)
                )),
                _ => None,
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                row.scenario,
                or_dash(row.sim.map(|engine| duration(engine.median))),
                or_dash(row.sim.map(|engine| bytes(engine.peak))),
                or_dash(speedup),
            );
        }
    }
    let _ = writeln!(
        out,
        "\nTargets: Weft ≥ {speed_target}× faster on every scenario; Weft ≤ {memory_target:.2} of \
         AquaVM's peak memory on {memory_scenario}."
    );
    out
}

pub(crate) fn to_json(
    rows: &[Row],
    speed_target: f64,
    memory_target: f64,
    memory_scenario: &str,
) -> Value {
    let rows: Vec<Value> = rows
        .iter()
        .map(|row| {
            json!({
                "scenario": row.scenario,
                "weft": row.weft.map(engine_json),
                "aquavm": row.aquavm.map(engine_json),
                "weft_sim": row.sim.map(engine_json),
                "speedup": row.speedup(),
                "memory_ratio": row.memory_share(),
                "calls": row.calls,
                "aquavm_runs": row.aquavm_runs,
                "mismatch": row.mismatch,
                "notes": row.notes,
                "verdict": row.verdict(speed_target, memory_target, memory_scenario),
            })
        })
        .collect();
    json!({
        "targets": {
            "speedup_at_least": speed_target,
            "memory_ratio_at_most": memory_target,
            "memory_scenario": memory_scenario,
        },
        "scenarios": rows,
    })
}

fn engine_json(engine: Engine) -> Value {
    json!({
        "median_cpu_ns": engine.median.as_nanos() as u64,
        "median_wall_ns": engine.wall_median.as_nanos() as u64,
        "iterations": engine.iterations,
        "peak_bytes": engine.peak,
        "delivery_peak_bytes": engine.delivery_peak,
    })
}

fn or_dash(text: Option<String>) -> String {
    text.unwrap_or_else(|| "-".into())
}

fn duration(value: Duration) -> String {
    let nanos = value.as_nanos() as f64;
    if nanos < 1e3 {
        format!("{nanos:.0} ns")
    } else if nanos < 1e6 {
        format!("{:.1} µs", nanos / 1e3)
    } else if nanos < 1e9 {
        format!("{:.2} ms", nanos / 1e6)
    } else {
        format!("{:.2} s", nanos / 1e9)
    }
}

fn bytes(value: usize) -> String {
    let value = value as f64;
    if value < 1024.0 {
        format!("{value:.0} B")
    } else if value < 1024.0 * 1024.0 {
        format!("{:.1} KiB", value / 1024.0)
    } else {
        format!("{:.2} MiB", value / (1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_verdicts() {
        assert_eq!(duration(Duration::from_micros(1500)), "1.50 ms");
        assert_eq!(bytes(3 << 20), "3.00 MiB");
        let row = Row {
            scenario: "blob".into(),
            weft: Some(Engine {
                median: Duration::from_millis(1),
                wall_median: Duration::from_millis(1),
                iterations: 3,
                peak: 50,
                delivery_peak: Some(10),
            }),
            aquavm: Some(Engine {
                median: Duration::from_millis(4),
                wall_median: Duration::from_millis(4),
                iterations: 3,
                peak: 100,
                delivery_peak: Some(10),
            }),
            sim: None,
            calls: 1,
            aquavm_runs: 2,
            mismatch: None,
            notes: Vec::new(),
        };
        assert_eq!(row.verdict(5.0, 1.0 / 3.0, "blob"), "MISS speed+memory");
        assert_eq!(row.verdict(4.0, 1.0 / 3.0, "other"), "ok");
        let one_sided = Row { weft: None, ..row };
        assert_eq!(one_sided.verdict(4.0, 1.0 / 3.0, "other"), "-");
    }
}
