# shellcheck shell=bash
# Schema registry: Apicurio Registry (Quarkus app) from its Maven Central
# distribution (io.apicurio:apicurio-registry-app:<ver>:tar.gz:all), with SQL
# storage in the stack's Postgres (database $SCHEMA_REGISTRY_DB) so artifacts
# and schema ids survive restarts. Confluent-compatible API: /apis/ccompat/v7.

registry_home() { printf '%s/apicurio-registry-%s' "$IMAGEFLOW_CACHE" "$APICURIO_VERSION"; }
registry_jar() { printf '%s/apicurio-registry-app-%s-runner.jar' "$(registry_home)" "$APICURIO_VERSION"; }
registry_match() { printf 'apicurio-registry-app-%s-runner.jar' "$APICURIO_VERSION"; }
# The Quarkus management interface is not built into this app (only the HTTP
# port listens); it is pinned off 9000 anyway, see registry_spawn.
registry_ports() { printf 'SCHEMA_REGISTRY_PORT=%s\n' "$SCHEMA_REGISTRY_PORT"; }
registry_depends() { printf 'postgres\n'; }

registry_install() {
  local home dl tgz
  home=$(registry_home)
  [[ -f $home/.complete ]] && return 0
  command -v mvn >/dev/null || {
    echo "mvn is required to fetch Apicurio Registry"
    return 1
  }
  dl="$IMAGEFLOW_CACHE/downloads"
  tgz="$dl/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz"
  if [[ ! -f $tgz ]]; then
    echo "fetching io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all with Maven"
    mkdir -p "$dl"
    (cd "$dl" && mvn -B -q dependency:copy \
      -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
      -DoutputDirectory="$dl")
  fi
  echo "unpacking $tgz into $home"
  rm -rf "$home"
  mkdir -p "$home"
  tar -xzf "$tgz" -C "$home"
  [[ -f $(registry_jar) ]]
  touch "$home/.complete"
}

registry_prepare() { mkdir -p "$(data_dir registry)"; }

registry_spawn() {
  local -a heap
  read -r -a heap <<<"$SCHEMA_REGISTRY_HEAP_OPTS"
  # The datasource password goes through the environment (not the command line).
  APICURIO_DATASOURCE_PASSWORD="$POSTGRES_PASSWORD" \
    spawn_daemon registry "$(data_dir registry)" \
    java "${heap[@]}" -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Djava.io.tmpdir="$(data_dir registry)" \
    -Dimageflow.home="$IMAGEFLOW_HOME" \
    -Dquarkus.http.host=127.0.0.1 \
    -Dquarkus.http.port="$SCHEMA_REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 \
    -Dquarkus.management.port="$SCHEMA_REGISTRY_MANAGEMENT_PORT" \
    -Dapicurio.storage.kind=sql \
    -Dapicurio.storage.sql.kind=postgresql \
    -Dapicurio.datasource.url="jdbc:postgresql://127.0.0.1:${POSTGRES_PORT}/${SCHEMA_REGISTRY_DB}" \
    -Dapicurio.datasource.username="$POSTGRES_USER" \
    -Dapicurio.datasource.jdbc.initial-size=2 \
    -Dapicurio.datasource.jdbc.min-size=2 \
    -Dapicurio.datasource.jdbc.max-size=10 \
    -Dapicurio.storage.snapshot.location="$(data_dir registry)" \
    -Dapicurio.import.work-dir="$(data_dir registry)" \
    -jar "$(registry_jar)"
}

registry_ready() {
  [[ $(http_code "http://127.0.0.1:${SCHEMA_REGISTRY_PORT}/apis/ccompat/v7/subjects" 5) == 200 ]]
}
