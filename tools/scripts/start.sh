#!/usr/bin/env bash
# `npm start`: the whole platform on one machine — the local stack, then every app that exists, built first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
bash tools/stack/stack.sh up
nx run-many -t build --projects='tag:type:app' --outputStyle=stream
# compute-ai serves models from the models bucket: prepare them (cached) and publish them (idempotent).
bash tools/models/install.sh
node tools/models/publish.mjs --all
exec node tools/scripts/run-apps.mjs "$@"
