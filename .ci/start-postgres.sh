#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on 127.0.0.1 (free port, temp data dir) and print its URL on stdout.
#
#   export DOCPROC_TEST_POSTGRES_URL="$(.ci/start-postgres.sh)"    # start; prints postgresql://…
#   .ci/start-postgres.sh --stop                                    # stop it and remove the data dir
#
# Finds initdb/pg_ctl on PATH (/usr/local/bin), else Debian's /usr/lib/postgresql/<ver>/bin. PostgreSQL refuses
# to run as root, so as root the cluster is owned by the `postgres` user (created if missing). The state (data
# dir, port) is kept in $DOCPROC_PG_STATE (default /tmp/docproc-pg.state) for --stop. Everything else -> stderr.
set -euo pipefail

STATE="${DOCPROC_PG_STATE:-/tmp/docproc-pg.state}"
DBNAME="${DOCPROC_PG_DB:-docproc_test}"

find_bin() {
  local name=$1 d
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [ -x "$d/$name" ]; then echo "$d/$name"; return; fi
  done
  echo "start-postgres: $name not found (install postgresql)" >&2
  exit 1
}

INITDB=$(find_bin initdb)
PG_CTL=$(find_bin pg_ctl)
BINDIR=$(dirname "$PG_CTL")

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  else
    "$@"
  fi
}

if [ "${1:-}" = "--stop" ]; then
  [ -f "$STATE" ] || { echo "start-postgres: no state file $STATE" >&2; exit 0; }
  # shellcheck disable=SC1090
  . "$STATE"
  as_owner "$PG_CTL" -D "$PGDATA_DIR" -m fast -w stop >&2 || true
  rm -rf "$PGDATA_DIR" "$STATE"
  exit 0
fi

if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin postgres >&2
fi

PGDATA_DIR=$(mktemp -d /tmp/docproc-pg.XXXXXX)
chmod 700 "$PGDATA_DIR"
[ "$(id -u)" = 0 ] && chown postgres "$PGDATA_DIR"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

as_owner "$INITDB" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null 2>"$PGDATA_DIR.initdb.log" \
  || as_owner "$INITDB" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C >&2
rm -f "$PGDATA_DIR.initdb.log"
as_owner "$PG_CTL" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $PORT -k $PGDATA_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >&2
printf 'PGDATA_DIR=%q\nPORT=%q\n' "$PGDATA_DIR" "$PORT" > "$STATE"

PSQL="$BINDIR/psql"
[ -x "$PSQL" ] || PSQL=$(command -v psql || true)
if [ -n "$PSQL" ]; then
  as_owner "$PSQL" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qc "CREATE DATABASE $DBNAME" >&2
else  # no psql: create it through the driver the tests use
  python3 - "$PORT" "$DBNAME" <<'EOF' >&2 || .venv/bin/python - "$PORT" "$DBNAME" <<'EOF2' >&2
import sys, psycopg2
c = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="postgres", dbname="postgres"); c.autocommit = True
c.cursor().execute(f"CREATE DATABASE {sys.argv[2]}")
EOF
import sys, psycopg2
c = psycopg2.connect(host="127.0.0.1", port=int(sys.argv[1]), user="postgres", dbname="postgres"); c.autocommit = True
c.cursor().execute(f"CREATE DATABASE {sys.argv[2]}")
EOF2
fi
echo "postgresql://postgres@127.0.0.1:$PORT/$DBNAME"
