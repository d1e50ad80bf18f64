#!/usr/bin/env bash
# Installs the Debian 12 packages Cutover needs to build, test and package. Idempotent: installs
# only what is missing, so a second run costs a dpkg query and nothing else.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git file dpkg-dev
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev qt6-httpserver-dev qt6-websockets-dev
  qt6-svg-dev libqt6svg6 qt6-qpa-plugins
  nlohmann-json3-dev libspdlog-dev qtkeychain-qt6-dev
  xvfb xauth fonts-dejavu-core openssl
  appstream desktop-file-utils
  clang libclang-rt-14-dev lld
  haproxy prometheus
  python3-fastapi python3-uvicorn python3-prometheus-client python3-httpx python3-yaml
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: not root; run as root or install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The Debian haproxy and prometheus packages start system services; the tests start their own
# instances on loopback and must not collide with them.
for svc in haproxy prometheus; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done
