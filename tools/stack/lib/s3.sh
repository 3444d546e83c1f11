# shellcheck shell=bash
# S3-compatible object store: versitygw (posix backend), built from source
# with `go install` into the cache on first use.

s3_bin() { printf '%s/versitygw-%s/bin/versitygw' "$IMAGEFLOW_CACHE" "$VERSITYGW_VERSION"; }
s3_match() { printf 'versitygw'; }
s3_ports() { printf 'S3_PORT=%s\n' "$S3_PORT"; }

s3_install() {
  local bin
  bin=$(s3_bin)
  [[ -x $bin ]] && return 0
  command -v go >/dev/null || {
    echo "go is required to build versitygw"
    return 1
  }
  echo "building versitygw $VERSITYGW_VERSION with go install (first time only, a few minutes)"
  GOBIN="$(dirname "$bin")" GOFLAGS="${GOFLAGS:--trimpath}" \
    go install "github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}"
  [[ -x $bin ]]
}

s3_prepare() { mkdir -p "$(data_dir s3)"; }

s3_spawn() {
  # shellcheck disable=SC2086 # S3_POSIX_FLAGS is a list of extra flags
  ROOT_ACCESS_KEY="$S3_ACCESS_KEY" ROOT_SECRET_KEY="$S3_SECRET_KEY" \
    spawn_daemon s3 "$(data_dir s3)" "$(s3_bin)" \
    --port "127.0.0.1:${S3_PORT}" --region "$S3_REGION" --quiet \
    posix ${S3_POSIX_FLAGS:-} "$(data_dir s3)"
}

# Any HTTP answer (an unauthenticated request gets 403) means it is serving.
s3_ready() {
  local code
  code=$(http_code "http://127.0.0.1:${S3_PORT}/" 3)
  [[ $code != 000 && -n $code ]]
}
