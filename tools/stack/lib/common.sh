# shellcheck shell=bash
# Shared helpers of tools/stack/stack.sh: paths, process and port handling,
# readiness waiting, package installs. Sourced after env.sh.

# All services, in start order.
# shellcheck disable=SC2034 # used by stack.sh
STACK_SERVICES=(postgres s3 kafka prometheus registry kafka-exporter)

say() { printf '[stack] %s\n' "$*"; }
svc_say() {
  local svc=$1
  shift
  printf '[%s] %s\n' "$svc" "$*"
}
die() {
  printf '[stack] error: %s\n' "$*" >&2
  exit 1
}

pid_file() { printf '%s/run/%s.pid' "$IMAGEFLOW_HOME" "$1"; }
log_file() { printf '%s/logs/%s.log' "$IMAGEFLOW_HOME" "$1"; }
install_log_file() { printf '%s/logs/%s.install.log' "$IMAGEFLOW_HOME" "$1"; }
data_dir() { printf '%s/data/%s' "$IMAGEFLOW_HOME" "$1"; }
conf_dir() { printf '%s/conf/%s' "$IMAGEFLOW_HOME" "$1"; }

ensure_layout() {
  mkdir -p "$IMAGEFLOW_HOME"/{data,logs,run,conf} "$IMAGEFLOW_CACHE"
}

now() { date +%s; }

# True when the function exists (optional service hooks).
has_fn() { declare -F "$1" >/dev/null; }

# --- processes ---------------------------------------------------------------

proc_alive() {
  local pid=$1 state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  read -r state 2>/dev/null <"/proc/$pid/stat" || return 1
  state=${state##*) }
  state=${state%% *}
  [[ -n $state && $state != Z ]]
}

proc_cmdline() {
  local -a args=()
  mapfile -d '' -t args 2>/dev/null <"/proc/$1/cmdline" || true
  printf '%s' "${args[*]}"
}

# Prints the pid of the service if its pid file names a live process whose
# command line matches the service (guards against pid reuse).
svc_pid() {
  local svc=$1 pf pid
  pf=$(pid_file "$svc")
  [[ -f $pf ]] || return 1
  pid=$(<"$pf")
  proc_alive "$pid" || return 1
  [[ $(proc_cmdline "$pid") == *"$("${svc}_match")"* ]] || return 1
  printf '%s' "$pid"
}

# Pids of the live processes in session $1 (our daemons are session leaders)
# plus its direct children (postgres backends start sessions of their own).
session_pids() {
  local sid=$1 f pid rest ppid sess
  for f in /proc/[0-9]*/stat; do
    read -r rest 2>/dev/null <"$f" || continue
    rest=${rest##*) }
    # fields after comm: state ppid pgrp session ...
    read -r _ ppid _ sess _ <<<"$rest" || continue
    if [[ $sess == "$sid" || $ppid == "$sid" ]]; then
      pid=${f#/proc/}
      pid=${pid%/stat}
      proc_alive "$pid" && printf '%s\n' "$pid"
    fi
  done
  return 0
}

# Pids of processes whose command line mentions our state directory and the
# given marker: catches daemons whose pid file was lost.
stray_pids() {
  local marker=$1 f pid cmd
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    cmd=$(proc_cmdline "$pid")
    [[ $cmd == *"$IMAGEFLOW_HOME/"* && $cmd == *"$marker"* ]] || continue
    [[ $cmd == *stack.sh* ]] && continue
    proc_alive "$pid" && printf '%s\n' "$pid"
  done
  return 0
}

# Starts "$@" in its own session with stdout/stderr to the service log and
# records its pid. The previous log is kept as <svc>.log.1.
spawn_daemon() {
  local svc=$1 workdir=$2 log pid
  shift 2
  log=$(log_file "$svc")
  if [[ -s $log ]]; then mv -f "$log" "$log.1"; fi
  (cd "$workdir" && exec setsid "$@") >>"$log" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$(pid_file "$svc")"
}

# Stops the service: signal, wait up to STACK_STOP_TIMEOUT, then SIGKILL the
# whole session. Also removes strays that lost their pid file.
stop_service() {
  local svc=$1 pid sig="TERM" deadline p left
  has_fn "${svc}_stop_signal" && sig=$("${svc}_stop_signal")
  pid=$(svc_pid "$svc") || pid=""
  local -a targets=()
  if [[ -n $pid ]]; then
    mapfile -t targets < <(session_pids "$pid")
    svc_say "$svc" "stopping (pid $pid, SIG$sig)"
    kill -s "$sig" "$pid" 2>/dev/null || true
  fi
  local -a strays=()
  mapfile -t strays < <(stray_pids "$("${svc}_match")")
  for p in "${strays[@]}"; do
    [[ $p == "$pid" ]] && continue
    svc_say "$svc" "stopping stray process $p ($(proc_cmdline "$p" | cut -c1-80))"
    kill -s "$sig" "$p" 2>/dev/null || true
    targets+=("$p")
  done
  deadline=$(($(now) + STACK_STOP_TIMEOUT))
  while :; do
    left=()
    for p in "${targets[@]}"; do proc_alive "$p" && left+=("$p"); done
    [[ -n $pid ]] && proc_alive "$pid" && left+=("$pid")
    ((${#left[@]} == 0)) && break
    if (($(now) >= deadline)); then
      svc_say "$svc" "still running after ${STACK_STOP_TIMEOUT}s, sending SIGKILL to ${left[*]}"
      if [[ -n $pid ]]; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
      kill -KILL "${left[@]}" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.3
  done
  # Anything left in the daemon's session (e.g. children) goes too.
  if [[ -n $pid ]]; then
    mapfile -t left < <(session_pids "$pid")
    ((${#left[@]} == 0)) || kill -KILL "${left[@]}" 2>/dev/null || true
  fi
  rm -f "$(pid_file "$svc")"
  if [[ -n $pid || ${#strays[@]} -gt 0 ]]; then
    svc_say "$svc" "stopped"
  fi
  has_fn "${svc}_after_stop" && "${svc}_after_stop"
  return 0
}

# --- ports and HTTP ----------------------------------------------------------

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Best-effort description of who listens on a port.
port_owner() {
  local out
  out=$(ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n1) || true
  printf '%s' "${out:-unknown process}"
}

# Prints the HTTP status code of a GET (000 when nothing answers).
http_code() {
  curl -s -o /dev/null -m "${2:-5}" -w '%{http_code}' "$1" 2>/dev/null || true
}

# --- installs ----------------------------------------------------------------

run_as_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

apt_lists_fresh() {
  local newest
  newest=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mtime -7 2>/dev/null | head -n1)
  [[ -n $newest ]]
}

# apt-get install with services kept from auto-starting (Debian postinst
# scripts start postgresql/prometheus system services otherwise).
apt_install() {
  local created_policy=0 rc=0
  export DEBIAN_FRONTEND=noninteractive
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | run_as_root tee /usr/sbin/policy-rc.d >/dev/null
    run_as_root chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  if ! apt_lists_fresh; then
    run_as_root apt-get update -q || rc=$?
  fi
  if ((rc == 0)); then
    if ! run_as_root apt-get install -y -q --no-install-recommends "$@"; then
      run_as_root apt-get update -q && run_as_root apt-get install -y -q --no-install-recommends "$@" || rc=$?
    fi
  fi
  if ((created_policy)); then run_as_root rm -f /usr/sbin/policy-rc.d; fi
  return "$rc"
}

# Prints the last lines of a log, indented.
log_tail() {
  local f=$1 n=${2:-20}
  if [[ -s $f ]]; then
    tail -n "$n" "$f" | sed 's/^/    | /'
  else
    printf '    | (log is empty or missing)\n'
  fi
}
