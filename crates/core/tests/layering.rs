//! The dependency arrows between workspace crates point down only (CONVENTIONS.md):
//! `core` depends on no workspace crate; `air`, `net`, `host` and `chain` depend only
//! on `core`; only `node`, `cli` and `testkit` compose them. A wrong arrow fails here.

// Helpers here are test code too: malformed `cargo metadata` output should fail the test loudly.
#![allow(clippy::unwrap_used)]

use std::{collections::BTreeMap, path::Path, process::Command};

/// For each layer crate, the workspace crates it may depend on. Crates not listed
/// (the composition roots) may depend on any workspace crate.
fn allowed() -> BTreeMap<&'static str, &'static [&'static str]> {
    BTreeMap::from([
        ("weft-core", &[][..]),
        ("weft-air", &["weft-core"][..]),
        ("weft-net", &["weft-core"][..]),
        ("weft-host", &["weft-core"][..]),
        ("weft-chain", &["weft-core"][..]),
    ])
}

/// Composition roots: may depend on layers, but no layer may depend on them.
const ROOTS: &[&str] = &["weft-node", "weft-cli", "weft-testkit"];

/// The arrows in `metadata` (cargo metadata's JSON) that point the wrong way.
fn wrong_arrows(metadata: &serde_json::Value) -> Vec<String> {
    let packages = metadata["packages"].as_array().expect("packages");
    let workspace: Vec<&str> = packages
        .iter()
        .map(|p| p["name"].as_str().expect("package name"))
        .collect();
    let allowed = allowed();
    let mut wrong = Vec::new();
    for package in packages {
        let name = package["name"].as_str().expect("package name");
        if !allowed.contains_key(name) && !ROOTS.contains(&name) {
            wrong.push(format!(
                "{name} is neither a layer nor a root: add it to this test"
            ));
        }
        for dep in package["dependencies"].as_array().expect("dependencies") {
            let dep_name = dep["name"].as_str().expect("dependency name");
            // Dev-dependencies may reach further (a layer's tests may use the test kit).
            if dep["kind"].as_str() == Some("dev") || !workspace.contains(&dep_name) {
                continue;
            }
            if let Some(ok) = allowed.get(name)
                && !ok.contains(&dep_name)
            {
                wrong.push(format!("{name} -> {dep_name}"));
            }
        }
    }
    wrong
}

#[test]
fn workspace_dependencies_point_down() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names = metadata["packages"].to_string();
    assert!(names.contains("\"weft-core\"") && names.contains("\"weft-air\""));
    let wrong = wrong_arrows(&metadata);
    assert!(
        wrong.is_empty(),
        "dependencies that point the wrong way: {wrong:?}"
    );
}

#[test]
fn a_wrong_arrow_is_caught() {
    let metadata = serde_json::json!({"packages": [
        {"name": "weft-core", "dependencies": []},
        {"name": "weft-air", "dependencies": [
            {"name": "weft-core", "kind": null},
            {"name": "weft-host", "kind": null},
            {"name": "serde", "kind": null},
        ]},
        {"name": "weft-host", "dependencies": [{"name": "weft-cli", "kind": "dev"}]},
        {"name": "weft-cli", "dependencies": [{"name": "weft-air", "kind": null}]},
        {"name": "weft-mystery", "dependencies": []},
    ]});
    assert_eq!(
        wrong_arrows(&metadata),
        vec![
            "weft-air -> weft-host".to_owned(),
            "weft-mystery is neither a layer nor a root: add it to this test".to_owned(),
        ]
    );
}

#[test]
fn a_layer_never_depends_on_a_root() {
    // The table itself must not allow an upward arrow.
    for (layer, deps) in allowed() {
        for dep in deps {
            assert!(!ROOTS.contains(dep), "{layer} may not depend on root {dep}");
        }
    }
}
