# shellcheck shell=bash
# Prometheus from Debian's package, run by us (not the Debian system service)
# with a config rendered from deploy/prometheus/prometheus.local.yml.

prometheus_template() { printf '%s/deploy/prometheus/prometheus.local.yml' "$IMAGEFLOW_REPO_ROOT"; }
prometheus_config() { printf '%s/prometheus.yml' "$(conf_dir prometheus)"; }
prometheus_match() { printf -- '--config.file=%s' "$(prometheus_config)"; }
prometheus_ports() { printf 'PROMETHEUS_PORT=%s\n' "$PROMETHEUS_PORT"; }
prometheus_bin() { command -v prometheus || { [[ -x /usr/bin/prometheus ]] && printf '/usr/bin/prometheus'; }; }

prometheus_apt_packages() { prometheus_bin >/dev/null || printf 'prometheus\n'; }

# Debian's package ships a system service on 9090; if it holds our port, stop it.
prometheus_preflight() {
  local pid
  pid=$(ss -ltnpH "sport = :$PROMETHEUS_PORT" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1)
  [[ -n $pid ]] || return 0
  local cmd
  cmd=$(proc_cmdline "$pid")
  [[ $cmd == /usr/bin/prometheus* && $cmd != *"$IMAGEFLOW_HOME/"* ]] || return 0
  svc_say prometheus "stopping the Debian system prometheus service (pid $pid holds port $PROMETHEUS_PORT)"
  if [[ -d /run/systemd/system ]]; then
    run_as_root systemctl stop prometheus || true
    run_as_root systemctl disable prometheus >/dev/null 2>&1 || true
  else
    run_as_root service prometheus stop || true
  fi
  local deadline=$(($(now) + 10))
  while proc_alive "$pid" && (($(now) < deadline)); do sleep 0.5; done
}

prometheus_install() {
  prometheus_bin >/dev/null || {
    echo "prometheus binary missing (apt package prometheus)"
    return 1
  }
}

# Replaces ${VAR} placeholders of the template (only the known variables).
prometheus_render() {
  local text var
  text=$(<"$(prometheus_template)")
  for var in PROMETHEUS_PORT PROMETHEUS_TARGETS_DIR PROMETHEUS_RULES_DIR GATEWAY_PORT SCHEMA_REGISTRY_PORT \
    KAFKA_EXPORTER_PORT; do
    text=${text//"\${$var}"/${!var}}
  done
  printf '%s\n' "$text"
}

prometheus_prepare() {
  mkdir -p "$(conf_dir prometheus)" "$(data_dir prometheus)" "$PROMETHEUS_TARGETS_DIR"
  prometheus_render >"$(prometheus_config)"
  if command -v promtool >/dev/null; then
    promtool check config "$(prometheus_config)" || {
      echo "invalid Prometheus config rendered from $(prometheus_template)"
      return 1
    }
  fi
}

prometheus_spawn() {
  spawn_daemon prometheus "$(data_dir prometheus)" "$(prometheus_bin)" \
    --config.file="$(prometheus_config)" \
    --storage.tsdb.path="$(data_dir prometheus)" \
    --storage.tsdb.retention.time=7d \
    --web.listen-address="127.0.0.1:${PROMETHEUS_PORT}" \
    --web.enable-lifecycle
}

prometheus_ready() {
  [[ $(http_code "http://127.0.0.1:${PROMETHEUS_PORT}/-/ready" 3) == 200 ]]
}
