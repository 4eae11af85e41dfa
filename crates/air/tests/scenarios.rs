//! Snapshot tests from data: every `tests/scenarios/NAME.air` is simulated and its
//! report compared with `NAME.json` next to it.
//!
//! `BLESS=1 cargo test -p weft-air --test scenarios` writes the expected files from
//! the current output. A blessed file is a claim about AIR's semantics: read it and
//! check it against AIR.md before committing it. `SCENARIO=fold_` runs only the
//! scenarios whose names start with `fold_`.
//!
//! A script that the simulator rejects (parse, validation or mock annotation error)
//! snapshots as `{"error": "<message>"}`. A line `; sim: max_deliveries = N` changes
//! that option for its scenario (the only one the suite needs to vary).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use weft_air::sim::{SimOptions, simulate};

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
            assert_eq!(
                key.trim(),
                "max_deliveries",
                "unknown sim option in {line:?}"
            );
            options.max_deliveries = value.trim().parse().expect("a number of deliveries");
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
    let mut failures = String::new();
    for path in &paths {
        let source = std::fs::read_to_string(path).expect("readable scenario");
        let actual = render(&source);
        // Determinism is part of the contract: the same script gives the same report.
        if render(&source) != actual {
            writeln!(
                failures,
                "{}: two simulations gave different reports",
                name(path)
            )
            .ok();
            continue;
        }
        let expected_path = path.with_extension("json");
        if bless {
            std::fs::write(&expected_path, &actual).expect("writable snapshot");
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Err(_) => writeln!(
                failures,
                "{}: no expected output {}; run `BLESS=1 cargo test -p weft-air --test scenarios` \
                 to write it, then read it and check it against AIR.md",
                name(path),
                expected_path.display()
            )
            .ok(),
            Ok(expected) if expected != actual => writeln!(
                failures,
                "{}: the report differs from {}\n--- expected\n{expected}--- actual\n{actual}",
                name(path),
                expected_path.display()
            )
            .ok(),
            Ok(_) => None,
        };
    }
    assert!(
        failures.is_empty(),
        "{} scenario(s) checked\n{failures}",
        paths.len()
    );
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
