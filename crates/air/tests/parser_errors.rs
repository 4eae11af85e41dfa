//! Every parse and validation error, rendered, from fixtures.
//!
//! Each `tests/parse_errors/NAME.air` is a bad script; `NAME.err` holds the
//! error `weft_air::parse` renders for it. Run with `BLESS=1` to rewrite the
//! `.err` files from the current output, then review the diff.

use std::fs;
use std::path::{Path, PathBuf};

/// Parses `input` expecting an error whose rendering equals the file `expected`.
fn check(input: &str, expected: &Path) -> Result<(), String> {
    let actual = match weft_air::parse(input) {
        Ok(_) => "(parsed without error)\n".to_owned(),
        Err(error) => format!("{error}\n"),
    };
    if std::env::var_os("BLESS").is_some() {
        fs::write(expected, &actual).map_err(|e| format!("{}: {e}", expected.display()))?;
        return Ok(());
    }
    let wanted = fs::read_to_string(expected).map_err(|e| {
        format!(
            "{}: {e} (run with BLESS=1 to create it)",
            expected.display()
        )
    })?;
    if wanted == actual {
        Ok(())
    } else {
        Err(format!(
            "{}:\n--- expected\n{wanted}--- actual\n{actual}",
            expected.display()
        ))
    }
}

#[test]
fn every_fixture_renders_its_expected_error() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parse_errors");
    let mut fixtures: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("fixture directory")
        .map(|entry| entry.expect("fixture entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "air"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() > 50, "fixtures went missing");
    let failures: Vec<String> = fixtures
        .iter()
        .filter_map(|air| {
            let input = fs::read_to_string(air).expect("fixture text");
            check(&input, &air.with_extension("err")).err()
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
