#!/usr/bin/env bash
# Debian's Chromium for the browser tests (e2e/web drives it with playwright-core; Playwright downloads no browser).
# Idempotent: does nothing when /usr/bin/chromium (or $CHROMIUM_PATH) is already there.
set -euo pipefail

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ -x "$chromium" ]]; then
  echo "install-chromium: $("$chromium" --version 2>/dev/null || echo "$chromium") already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no apt-get; install Chromium yourself and set CHROMIUM_PATH" >&2
  exit 1
fi
sudo=()
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-chromium: needs root (or sudo) for apt-get" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium
echo "install-chromium: $("$chromium" --version)"
