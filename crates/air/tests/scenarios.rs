//! Snapshot tests from data: every `tests/scenarios/NAME.air` is simulated and its
//! report compared with `NAME.json` next to it.
//!
//! `BLESS=1 cargo test -p weft-air --test scenarios` writes the expected files from
//! the current output. `SHOW_DIVERGENCES=1` also fails on (and shows) the known
//! divergences listed below, for whoever is fixing them. A blessed file is a claim about AIR's semantics: read it and
//! check it against AIR.md before committing it. `SCENARIO=fold_` runs only the
//! scenarios whose names start with `fold_`.
//!
//! A script that the simulator rejects (parse, validation or mock annotation error)
//! snapshots as `{"error": "<message>"}`. A line `; sim: max_deliveries = N` (or a
//! field of `Limits`: `max_stream_len`, `max_steps`, `max_depth`, `max_call_result_bytes`,
//! `max_data_bytes`) changes that option for its scenario, to reach a bound cheaply.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use weft_air::sim::{SimOptions, simulate};

/// Scenarios whose expected file holds the behaviour the interpreter should have (AquaVM
/// 0.63's, checked against AIR.md) but does not have yet, with why. The suite checks that
/// they still differ, so a fix fails here with a request to drop the entry; `BLESS`
/// never rewrites them (a snapshot of a bug would hide it).
const KNOWN_DIVERGENCES: &[(&str, &str)] = &[
    // Empty. Found so far and fixed in the interpreter: par completeness, forwarding before
    // args, empty folds, 10003, user objects' peer_id, par error choice (4ab966b); absent
    // canon map keys, stream-fold end, request order, %last_error% rules, shadowing
    // (52a2660). Add `("scenario_name", "why")` here for the next one.
];

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios")
}

/// The pretty JSON a scenario's expected file holds.
fn render(source: &str) -> String {
    let value = match simulate(source, &options(source)) {
        Ok(report) => report.to_json(),
        Err(error) => serde_json::json!({ "error": error.to_string() }),
    };
    let mut text = serde_json::to_string_pretty(&value).expect("a JSON value always serializes");
    text.push('\n');
    text
}

fn options(source: &str) -> SimOptions {
    let mut options = SimOptions::default();
    for line in source.lines() {
        if let Some(setting) = line.strip_prefix("; sim:") {
            let (key, value) = setting.split_once('=').expect("`; sim: KEY = VALUE`");
            let value: usize = value.trim().parse().expect("a number");
            match key.trim() {
                "max_deliveries" => options.max_deliveries = value,
                "max_stream_len" => options.limits.max_stream_len = value,
                "max_steps" => options.limits.max_steps = value as u64,
                "max_depth" => options.limits.max_depth = value,
                "max_call_result_bytes" => options.limits.max_call_result_bytes = value,
                "max_data_bytes" => options.limits.max_data_bytes = value,
                other => panic!("unknown sim option {other:?} in {line:?}"),
            }
        }
    }
    options
}

fn scenarios() -> Vec<PathBuf> {
    let filter = std::env::var("SCENARIO").unwrap_or_default();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("tests/scenarios exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "air"))
        .filter(|path| name(path).starts_with(&filter))
        .collect();
    paths.sort();
    paths
}

/// Compares as JSON values, so the expected files' layout does not matter.
fn same_json(expected: &str, actual: &str) -> bool {
    let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).ok();
    matches!((parse(expected), parse(actual)), (Some(a), Some(b)) if a == b)
}

fn name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn scenarios_match_their_snapshots() {
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let paths = scenarios();
    assert!(
        !paths.is_empty(),
        "no scenarios found in {}",
        scenario_dir().display()
    );
    let known: BTreeMap<&str, &str> = KNOWN_DIVERGENCES.iter().copied().collect();
    let show_divergences = std::env::var_os("SHOW_DIVERGENCES").is_some_and(|v| v == "1");
    let mut failures = String::new();
    for path in &paths {
        let name = name(path);
        let source = std::fs::read_to_string(path).expect("readable scenario");
        let actual = render(&source);
        // Determinism is part of the contract: the same script gives the same report.
        if render(&source) != actual {
            writeln!(failures, "{name}: two simulations gave different reports").ok();
            continue;
        }
        let expected_path = path.with_extension("json");
        let divergence = known.get(name.as_str());
        if bless && divergence.is_none() {
            std::fs::write(&expected_path, &actual).expect("writable snapshot");
            continue;
        }
        let Ok(expected) = std::fs::read_to_string(&expected_path) else {
            writeln!(
                failures,
                "{name}: no expected output {}; run `BLESS=1 cargo test -p weft-air --test scenarios` \
                 to write it, then read it and check it against AIR.md",
                expected_path.display()
            )
            .ok();
            continue;
        };
        match (same_json(&expected, &actual), divergence) {
            (true, None) => {}
            (false, Some(_)) if !show_divergences => {}
            (false, _) => {
                writeln!(
                    failures,
                    "{name}: the report differs from {}\n--- expected\n{expected}--- actual\n{actual}",
                    expected_path.display()
                )
                .ok();
            }
            (true, Some(why)) => {
                writeln!(
                    failures,
                    "{name}: now matches its expected output (known divergence: {why}); \
                     remove it from KNOWN_DIVERGENCES"
                )
                .ok();
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} scenario(s) checked\n{failures}",
        paths.len()
    );
}

#[test]
fn known_divergences_name_existing_scenarios() {
    for (name, _) in KNOWN_DIVERGENCES {
        let path = scenario_dir().join(format!("{name}.air"));
        assert!(path.exists(), "{} is listed but missing", path.display());
    }
}

#[test]
fn enough_scenarios() {
    let count = std::fs::read_dir(scenario_dir())
        .expect("tests/scenarios exists")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "air"))
        })
        .count();
    assert!(count >= 80, "only {count} scenarios");
}

/// `weft flow fmt` on every scenario: keeps every comment (mock annotations
/// included), is idempotent, and the formatted script simulates the same.
#[test]
fn formatting_keeps_comments_and_behaviour() {
    for path in scenarios() {
        let source = std::fs::read_to_string(&path).expect("readable scenario");
        let Ok(script) = weft_air::parse_syntax(&source) else {
            continue;
        };
        let name = name(&path);
        let once = weft_air::print_with_comments(&script, &source);
        let reparsed = weft_air::parse_syntax(&once)
            .unwrap_or_else(|e| panic!("{name}: the formatted script does not parse: {e}\n{once}"));
        assert!(
            reparsed.same_shape(&script),
            "{name}: formatting changed the tree"
        );
        let twice = weft_air::print_with_comments(&reparsed, &once);
        assert_eq!(once, twice, "{name}: formatting is not idempotent");
        let kept = weft_air_comments(&once).join("\n");
        for comment in weft_air_comments(&source) {
            assert!(
                kept.contains(&comment),
                "{name}: lost comment {comment:?}\n{once}"
            );
        }
        let (before, after) = (render(&source), render(&once));
        if before.contains("\"error\"") && !before.contains("\"calls\"") {
            assert!(
                after.contains("\"error\""),
                "{name}: the formatted script no longer fails"
            );
        } else {
            assert!(
                same_json(&before, &after),
                "{name}: formatted script simulates differently"
            );
        }
    }
}

/// The comments of a source, trimmed (a `;` outside string literals starts one).
fn weft_air_comments(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in source.lines() {
        let mut in_string = false;
        for (i, c) in line.char_indices() {
            match c {
                '"' => in_string = !in_string,
                ';' if !in_string => {
                    out.push(line[i + 1..].trim().to_owned());
                    break;
                }
                _ => {}
            }
        }
    }
    out
}
