#!/usr/bin/env bash
# Makes sure snarkjs (npm, pinned) is installed under tools/npm for the tests that
# check zkaccel's Groth16 proofs and keys against snarkjs itself. Needs Node.js and
# npm; prints the path of the snarkjs command on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.7.6
bin=tools/npm/node_modules/.bin/snarkjs
if [ -x "$bin" ] && grep -q "\"version\": \"$version\"" tools/npm/node_modules/snarkjs/package.json 2>/dev/null; then
  echo "$PWD/$bin"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "error: the Groth16 tests check proofs with snarkjs, which needs Node.js and npm:" >&2
  echo "  install them (Debian/Ubuntu: apt-get install -y --no-install-recommends nodejs npm) and run this again." >&2
  exit 1
fi
echo "installing snarkjs $version into tools/npm" >&2
mkdir -p tools/npm
npm install --prefix tools/npm --no-audit --no-fund --loglevel=error "snarkjs@$version" >&2
echo "$PWD/$bin"
