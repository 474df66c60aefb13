# Starts a private PostgreSQL cluster on 127.0.0.1 for the tests and exports
# TEST_DATABASE_URL. Used by .ci/run and usable by hand: `source .ci/postgres.sh; start_test_postgres`.
PG_TEST_PORT="${PG_TEST_PORT:-54329}"

start_test_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PG_TEST_DATA=$(mktemp -d /tmp/curation-pg.XXXXXX)
  export PG_TEST_DATA PG_TEST_BIN="$bin"
  local run=()
  # initdb refuses to run as root.
  if [ "$(id -u)" = 0 ]; then chown postgres "$PG_TEST_DATA"; run=(runuser -u postgres --); fi
  "${run[@]}" "$bin/initdb" -D "$PG_TEST_DATA" -A trust -U postgres >/dev/null
  "${run[@]}" "$bin/pg_ctl" -D "$PG_TEST_DATA" -l "$PG_TEST_DATA/server.log" -w \
    -o "-p $PG_TEST_PORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on" start >/dev/null
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_TEST_PORT/postgres"
  echo "ci: PostgreSQL running at $TEST_DATABASE_URL"
}

stop_test_postgres() {
  [ -n "${PG_TEST_DATA:-}" ] || return 0
  local run=()
  if [ "$(id -u)" = 0 ]; then run=(runuser -u postgres --); fi
  "${run[@]}" "$PG_TEST_BIN/pg_ctl" -D "$PG_TEST_DATA" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_TEST_DATA"
}
