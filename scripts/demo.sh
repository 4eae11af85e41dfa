#!/usr/bin/env bash
# Installs what Weft needs, builds the `weft` tool and runs the demo flow.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/weft-target}"

scripts/setup.sh
echo "==> building weft"
cargo build --release --locked -p weft-cli --quiet
weft="$CARGO_TARGET_DIR/release/weft"

flow=examples/flows/fanout.air
echo "==> weft flow check $flow"
"$weft" flow check "$flow"
echo "==> weft flow simulate $flow (ten virtual providers, one failing)"
start=$(date +%s%N)
"$weft" flow simulate "$flow" | python3 -c '
import json, sys
report = json.load(sys.stdin)
for call in report["calls"]:
    if call["error"] is None:
        outcome = json.dumps(call["result"])
    else:
        outcome = "failed: ret_code %s, %s" % (call["error"]["ret_code"], call["error"]["message"])
    print("  %-5s %s.%s%s -> %s" % (call["peer"], call["service"], call["function"],
          json.dumps(call["args"]), outcome))
print("peers:", ", ".join("%s=%s" % (k, v["ret_code"]) for k, v in sorted(report["peers"].items())))
'
end=$(date +%s%N)
echo "==> done in $(( (end - start) / 1000000 )) ms"
