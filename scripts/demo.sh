#!/usr/bin/env bash
# Quick start (1): install what is missing, build, and open Cutover on the built-in demo gateway.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "demo: no display found (DISPLAY / WAYLAND_DISPLAY unset); run this from a desktop session," >&2
  echo "      or under a virtual display: xvfb-run -a build/release/bin/cutover --demo" >&2
  exit 1
fi
exec build/release/bin/cutover --demo "$@"
