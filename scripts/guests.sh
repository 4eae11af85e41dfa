#!/usr/bin/env bash
# Installs the guest toolchains (Rust wasm32-wasip2, componentize-py, componentize-js, Debian's
# clang with wasi-libc plus wit-bindgen and wasm-tools) and builds the example and test guests
# into WebAssembly components.
#
# Usage: scripts/guests.sh [NAME...]      build the named guests (default: all), quietly
#        scripts/guests.sh --dir          print the directory holding NAME.wasm files
#        scripts/guests.sh --tools LANG   only install the toolchain for rust|python|js|c
#                                         (what `weft build` uses)
#
# Names: greeter-rust greeter-python greeter-js greeter-c probe pipeline
# Each build is cached under $WEFT_GUESTS_CACHE (default $HOME/.cache/weft-guests) by a hash of
# its sources, so a rerun with unchanged sources only copies files. Prints nothing on success; on
# failure prints the failing step's log and exits non-zero.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${WEFT_GUESTS_CACHE:-$HOME/.cache/weft-guests}"
out="$cache/out"
all=(greeter-rust greeter-python greeter-js greeter-c probe pipeline)

# Pinned so that a cached component always comes from the same tools.
componentize_py_version="0.25.1"
componentize_js_version="0.23.0"
wit_bindgen_version="0.63.0"
wasm_tools_version="1.263.0"

if [[ "${1:-}" == "--dir" ]]; then
    echo "$out"
    exit 0
fi
mkdir -p "$out" "$cache/logs"

# Runs a command with its output in a log; shows the log only when the command fails.
quiet() {
    local name="$1"
    shift
    local log="$cache/logs/$name.log"
    if ! "$@" >"$log" 2>&1; then
        echo "guests.sh: step '$name' failed: $*" >&2
        tail -n 60 "$log" >&2
        exit 1
    fi
}

need_rust() {
    rustup target list --installed | grep -q '^wasm32-wasip2$' ||
        quiet rustup-target rustup target add wasm32-wasip2
}

need_python() {
    local have
    have="$(componentize-py --version 2>/dev/null || true)"
    [[ "$have" == *"$componentize_py_version"* ]] ||
        quiet pip-componentize-py python3 -m pip install --quiet "componentize-py==$componentize_py_version"
}

need_js() {
    [[ -x "$cache/node/node_modules/.bin/componentize-js" ]] && return
    mkdir -p "$cache/node"
    quiet npm-componentize-js npm install --prefix "$cache/node" --no-audit --no-fund --silent \
        "@bytecodealliance/componentize-js@$componentize_js_version"
}

need_c() {
    if ! command -v clang >/dev/null || [[ ! -f /usr/include/wasm32-wasi/stdlib.h ]] ||
        ! compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a' >/dev/null; then
        if [[ ! -f "$cache/.apt-updated" ]]; then
            quiet apt-update apt-get update
            touch "$cache/.apt-updated"
        fi
        quiet apt-install env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            clang lld wasi-libc libclang-rt-dev-wasm32
    fi
    local bin="$cache/bin"
    if [[ "$("$bin/wit-bindgen" --version 2>/dev/null || true)" != *"$wit_bindgen_version"* ]]; then
        quiet cargo-wit-bindgen cargo install --quiet --locked --root "$cache" \
            --no-default-features --features c wit-bindgen-cli --version "$wit_bindgen_version"
    fi
    if [[ "$("$bin/wasm-tools" --version 2>/dev/null || true)" != *"$wasm_tools_version"* ]]; then
        quiet cargo-wasm-tools cargo install --quiet --locked --root "$cache" \
            --no-default-features --features component,validate,print wasm-tools \
            --version "$wasm_tools_version"
    fi
}

# Hash of everything a guest's build reads: its sources, the shared WIT and this script.
source_hash() {
    local dir="$1"
    (
        cd "$root"
        find "$dir" wit scripts/guests.sh -type f \
            -not -path '*/target/*' -not -path '*/__pycache__/*' -not -name 'Cargo.lock' |
            LC_ALL=C sort | xargs sha256sum
    ) | sha256sum | cut -c1-16
}

build_rust() { # name dir output
    local name="$1" dir="$root/$2" dest="$3"
    need_rust
    # Each guest is its own workspace (empty [workspace] in its manifest); share one target dir.
    quiet "build-$name" env -u RUSTFLAGS CARGO_TARGET_DIR="$cache/target-rust" \
        cargo build --quiet --release --target wasm32-wasip2 --manifest-path "$dir/Cargo.toml"
    local crate
    crate="$(sed -n 's/^name = "\(.*\)"/\1/p' "$dir/Cargo.toml" | head -n1 | tr - _)"
    cp "$cache/target-rust/wasm32-wasip2/release/$crate.wasm" "$dest"
}

build_python() { # name dir output
    local name="$1" dir="$root/$2" dest="$3"
    need_python
    quiet "build-$name" componentize-py --wit-path "$root/wit/greeter" --world greeter \
        componentize --python-path "$dir" app -o "$dest"
}

build_js() { # name dir output
    local name="$1" dir="$root/$2" dest="$3"
    need_js
    # Without disabling http and fetch-event the component would import wasi:http.
    quiet "build-$name" "$cache/node/node_modules/.bin/componentize-js" \
        --wit "$root/wit/greeter" --world-name greeter --disable http --disable fetch-event \
        --out "$dest" "$dir/greeter.js"
}

build_c() { # name dir output
    local name="$1" dir="$root/$2" dest="$3" work="$cache/work-c"
    need_c
    rm -rf "$work" && mkdir -p "$work"
    quiet "bindgen-$name" "$cache/bin/wit-bindgen" c "$root/wit/greeter" --world greeter \
        --out-dir "$work"
    quiet "clang-$name" clang --target=wasm32-wasi \
        -mexec-model=reactor -O2 -Wall -Werror -Wno-unused-function -I "$work" \
        -o "$work/core.wasm" "$dir/greeter.c" "$work/greeter.c" "$work/greeter_component_type.o"
    quiet "component-$name" "$cache/bin/wasm-tools" component new "$work/core.wasm" -o "$dest"
}

build() { # name
    local name="$1" dir kind
    case "$name" in
    greeter-rust) dir=examples/greeter-rust kind=rust ;;
    greeter-python) dir=examples/greeter-python kind=python ;;
    greeter-js) dir=examples/greeter-js kind=js ;;
    greeter-c) dir=examples/greeter-c kind=c ;;
    probe) dir=crates/host/tests/guests/probe kind=rust ;;
    pipeline) dir=examples/pipeline kind=rust ;;
    *)
        echo "guests.sh: unknown guest '$name' (known: ${all[*]})" >&2
        exit 2
        ;;
    esac
    # A lock per guest, so that parallel test runs don't build the same guest twice at once.
    exec 9>"$cache/.lock-$name"
    flock 9
    local hash cached
    hash="$(source_hash "$dir")"
    cached="$cache/built/$name-$hash.wasm"
    if [[ ! -f "$cached" ]]; then
        mkdir -p "$cache/built"
        "build_$kind" "$name" "$dir" "$cached.part"
        mv "$cached.part" "$cached"
    fi
    cp "$cached" "$out/$name.wasm.part"
    mv "$out/$name.wasm.part" "$out/$name.wasm"
}

if [[ "${1:-}" == "--tools" ]]; then
    case "${2:-}" in
    rust | python | js | c) "need_${2}" ;;
    *)
        echo "guests.sh: --tools takes one of rust python js c, got '${2:-}'" >&2
        exit 2
        ;;
    esac
    exit 0
fi

names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=("${all[@]}")
for name in "${names[@]}"; do
    build "$name"
done
