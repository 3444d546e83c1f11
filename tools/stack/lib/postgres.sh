# shellcheck shell=bash
# Postgres from Debian's packages, as our own cluster under
# $IMAGEFLOW_HOME/data/postgres (not the Debian system cluster).

postgres_match() { printf 'postgres -D %s' "$(postgres_data_dir)"; }

# The cluster lives in $IMAGEFLOW_HOME/data/postgres unless POSTGRES_DATA_DIR says otherwise. The postgres OS
# user must be able to reach it: a clone under a private directory (e.g. /root) cannot serve, so the cluster
# then goes to /var/lib/imageflow/postgres-<hash of IMAGEFLOW_HOME>, one per checkout, and `up` says so.
postgres_data_dir() {
  if [[ -n ${POSTGRES_DATA_DIR:-} ]]; then
    printf '%s' "$POSTGRES_DATA_DIR"
    return
  fi
  local d parent
  d=$(data_dir postgres)
  parent=$(dirname "$d")
  mkdir -p "$parent"
  if as_postgres test -x "$parent" 2>/dev/null; then
    printf '%s' "$d"
  else
    printf '/var/lib/imageflow/postgres-%s' "$(printf '%s' "$IMAGEFLOW_HOME" | cksum | cut -d' ' -f1)"
  fi
}
postgres_ports() { printf 'POSTGRES_PORT=%s\n' "$POSTGRES_PORT"; }
# SIGINT = "fast shutdown" (SIGTERM would wait for clients to disconnect).
postgres_stop_signal() { printf 'INT'; }

postgres_bindir() {
  local d
  d=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n1)
  [[ -n $d ]] && dirname "$d"
}

postgres_apt_packages() { postgres_bindir >/dev/null || printf 'postgresql\n'; }

# Socket directory: short (unix socket paths are limited to ~107 bytes) and reachable by the postgres user.
postgres_socket_dir() {
  local d="$IMAGEFLOW_HOME/run/postgres"
  mkdir -p "$IMAGEFLOW_HOME/run"
  if ((${#d} > 80)) || ! as_postgres test -x "$IMAGEFLOW_HOME/run" 2>/dev/null; then
    d="/tmp/imageflow-pg-$(printf '%s' "$IMAGEFLOW_HOME" | cksum | cut -d' ' -f1)"
  fi
  printf '%s' "$d"
}

# Runs a command as the postgres OS user (postgres refuses to run as root).
as_postgres() {
  (cd / && setpriv --reuid=postgres --regid=postgres --init-groups -- env HOME=/tmp "$@")
}

# A Debian system cluster listening on our port would make us fail; stop it
# (it is left in place, only stopped and set to manual start).
postgres_preflight() {
  command -v pg_lsclusters >/dev/null || return 0
  local ver name port status rest
  while read -r ver name port status rest; do
    [[ $port == "$POSTGRES_PORT" ]] || continue
    if [[ $status == online* ]]; then
      svc_say postgres "stopping Debian system cluster $ver/$name (it holds port $port)"
      run_as_root pg_ctlcluster "$ver" "$name" stop || true
    fi
    local sc="/etc/postgresql/$ver/$name/start.conf"
    if [[ -f $sc ]] && grep -qx 'auto' "$sc"; then
      svc_say postgres "setting Debian system cluster $ver/$name to manual start ($sc)"
      run_as_root sed -i 's/^auto$/manual/' "$sc" || true
    fi
  done < <(pg_lsclusters -h 2>/dev/null || true)
}

postgres_install() {
  local bindir
  bindir=$(postgres_bindir) || {
    echo "no /usr/lib/postgresql/*/bin/initdb (apt package postgresql)"
    return 1
  }
  id postgres >/dev/null 2>&1 || {
    echo "OS user 'postgres' missing (it comes with the postgresql package)"
    return 1
  }
  local data sock
  data=$(postgres_data_dir)
  sock=$(postgres_socket_dir)
  mkdir -p "$data" "$sock"
  chown postgres:postgres "$data" "$sock"
  chmod 700 "$data"
  chmod 755 "$sock"
  if ! as_postgres test -w "$data"; then
    echo "user postgres cannot reach $data (a parent directory is not world-searchable); set IMAGEFLOW_HOME elsewhere"
    return 1
  fi
  if [[ ! -f $data/PG_VERSION ]]; then
    echo "initdb $data"
    as_postgres "$bindir/initdb" -D "$data" -U postgres -E UTF8 --no-locale \
      --auth-local=peer --auth-host=scram-sha-256
  fi
}

postgres_prepare() { :; }

postgres_spawn() {
  local bindir data
  bindir=$(postgres_bindir)
  data=$(postgres_data_dir)
  spawn_daemon postgres "$data" \
    setpriv --reuid=postgres --regid=postgres --init-groups -- \
    "$bindir/postgres" -D "$data" \
    -c listen_addresses=127.0.0.1 -c port="$POSTGRES_PORT" \
    -c unix_socket_directories="$(postgres_socket_dir)" \
    -c logging_collector=off -c max_connections=200 -c shared_buffers=128MB \
    -c fsync=on -c log_min_messages=warning
}

postgres_started() {
  "$(postgres_bindir)/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT"
}

# Creates the role and databases (idempotent), as superuser over the socket.
postgres_post_start() {
  as_postgres "$(postgres_bindir)/psql" -X -q -v ON_ERROR_STOP=1 \
    -h "$(postgres_socket_dir)" -p "$POSTGRES_PORT" -U postgres -d postgres \
    -v user="$POSTGRES_USER" -v pass="$POSTGRES_PASSWORD" \
    -v db="$POSTGRES_DB" -v regdb="$SCHEMA_REGISTRY_DB" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \gexec
ALTER ROLE :"user" WITH LOGIN CREATEDB PASSWORD :'pass';
SELECT format('CREATE DATABASE %I OWNER %I', d, :'user')
  FROM unnest(ARRAY[:'db', :'regdb']) AS d
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = d) \gexec
SQL
}

postgres_ready() {
  postgres_started || return 1
  PGPASSWORD="$POSTGRES_PASSWORD" PGCONNECT_TIMEOUT=3 "$(postgres_bindir)/psql" -X -q -tA \
    -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
    -c 'SELECT 1' >/dev/null 2>&1
}
