#!/usr/bin/env bash
# `npm test`: every check and every test tier, against the real local stack (started here if needed).
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
started_stack=false
if ! bash tools/stack/stack.sh status >/dev/null 2>&1; then
  started_stack=true
fi
bash tools/stack/stack.sh up || { echo "test: the local stack did not come up" >&2; exit 1; }
# The tests find the stack through the same variables the apps read (ports may be overridden).
eval "$(bash tools/stack/stack.sh env)"

rm -rf tmp/test-results
failed=()
step() {
  local name="$1"; shift
  echo "::: $name"
  if ! "$@"; then failed+=("$name"); fi
}

step "generated code is current" nx run-many -t check-generated --outputStyle=stream
step "format" prettier --check . --log-level warn
step "lint" nx run-many -t lint --outputStyle=stream
step "typecheck" nx run-many -t typecheck --outputStyle=stream
step "build" nx run-many -t build --outputStyle=stream
step "test-unit" nx run-many -t test-unit --skip-nx-cache --outputStyle=stream
step "test-int" nx run-many -t test-int --parallel=1 --outputStyle=stream
# The browser tests (e2e/web) drive Debian's Chromium; installed once, idempotent.
step "chromium" bash tools/scripts/install-chromium.sh
step "test-e2e" nx run-many -t test-e2e --parallel=1 --outputStyle=stream

if [[ "$started_stack" == true && "${KEEP_STACK:-false}" != true ]]; then
  step "stack-down" bash tools/stack/stack.sh down
fi

node tools/scripts/summarize-tests.mjs tmp/test-results || failed+=("summary")
if ((${#failed[@]})); then
  echo "test: failed steps: ${failed[*]}" >&2
  exit 1
fi
