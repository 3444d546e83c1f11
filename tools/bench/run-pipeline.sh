#!/usr/bin/env bash
# npm run bench:pipeline — the end-to-end pipeline benchmark (tools/bench/pipeline/README.md) on the local stack.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/scripts/bootstrap.sh
bash tools/stack/stack.sh up
eval "$(bash tools/stack/stack.sh env)"
bash tools/models/install.sh
npx nx run-many -t build -p compute-image compute-ai stage-worker orchestrator projector gateway
npx vitest run --config tools/bench/pipeline/vitest.config.mts
