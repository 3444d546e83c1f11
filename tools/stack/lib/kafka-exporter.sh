# shellcheck shell=bash
# Kafka exporter: consumer group lag and topic offsets for Prometheus, with the
# metric names of danielqsj/kafka_exporter (kafka_consumergroup_lag{consumergroup,
# topic,partition}, kafka_topic_partition_current_offset{topic,partition}, ...).
# Built with `go build` from tools/stack/kafka-exporter (franz-go kadm +
# prometheus/client_golang) into the cache, because neither kafka_exporter nor
# KMinion is served by the Go module proxy we use (see README.md).
# Function names carry the service name, hyphen included.

kafka-exporter_src() { printf '%s/kafka-exporter' "$STACK_DIR"; }
kafka-exporter_home() { printf '%s/kafka-exporter' "$IMAGEFLOW_CACHE"; }
kafka-exporter_built() { printf '%s/bin/kafka-exporter' "$(kafka-exporter_home)"; }
# Run through a link under $IMAGEFLOW_HOME so that the command line names our
# state directory (stray detection in `down`, pid reuse guard).
kafka-exporter_bin() { printf '%s/bin/kafka-exporter' "$IMAGEFLOW_HOME"; }
kafka-exporter_match() { printf '%s --kafka.server=' "$(kafka-exporter_bin)"; }
kafka-exporter_ports() { printf 'KAFKA_EXPORTER_PORT=%s\n' "$KAFKA_EXPORTER_PORT"; }
kafka-exporter_depends() { printf 'kafka\n'; }

# Checksum of the exporter sources: a change rebuilds it.
kafka-exporter_stamp() {
  local src
  src=$(kafka-exporter_src)
  cat "$src/go.mod" "$src/go.sum" "$src"/*.go | cksum
}

kafka-exporter_install() {
  local home bin stamp
  home=$(kafka-exporter_home)
  bin=$(kafka-exporter_built)
  stamp=$(kafka-exporter_stamp)
  if [[ -x $bin && -f $home/.complete && $(<"$home/.complete") == "$stamp" ]]; then return 0; fi
  command -v go >/dev/null || {
    echo "go is required to build the Kafka exporter"
    return 1
  }
  echo "building the Kafka exporter from $(kafka-exporter_src) with go build (first time only, 1-3 minutes)"
  mkdir -p "$home/bin"
  rm -f "$home/.complete"
  (cd "$(kafka-exporter_src)" && go build -trimpath -o "$bin.tmp" .)
  mv -f "$bin.tmp" "$bin"
  printf '%s\n' "$stamp" >"$home/.complete"
}

kafka-exporter_prepare() {
  mkdir -p "$(dirname "$(kafka-exporter_bin)")"
  ln -sfn "$(kafka-exporter_built)" "$(kafka-exporter_bin)"
}

kafka-exporter_spawn() {
  spawn_daemon kafka-exporter "$IMAGEFLOW_HOME" "$(kafka-exporter_bin)" \
    --kafka.server="$KAFKA_BROKERS" \
    --web.listen-address="127.0.0.1:${KAFKA_EXPORTER_PORT}" \
    --web.telemetry-path=/metrics
}

# Ready when /metrics answers 200 and holds the broker count, i.e. the
# exporter reached Kafka.
kafka-exporter_ready() {
  local body
  body=$(curl -sf -m 5 "http://127.0.0.1:${KAFKA_EXPORTER_PORT}/metrics" 2>/dev/null) || return 1
  grep -q '^kafka_brokers [1-9]' <<<"$body"
}
