//! The committed contract artifacts are what the sources compile to.

use std::{path::Path, process::Command};

#[test]
fn committed_artifacts_match_the_sources() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/contracts.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg("--check")
        .output()
        .expect("run scripts/contracts.sh --check (needs bash and node)");
    assert!(
        output.status.success(),
        "scripts/contracts.sh --check failed (run scripts/setup.sh for solc-js, then \
         scripts/contracts.sh to refresh contracts/out):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
