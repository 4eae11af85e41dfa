#!/usr/bin/env bash
# Installs what building and testing Weft needs on a fresh machine. Idempotent and quiet
# when everything is already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# The toolchain pinned in rust-toolchain.toml, with rustfmt and clippy.
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt clippy
