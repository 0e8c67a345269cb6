#!/usr/bin/env bash
# The CLI for boards: `cargo build -p zkaccel-host --no-default-features` must build
# without rust-hdl, the Verilator models or yosys, and the binary must run the CPU path,
# prove and verify on the CPU, list devices, refuse a missing board cleanly, and say that the simulator is not in it.
# Called by ./run-tests. It shares the target directory with the default build (the
# feature sets differ, so cargo keeps both and reuses the common dependencies).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
fail() { echo "check-board-build: $*" >&2; exit 1; }

tree=$(cargo tree -p zkaccel-host --no-default-features -e normal,build --prefix none)
for crate in rust-hdl zkaccel-hdl zkaccel-sim; do
    if grep -q "^$crate " <<<"$tree"; then
        fail "the board-only build depends on $crate"
    fi
done
# zkaccel-host at opt-level 0 here: this build only checks that the board-only CLI
# builds and runs (its dependencies keep their opt-level); it saves a minute of CI.
cargo build -q -p zkaccel-host --no-default-features --config 'profile.dev.package.zkaccel-host.opt-level=0'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Keep the board-only binary apart: the default build writes target/debug/zkaccel too.
cp "$target/debug/zkaccel" "$work/zkaccel"
bin="$work/zkaccel"

# The CPU path: an MSM of files written by the same binary.
"$bin" bench msm-inputs --count 64 --points "$work/p" --scalars "$work/s" --seed 3 >/dev/null
"$bin" msm --points "$work/p" --scalars "$work/s" --backend cpu | tail -1 | grep -Eq '^[0-9a-f]{96}$' \
    || fail "zkaccel msm --backend cpu printed no result"
# A Groth16 proof on the CPU, verified by the same binary.
g16=tests/fixtures/groth16
"$bin" prove --zkey $g16/sumsq.zkey --witness $g16/sumsq.wtns --proof "$work/proof.json" \
    --public "$work/public.json" --backend cpu >/dev/null || fail "zkaccel prove --backend cpu failed"
"$bin" verify --vkey $g16/vkey.json --public "$work/public.json" --proof "$work/proof.json" >/dev/null \
    || fail "zkaccel verify refused the proof zkaccel prove wrote"
"$bin" devices >/dev/null || fail "zkaccel devices failed"
# No board here: a clean error naming the device, not a panic.
if out=$("$bin" selftest --device vfio:0000:ff:1f.7 2>&1); then
    fail "selftest on a missing board succeeded: $out"
fi
grep -q "0000:ff:1f.7" <<<"$out" || fail "selftest's error does not name the device: $out"
grep -qi "panick" <<<"$out" && fail "selftest panicked: $out"
# What this build leaves out, said plainly.
out=$("$bin" msm --points "$work/p" --scalars "$work/s" --backend sim 2>&1) && fail "the sim backend ran"
grep -q "not in this build: it was built without the \`sim\` feature" <<<"$out" \
    || fail "the sim backend's refusal is unclear: $out"
out=$("$bin" hdl generate --out "$work/v" 2>&1) && fail "hdl generate ran"
grep -q "not in this build" <<<"$out" || fail "hdl's refusal is unclear: $out"
echo "board-only CLI: builds without rust-hdl/Verilator/yosys; cpu msm, cpu prove + verify, devices, selftest error, refusals OK"
