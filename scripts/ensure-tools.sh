#!/usr/bin/env bash
# Makes sure the tools zkaccel's build and tests need are present: the Rust toolchain,
# a C++ compiler, zlib headers (for FST waveforms), Verilator and yosys.
# As root with apt-get (Debian/Ubuntu, CI) it installs what is missing; otherwise it
# prints exactly what is missing and how to install it, and exits 1.
set -euo pipefail

missing_pkgs=()
missing_msgs=()

need_cmd() { # command, debian package, human hint
  if ! command -v "$1" >/dev/null 2>&1; then
    missing_pkgs+=("$2")
    missing_msgs+=("  - $1 (Debian/Ubuntu package: $2) $3")
  fi
}

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo (the Rust toolchain) is not installed; install it from https://rustup.rs and run this again." >&2
  exit 1
fi

need_cmd verilator verilator "- Verilator 5.006 or newer compiles the simulator"
need_cmd yosys yosys "- yosys gives the resource estimates"
need_cmd g++ g++ "- compiles the Verilated C++ models"
if ! { [ -f /usr/include/zlib.h ] || [ -f /usr/local/include/zlib.h ]; }; then
  missing_pkgs+=(zlib1g-dev)
  missing_msgs+=("  - zlib headers (Debian/Ubuntu package: zlib1g-dev) - FST waveform support")
fi

if [ ${#missing_pkgs[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing: ${missing_pkgs[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >&2
  exit 0
fi

echo "error: zkaccel needs tools that are not installed:" >&2
printf '%s\n' "${missing_msgs[@]}" >&2
echo "install them with:  sudo apt-get install -y ${missing_pkgs[*]}" >&2
exit 1
