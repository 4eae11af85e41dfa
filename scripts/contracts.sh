#!/usr/bin/env bash
# Compiles contracts/*.sol into contracts/out/<Name>.json (ABI + bytecode) with solc-js from
# tools/chain, so building the Rust code never needs Node. The artifacts are committed.
#   scripts/contracts.sh          recompile and overwrite contracts/out
#   scripts/contracts.sh --check  recompile into a temp dir; fail if contracts/out differs
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools/chain"
if [[ ! -d "$tools/node_modules/solc" ]]; then
  echo "solc-js is not installed in tools/chain: run scripts/setup.sh" >&2
  exit 1
fi
case "${1:-}" in
  "")
    rm -rf "$root/contracts/out"
    node "$tools/compile.mjs" "$root/contracts" "$root/contracts/out"
    ;;
  --check)
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    node "$tools/compile.mjs" "$root/contracts" "$tmp/out" 2>/dev/null
    if ! diff -r "$root/contracts/out" "$tmp/out" >/dev/null; then
      echo "contracts/out is stale: run scripts/contracts.sh and commit contracts/out" >&2
      diff -rq "$root/contracts/out" "$tmp/out" >&2 || true
      exit 1
    fi
    ;;
  *)
    echo "usage: scripts/contracts.sh [--check]" >&2
    exit 2
    ;;
esac
