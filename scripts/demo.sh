#!/usr/bin/env bash
# The README's first command. Installs what Weft needs, builds the `weft` tool, starts a local
# network of 3 node processes on 127.0.0.1, builds the greeter service and deploys it to 3
# replicas, runs flows (a call with failover, a call on every replica, an Aqua flow), kills a
# replica and shows that calls keep succeeding, prints timings, and stops the network.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/weft-target}"
# The demo's network and key live here, apart from the user's own ~/.weft.
export WEFT_HOME="${WEFT_DEMO_HOME:-$root/target/demo}"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
say() { printf '\n==> %s\n' "$*"; }

say "installing toolchains (Rust, wasm32-wasip2, Aqua compiler)"
scripts/setup.sh
scripts/guests.sh --tools rust
say "building weft"
cargo build --locked -p weft-cli --quiet
weft="$CARGO_TARGET_DIR/debug/weft"

"$weft" down >/dev/null 2>&1 || true
say "weft up --nodes 3"
"$weft" up --nodes 3
trap '"$weft" down >/dev/null 2>&1 || true' EXIT
peers="$("$weft" ps --json | python3 -c 'import json,sys; print(json.dumps([n["peer_id"] for n in json.load(sys.stdin)]))')"

cd examples/greeter-rust
say "weft build   (examples/greeter-rust: a Rust component, no Weft SDK)"
"$weft" build
say "weft deploy --replicas 3"
"$weft" deploy --replicas 3

say "weft call greeter.hello '[\"Weft\"]'   (tries the replicas in order)"
"$weft" call greeter.hello '["Weft"]'
say "weft call --all greeter.greet   (asks every replica, checks they agree)"
"$weft" call --all greeter.greet '[{"name": "Ada", "age": 36}, "formal"]'
say "weft run examples/flows/hello.aqua --func first_answer   (Aqua, compiled by Fluence's compiler)"
"$weft" run ../flows/hello.aqua --func first_answer --arg "peers=$peers" --arg 'name="Aqua"'
say "weft run examples/flows/hello.aqua --func hello_everywhere   (for ... par: every node at once)"
"$weft" run ../flows/hello.aqua --func hello_everywhere --arg "peers=$peers" --arg 'name="everyone"'

victim="$("$weft" ps --json | python3 -c 'import json,sys; n=json.load(sys.stdin)[0]; print(n["pid"], n["peer_id"])')"
say "kill -9 node-0 (${victim#* }), the first replica every call tries"
kill -9 "${victim%% *}"
# kill only queues the signal: wait (at most 10 s) until the process is dead or a zombie, so
# the calls below do not pick it as their relay while it is dying.
for _ in $(seq 1 1000); do
    state="$(sed 's/.*) //' "/proc/${victim%% *}/stat" 2>/dev/null | cut -c1)"
    [ -z "$state" ] || [ "$state" = Z ] || [ "$state" = X ] && break
    sleep 0.01
done
say "10 calls after the kill (each falls over to a live replica)"
for i in $(seq 1 10); do
    start=$(date +%s%N)
    out="$("$weft" call greeter.hello "[\"call $i\"]" --json)"
    printf '  %-28s %s ms  %s\n' "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')" \
        "$(ms "$start")" "answered by $(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["peer"][:16])')..."
done
say "weft down"
"$weft" down
trap - EXIT
