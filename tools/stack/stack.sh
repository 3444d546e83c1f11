#!/usr/bin/env bash
# Local infrastructure stack of ImageFlowCanvas: Postgres, S3 (versitygw),
# Kafka (KRaft), Prometheus, the schema registry (Apicurio) and a Kafka
# exporter (consumer lag for Prometheus), all on
# 127.0.0.1, state under $IMAGEFLOW_HOME. See tools/stack/README.md.
set -euo pipefail

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tools/stack/env.sh
source "$STACK_DIR/env.sh"
# shellcheck source=tools/stack/lib/common.sh
source "$STACK_DIR/lib/common.sh"
# shellcheck source=tools/stack/lib/postgres.sh
source "$STACK_DIR/lib/postgres.sh"
# shellcheck source=tools/stack/lib/s3.sh
source "$STACK_DIR/lib/s3.sh"
# shellcheck source=tools/stack/lib/kafka.sh
source "$STACK_DIR/lib/kafka.sh"
# shellcheck source=tools/stack/lib/prometheus.sh
source "$STACK_DIR/lib/prometheus.sh"
# shellcheck source=tools/stack/lib/registry.sh
source "$STACK_DIR/lib/registry.sh"
# shellcheck source=tools/stack/lib/kafka-exporter.sh
source "$STACK_DIR/lib/kafka-exporter.sh"

usage() {
  cat <<EOF
usage: bash tools/stack/stack.sh <command> [service...]

commands:
  up [service...]      start services (all by default) and wait until ready
  down [service...]    stop services (all by default)
  status [service...]  table of services; exit 0 only if all listed are ready
  logs <service> [-f]  last lines of a service log (-f to follow)
  env                  print the client environment (eval "\$(... env)")

services: ${STACK_SERVICES[*]}
  (aliases: pg/postgresql, versitygw, schema-registry/apicurio, kafka_exporter)
state: $IMAGEFLOW_HOME   cache: $IMAGEFLOW_CACHE
EOF
}

canonical_service() {
  case "$1" in
    postgres | postgresql | pg) echo postgres ;;
    s3 | versitygw) echo s3 ;;
    kafka) echo kafka ;;
    prometheus | prom) echo prometheus ;;
    registry | schema-registry | apicurio) echo registry ;;
    kafka-exporter | kafka_exporter) echo kafka-exporter ;;
    *) die "unknown service '$1' (services: ${STACK_SERVICES[*]})" ;;
  esac
}

# Prints the selected services in start order. With "deps", adds the
# services they depend on (registry -> postgres, kafka-exporter -> kafka).
select_services() {
  local with_deps=$1 svc s dep
  shift
  local -A want=()
  if (($# == 0)); then
    for svc in "${STACK_SERVICES[@]}"; do want[$svc]=1; done
  fi
  for s in "$@"; do
    svc=$(canonical_service "$s")
    want[$svc]=1
    if [[ $with_deps == deps ]] && has_fn "${svc}_depends"; then
      for dep in $("${svc}_depends"); do want[$dep]=1; done
    fi
  done
  for svc in "${STACK_SERVICES[@]}"; do
    if [[ -n ${want[$svc]:-} ]]; then printf '%s\n' "$svc"; fi
  done
}

timeout_var() {
  case "$1" in
    postgres) echo POSTGRES_READY_TIMEOUT ;;
    s3) echo S3_READY_TIMEOUT ;;
    kafka) echo KAFKA_READY_TIMEOUT ;;
    prometheus) echo PROMETHEUS_READY_TIMEOUT ;;
    registry) echo SCHEMA_REGISTRY_READY_TIMEOUT ;;
    kafka-exporter) echo KAFKA_EXPORTER_READY_TIMEOUT ;;
  esac
}

# Runs a command with output appended to a log. Started asynchronously so that
# `set -e` stays in force inside it even when the caller tests the result.
run_logged() {
  local log=$1
  shift
  ("$@") >>"$log" 2>&1 &
  wait "$!"
}

# Waits until "$2" succeeds while the service process lives.
# Returns 0 ready, 1 timed out, 2 process exited.
wait_for() {
  local svc=$1 check=$2 limit=$3 pid deadline
  pid=$(<"$(pid_file "$svc")")
  deadline=$(($(now) + limit))
  while :; do
    proc_alive "$pid" || return 2
    "$check" && return 0
    (($(now) >= deadline)) && return 1
    sleep 0.5
  done
}

# --- up ----------------------------------------------------------------------

# Records why a service failed (read by cmd_up for the report).
up_fail() {
  printf '%s\n' "$2" >"$UP_TMP/$1.reason"
  printf '%s\n' "${3:-$(log_file "$1")}" >"$UP_TMP/$1.log"
}

up_one() {
  local svc=$1 t0 ilog pid tvar limit rc var port dep
  t0=$(now)
  ilog=$(install_log_file "$svc")
  tvar=$(timeout_var "$svc")
  limit=${!tvar}

  if pid=$(svc_pid "$svc"); then
    if "${svc}_ready"; then
      svc_say "$svc" "already running (pid $pid), ready"
      return 0
    fi
    svc_say "$svc" "already running (pid $pid), waiting until ready (${limit}s)"
    rc=0
    wait_for "$svc" "${svc}_ready" "$limit" || rc=$?
    if ((rc != 0)); then
      up_fail "$svc" "running (pid $pid) but not ready after ${limit}s ($tvar)"
      return 1
    fi
    svc_say "$svc" "ready"
    return 0
  fi
  rm -f "$(pid_file "$svc")"

  if has_fn "${svc}_preflight"; then "${svc}_preflight"; fi
  while IFS='=' read -r var port; do
    if port_open "$port"; then
      up_fail "$svc" "port $port ($var) on 127.0.0.1 is already in use by another process: $(port_owner "$port")" none
      return 1
    fi
  done < <("${svc}_ports")

  : >"$ilog"
  if ! run_logged "$ilog" "${svc}_install"; then
    up_fail "$svc" "install failed" "$ilog"
    return 1
  fi

  if has_fn "${svc}_depends"; then
    for dep in $("${svc}_depends"); do
      if [[ -f $UP_TMP/$dep.selected ]]; then
        svc_say "$svc" "waiting for $dep"
        while [[ ! -f $UP_TMP/$dep.rc ]]; do sleep 0.5; done
        if [[ $(<"$UP_TMP/$dep.rc") != 0 ]]; then
          up_fail "$svc" "not started: $dep (required) failed" "$ilog"
          return 1
        fi
      elif ! "${dep}_ready"; then
        up_fail "$svc" "not started: $dep (required) is not ready" "$ilog"
        return 1
      fi
    done
  fi

  if ! run_logged "$ilog" "${svc}_prepare"; then
    up_fail "$svc" "preparing config/data failed" "$ilog"
    return 1
  fi

  "${svc}_spawn"
  pid=$(<"$(pid_file "$svc")")
  svc_say "$svc" "started (pid $pid), waiting until ready (up to ${limit}s, $tvar)"

  local started="${svc}_ready"
  has_fn "${svc}_started" && started="${svc}_started"
  rc=0
  wait_for "$svc" "$started" "$limit" || rc=$?
  if ((rc == 0)) && has_fn "${svc}_post_start"; then
    if ! run_logged "$ilog" "${svc}_post_start"; then
      up_fail "$svc" "post-start setup failed" "$ilog"
      stop_service "$svc" >/dev/null
      return 1
    fi
    wait_for "$svc" "${svc}_ready" 15 || rc=$?
  fi
  case $rc in
    0) svc_say "$svc" "ready in $(($(now) - t0))s (pid $pid)" ;;
    2)
      up_fail "$svc" "process exited during startup"
      rm -f "$(pid_file "$svc")"
      return 1
      ;;
    *)
      up_fail "$svc" "not ready after ${limit}s ($tvar); stopped it"
      stop_service "$svc" >/dev/null
      return 1
      ;;
  esac
}

cmd_up() {
  local svc t0 pkgs=() p
  ensure_layout
  local -a svcs
  mapfile -t svcs < <(select_services deps "$@")
  t0=$(now)

  # Debian packages first, in one apt run (dpkg takes a lock).
  for svc in "${svcs[@]}"; do
    svc_pid "$svc" >/dev/null && continue
    if has_fn "${svc}_apt_packages"; then
      for p in $("${svc}_apt_packages"); do pkgs+=("$p"); done
    fi
  done
  if ((${#pkgs[@]})); then
    local alog
    alog=$(install_log_file apt)
    say "installing Debian packages: ${pkgs[*]} (log: $alog)"
    if ! run_logged "$alog" apt_install "${pkgs[@]}"; then
      say "FAILED: apt-get install ${pkgs[*]}; log: $alog"
      log_tail "$alog" 20
      return 1
    fi
  fi

  UP_TMP=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now
  trap "rm -rf '$UP_TMP'" EXIT
  local -A jobs=()
  for svc in "${svcs[@]}"; do touch "$UP_TMP/$svc.selected"; done
  say "up: ${svcs[*]} (state: $IMAGEFLOW_HOME)"
  for svc in "${svcs[@]}"; do
    (
      trap 'printf "%s\n" "$?" >"$UP_TMP/$svc.rc"' EXIT
      up_one "$svc"
    ) &
    jobs[$svc]=$!
  done

  local failed=()
  for svc in "${svcs[@]}"; do
    if ! wait "${jobs[$svc]}"; then failed+=("$svc"); fi
  done

  local took=$(($(now) - t0))
  if ((${#failed[@]} == 0)); then
    say "all ready in ${took}s: ${svcs[*]}"
    return 0
  fi
  local reason log
  for svc in "${failed[@]}"; do
    reason="unexpected error (see log)"
    log=$(log_file "$svc")
    [[ -f $UP_TMP/$svc.reason ]] && reason=$(<"$UP_TMP/$svc.reason")
    [[ -f $UP_TMP/$svc.log ]] && log=$(<"$UP_TMP/$svc.log")
    printf '\n[stack] FAILED: %s: %s\n' "$svc" "$reason" >&2
    if [[ $log != none ]]; then
      printf '[stack]   log: %s (last 20 lines)\n' "$log" >&2
      log_tail "$log" 20 >&2
    fi
  done
  say "up failed after ${took}s for: ${failed[*]}" >&2
  return 1
}

# --- down --------------------------------------------------------------------

cmd_down() {
  local svc
  local -a svcs
  ensure_layout
  mapfile -t svcs < <(select_services nodeps "$@")
  local -a stoppers=()
  local pg=0 p
  # Everything but postgres in parallel (the registry needs postgres until it stops).
  for svc in "${svcs[@]}"; do
    if [[ $svc == postgres ]]; then
      pg=1
      continue
    fi
    stop_service "$svc" &
    stoppers+=("$!")
  done
  for p in "${stoppers[@]}"; do wait "$p" || true; done
  ((pg)) && stop_service postgres

  local left=() s
  for svc in "${svcs[@]}"; do
    for s in $(stray_pids "$("${svc}_match")"); do left+=("$svc:$s"); done
  done
  if ((${#left[@]})); then
    say "processes still running: ${left[*]}" >&2
    return 1
  fi
  say "stopped: ${svcs[*]}"
}

# --- status ------------------------------------------------------------------

cmd_status() {
  local svc pid ports state all=0 var port
  local -a svcs
  mapfile -t svcs < <(select_services nodeps "$@")
  printf '%-14s %-8s %-12s %s\n' SERVICE PID PORT STATE
  for svc in "${svcs[@]}"; do
    ports=""
    while IFS='=' read -r var port; do ports+="${ports:+,}$port"; done < <("${svc}_ports")
    if pid=$(svc_pid "$svc"); then
      if "${svc}_ready"; then state=ready; else
        state=running-not-ready
        all=1
      fi
    else
      pid=-
      state="not running"
      all=1
      while IFS='=' read -r var port; do
        if port_open "$port"; then state="not running (port $port taken by $(port_owner "$port"))"; fi
      done < <("${svc}_ports")
    fi
    printf '%-14s %-8s %-12s %s\n' "$svc" "$pid" "$ports" "$state"
  done
  return "$all"
}

cmd_logs() {
  (($# >= 1)) || die "usage: stack.sh logs <service> [-f]"
  local svc log
  svc=$(canonical_service "$1")
  log=$(log_file "$svc")
  [[ -f $log ]] || die "no log yet: $log"
  if [[ ${2:-} == -f ]]; then tail -n 100 -f "$log"; else tail -n 200 "$log"; fi
}

cmd_env() {
  local v
  for v in KAFKA_BROKERS S3_ENDPOINT S3_ACCESS_KEY S3_SECRET_KEY S3_REGION SCHEMA_REGISTRY_URL \
    DATABASE_URL PROMETHEUS_URL PROMETHEUS_TARGETS_DIR IMAGEFLOW_HOME; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
}

main() {
  local cmd=${1:-} s
  (($#)) && shift
  if [[ $cmd == up || $cmd == down || $cmd == status ]]; then
    for s in "$@"; do canonical_service "$s" >/dev/null; done
  fi
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    logs) cmd_logs "$@" ;;
    env) cmd_env ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
