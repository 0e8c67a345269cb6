#!/usr/bin/env bash
# Makes sure snarkjs and circom2 (npm, pinned) are installed under tools/npm for the
# tests that compile a circom circuit and check zkaccel's Groth16 proofs and keys
# against snarkjs itself. Needs Node.js and npm; prints the directory of the commands
# (tools/npm/node_modules/.bin) on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
snarkjs=0.7.6
circom2=0.2.23
bin=tools/npm/node_modules/.bin
installed() { grep -q "\"version\": \"$2\"" "tools/npm/node_modules/$1/package.json" 2>/dev/null; }
if [ -x "$bin/snarkjs" ] && [ -x "$bin/circom2" ] && installed snarkjs $snarkjs && installed circom2 $circom2; then
  echo "$PWD/$bin"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "error: the Groth16 tests compile a circuit with circom2 and check proofs with snarkjs," >&2
  echo "  which need Node.js and npm: install them (Debian/Ubuntu: apt-get install -y" >&2
  echo "  --no-install-recommends nodejs npm) and run this again." >&2
  exit 1
fi
echo "installing snarkjs $snarkjs and circom2 $circom2 into tools/npm" >&2
mkdir -p tools/npm
npm install --prefix tools/npm --no-audit --no-fund --loglevel=error "snarkjs@$snarkjs" "circom2@$circom2" >&2
echo "$PWD/$bin"
