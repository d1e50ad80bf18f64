#!/usr/bin/env bash
# Quick start (2): install what is missing, build with warnings as errors and with ASan + UBSan
# (the ci preset), run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
export QT_QPA_PLATFORM=offscreen
preset=${CUTOVER_PRESET:-ci}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" -j2
