#!/usr/bin/env bash
# Installs kustomize from the Go module proxy into ${IMAGEFLOW_CACHE:-$HOME/.cache/imageflow}/bin, once.
# Idempotent and cached: a second run with the same version does nothing; concurrent runs wait on a lock.
# Usage: bash deploy/k8s/tools/install-kustomize.sh   → prints the path of the kustomize binary.
set -euo pipefail
VERSION="${KUSTOMIZE_VERSION:-v5.8.1}"
CACHE="${IMAGEFLOW_CACHE:-$HOME/.cache/imageflow}"
BIN="$CACHE/bin"
TARGET="$BIN/kustomize-$VERSION"
mkdir -p "$BIN"
if [ -x "$TARGET" ]; then echo "$TARGET"; exit 0; fi
[ -x /usr/local/go/bin/go ] && ! command -v go >/dev/null && PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "install-kustomize: the go command is required (Go >= 1.24)" >&2; exit 1; }
exec 9>"$CACHE/.kustomize-install.lock"
flock 9
if [ ! -x "$TARGET" ]; then
  echo "install-kustomize: go install sigs.k8s.io/kustomize/kustomize/v5@$VERSION" >&2
  TMP="$(mktemp -d)"
  trap 'rm -rf "$TMP"' EXIT
  GOBIN="$TMP" GOFLAGS=-mod=mod go install "sigs.k8s.io/kustomize/kustomize/v5@$VERSION"
  mv "$TMP/kustomize" "$TARGET"
fi
ln -sf "kustomize-$VERSION" "$BIN/kustomize"
echo "$TARGET"
