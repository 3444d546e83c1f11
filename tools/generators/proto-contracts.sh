#!/usr/bin/env bash
# Generates libs/contracts/src/generated/proto from schemas/proto with buf and the local ts-proto plugin
# (options in schemas/proto/buf.gen.yaml). Lints the protos first, so a schema that breaks the STANDARD rules
# fails here. Run through `nx run contracts:generate`; `contracts:check-generated` fails when the committed
# output differs from a fresh run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
buf="$root/node_modules/.bin/buf"

"$buf" lint schemas/proto
"$buf" generate schemas/proto --template schemas/proto/buf.gen.yaml
count="$(find libs/contracts/src/generated/proto -name '*.ts' | wc -l)"
echo "proto-contracts: ${count} file(s) → libs/contracts/src/generated/proto"
