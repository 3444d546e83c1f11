#!/usr/bin/env bash
# Re-fetches the upstream CustomResourceDefinitions that e2e/deploy validates the operator resources against
# (deploy/k8s/crds/README.md). Only package registries are used: the Go module proxy for CloudNativePG, KEDA and
# prometheus-operator (their module zips carry the generated CRDs), Maven Central for Strimzi (the test jar of
# io.strimzi:api carries the CRDs its build generates). The files are written unchanged, with the source noted in
# VERSIONS. Run after raising an operator version here and in deploy/README.md.
# Usage: bash deploy/k8s/crds/fetch.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CNPG_VERSION="v1.27.1"
KEDA_VERSION="v2.18.0"
PROMETHEUS_OPERATOR_VERSION="v0.85.0"
STRIMZI_VERSION="0.49.0"

[ -x /usr/local/go/bin/go ] && ! command -v go >/dev/null && PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "fetch.sh: the go command is required" >&2; exit 1; }
command -v mvn >/dev/null || { echo "fetch.sh: mvn is required" >&2; exit 1; }
command -v unzip >/dev/null || { echo "fetch.sh: unzip is required" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Prints the directory of a Go module version in the module cache (downloads it once).
go_module_dir() {
  local dir
  dir="$(GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$dir" ] || { echo "fetch.sh: go mod download $1 gave no directory" >&2; exit 1; }
  echo "$dir"
}

copy_go() { # module@version, directory inside it, destination directory, files...
  local dir src dest
  dir="$(go_module_dir "$1")"
  src="$dir/$2"
  dest="$HERE/$3"
  shift 3
  mkdir -p "$dest"
  for f in "$@"; do install -m 0644 "$src/$f" "$dest/$f"; done
}

copy_go "github.com/cloudnative-pg/cloudnative-pg@$CNPG_VERSION" config/crd/bases cloudnative-pg \
  postgresql.cnpg.io_clusters.yaml postgresql.cnpg.io_scheduledbackups.yaml
# The four projects are under the Apache License 2.0; its text travels with the copies.
copy_go "github.com/cloudnative-pg/cloudnative-pg@$CNPG_VERSION" . . LICENSE
copy_go "github.com/kedacore/keda/v2@$KEDA_VERSION" config/crd/bases keda \
  keda.sh_scaledobjects.yaml keda.sh_triggerauthentications.yaml
copy_go "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" \
  example/prometheus-operator-crd prometheus-operator \
  monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_podmonitors.yaml \
  monitoring.coreos.com_prometheusrules.yaml

# Strimzi: the CRDs the v1beta2 API of this release serves, from io.strimzi:api:<version>:tests.
mvn -q -B dependency:copy -Dartifact="io.strimzi:api:$STRIMZI_VERSION:jar:tests" -DoutputDirectory="$TMP" \
  -Dmdep.overWriteReleases=true >&2
mkdir -p "$HERE/strimzi"
for f in 040-Crd-kafka.yaml 043-Crd-kafkatopic.yaml 045-Crd-kafkanodepool.yaml; do
  unzip -p "$TMP/api-$STRIMZI_VERSION-tests.jar" "crds/v1beta2/$f" >"$HERE/strimzi/$f"
done

cat >"$HERE/VERSIONS" <<EOF
# Written by fetch.sh; do not edit. Upstream sources of the vendored CRDs (all Apache License 2.0).
cloudnative-pg       github.com/cloudnative-pg/cloudnative-pg@$CNPG_VERSION (Go module proxy) config/crd/bases
keda                 github.com/kedacore/keda/v2@$KEDA_VERSION (Go module proxy) config/crd/bases
prometheus-operator  github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION (Go module proxy) example/prometheus-operator-crd
strimzi              io.strimzi:api:$STRIMZI_VERSION:jar:tests (Maven Central) crds/v1beta2
EOF
echo "fetch.sh: CRDs written to $HERE" >&2
