#!/usr/bin/env bash
# Sourced by the project's entry points: installs the npm dependencies (which bring Node.js 24 LTS from
# the npm registry) when they are missing or older than the lock file, then puts that Node first on PATH.
# The machine's own Node.js only runs npm itself.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

if [[ ! -x node_modules/.bin/node || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "bootstrap: installing npm dependencies (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
fi

export PATH="$repo_root/node_modules/.bin:$PATH"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [[ "$node_major" != "24" ]]; then
  echo "bootstrap: expected Node.js 24 from node_modules/.bin, found $(node --version) at $(command -v node)" >&2
  exit 1
fi

# Nx: no daemon, no cloud, plain output (CI and scripts read it).
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE="${NX_SKIP_NX_CACHE:-false}"
