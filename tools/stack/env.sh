# shellcheck shell=bash
# Defaults of the local infrastructure stack. Safe to `source` from any script
# (it only sets variables that are still unset, and exports them).
#
#   source tools/stack/env.sh
#   echo "$KAFKA_BROKERS"   # 127.0.0.1:9092
#
# Every value can be overridden from the environment before sourcing.

IMAGEFLOW_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# State (data, logs, pid files) and download/build cache.
: "${IMAGEFLOW_HOME:=${IMAGEFLOW_REPO_ROOT}/.imageflow}"
: "${IMAGEFLOW_CACHE:=${HOME:-/root}/.cache/imageflow}"
# Make both absolute (services run from other working directories).
mkdir -p "$IMAGEFLOW_HOME" "$IMAGEFLOW_CACHE"
IMAGEFLOW_HOME="$(cd "$IMAGEFLOW_HOME" && pwd)"
IMAGEFLOW_CACHE="$(cd "$IMAGEFLOW_CACHE" && pwd)"

# Ports (all services bind 127.0.0.1 only).
: "${POSTGRES_PORT:=5432}"
: "${S3_PORT:=9000}"
: "${KAFKA_PORT:=9092}"
: "${KAFKA_CONTROLLER_PORT:=9093}"
: "${PROMETHEUS_PORT:=9090}"
: "${SCHEMA_REGISTRY_PORT:=8081}"
: "${SCHEMA_REGISTRY_MANAGEMENT_PORT:=9001}"
: "${KAFKA_EXPORTER_PORT:=9308}"
# Application ports that Prometheus scrapes (see deploy/prometheus/prometheus.local.yml).
: "${GATEWAY_PORT:=8080}"

# Credentials (local, fixed, not secret).
: "${POSTGRES_USER:=imageflow}"
: "${POSTGRES_PASSWORD:=imageflow}"
: "${POSTGRES_DB:=imageflow}"
: "${SCHEMA_REGISTRY_DB:=apicurio}"
: "${S3_ACCESS_KEY:=imageflow}"
: "${S3_SECRET_KEY:=imageflow-local-secret}"
: "${S3_REGION:=us-east-1}"

# Versions.
: "${KAFKA_VERSION:=4.1.2}"
: "${VERSITYGW_VERSION:=v1.8.0}"
: "${APICURIO_VERSION:=3.0.9}"

# JVM heap limits.
: "${KAFKA_HEAP_OPTS:=-Xms128m -Xmx768m}"
: "${SCHEMA_REGISTRY_HEAP_OPTS:=-Xms64m -Xmx384m}"

# Readiness / shutdown timeouts in seconds. STACK_READY_TIMEOUT, when set,
# overrides the per-service defaults below.
: "${POSTGRES_READY_TIMEOUT:=${STACK_READY_TIMEOUT:-60}}"
: "${S3_READY_TIMEOUT:=${STACK_READY_TIMEOUT:-60}}"
: "${KAFKA_READY_TIMEOUT:=${STACK_READY_TIMEOUT:-120}}"
: "${PROMETHEUS_READY_TIMEOUT:=${STACK_READY_TIMEOUT:-60}}"
: "${SCHEMA_REGISTRY_READY_TIMEOUT:=${STACK_READY_TIMEOUT:-240}}"
: "${KAFKA_EXPORTER_READY_TIMEOUT:=${STACK_READY_TIMEOUT:-30}}"
: "${STACK_STOP_TIMEOUT:=30}"

# What clients (apps, TypeScript tests) use to reach the stack.
: "${KAFKA_BROKERS:=127.0.0.1:${KAFKA_PORT}}"
: "${S3_ENDPOINT:=http://127.0.0.1:${S3_PORT}}"
: "${SCHEMA_REGISTRY_URL:=http://127.0.0.1:${SCHEMA_REGISTRY_PORT}/apis/ccompat/v7}"
: "${DATABASE_URL:=postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD}@127.0.0.1:${POSTGRES_PORT}/${POSTGRES_DB}}"
: "${PROMETHEUS_URL:=http://127.0.0.1:${PROMETHEUS_PORT}}"
: "${PROMETHEUS_TARGETS_DIR:=${IMAGEFLOW_HOME}/prometheus/targets}"
# Alert and recording rules loaded by the local Prometheus (rule_files).
: "${PROMETHEUS_RULES_DIR:=${IMAGEFLOW_REPO_ROOT}/deploy/prometheus/rules}"

export IMAGEFLOW_REPO_ROOT IMAGEFLOW_HOME IMAGEFLOW_CACHE \
  POSTGRES_PORT S3_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT PROMETHEUS_PORT \
  SCHEMA_REGISTRY_PORT SCHEMA_REGISTRY_MANAGEMENT_PORT KAFKA_EXPORTER_PORT GATEWAY_PORT \
  POSTGRES_USER POSTGRES_PASSWORD POSTGRES_DB SCHEMA_REGISTRY_DB S3_ACCESS_KEY S3_SECRET_KEY S3_REGION \
  KAFKA_VERSION VERSITYGW_VERSION APICURIO_VERSION KAFKA_HEAP_OPTS SCHEMA_REGISTRY_HEAP_OPTS \
  POSTGRES_READY_TIMEOUT S3_READY_TIMEOUT KAFKA_READY_TIMEOUT PROMETHEUS_READY_TIMEOUT \
  SCHEMA_REGISTRY_READY_TIMEOUT KAFKA_EXPORTER_READY_TIMEOUT STACK_STOP_TIMEOUT \
  KAFKA_BROKERS S3_ENDPOINT SCHEMA_REGISTRY_URL DATABASE_URL PROMETHEUS_URL PROMETHEUS_TARGETS_DIR \
  PROMETHEUS_RULES_DIR
