#!/usr/bin/env bash
# `npm start`: the whole platform on one machine — the local stack, then every app that exists, built first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
bash tools/stack/stack.sh up
nx run-many -t build --projects='tag:type:app' --outputStyle=stream
exec node tools/scripts/run-apps.mjs "$@"
