#!/usr/bin/env bash
# Builds the AIR benchmark (Weft's interpreter vs AquaVM 0.63, native) in release
# mode and runs it. Arguments go to the benchmark:
#   bench/air-vs-aquavm/run.sh [--json] [--budget SECONDS] [--only NAME]... [--engine weft|aquavm]
# This crate is its own Cargo workspace (AquaVM needs pins the main workspace must
# not inherit), so neither the workspace build nor .ci/run builds it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/weft-target-bench}"
cargo build --release --quiet
exec "$CARGO_TARGET_DIR/release/air-vs-aquavm" "$@"
