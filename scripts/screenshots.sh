#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png: the console on the demo gateway, with a scripted incident
# (resources/demo-incident.json), under a virtual X display. Takes about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
out=docs/screenshots
mkdir -p "$out"
# A fresh settings folder, so a developer's saved layout does not leak into the pictures.
export XDG_CONFIG_HOME
XDG_CONFIG_HOME=$(mktemp -d)
xvfb-run -a -s "-screen 0 1920x1200x24" \
  build/release/bin/cutover --demo --demo-scenario resources/demo-incident.json --screenshots "$out"
ls -l "$out"
