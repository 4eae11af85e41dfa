#!/usr/bin/env bash
# Installs what building and testing Weft needs on a fresh machine. Idempotent and quiet
# when everything is already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# The toolchain pinned in rust-toolchain.toml, with rustfmt and clippy.
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt clippy

# Fluence's Aqua compiler (npm, Apache-2.0), which `weft run FILE.aqua` drives through
# tools/aqua/compile.mjs. Reinstalled only when the lock file changes.
aqua="$root/tools/aqua"
if ! cmp -s "$aqua/package-lock.json" "$aqua/node_modules/.weft-installed-lock" 2>/dev/null; then
  npm ci --prefix "$aqua" --no-audit --no-fund --loglevel=error >/dev/null
  cp "$aqua/package-lock.json" "$aqua/node_modules/.weft-installed-lock"
fi

# The Solidity compiler (solc-js) for scripts/contracts.sh and the anvil dev chain that
# `weft up` and the chain tests start (tools/chain). Reinstalled only when the lock file changes.
chain="$root/tools/chain"
if ! cmp -s "$chain/package-lock.json" "$chain/node_modules/.weft-installed-lock" 2>/dev/null; then
  npm ci --prefix "$chain" --no-audit --no-fund --loglevel=error >/dev/null
  cp "$chain/package-lock.json" "$chain/node_modules/.weft-installed-lock"
fi
