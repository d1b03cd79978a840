# Throwaway PostgreSQL cluster on 127.0.0.1 for tests (sourced; bash).
#
# Manual session, from the repository root:
#   source scripts/lib/postgres.sh
#   pg_start "$(mktemp -d)"            # prints the port; exports SLOMIX_TEST_POSTGRES_URL
#   cargo test store                   # or anything that reads SLOMIX_TEST_POSTGRES_URL
#   pg_stop                            # stops the server (the folder is left to you)
# The cluster lives in DIR/pg, is owned by the `postgres` user (initdb refuses root) and
# has one superuser role `slomix` with a random password, so tests may CREATE DATABASE.

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# The newest /usr/lib/postgresql/*/bin.
pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# The Debian packages PostgreSQL needs (none when the server binaries are there).
pg_missing_packages() {
  [ -x "$(pg_bin)/initdb" ] || echo postgresql
}

# pg_start DIR: initdb + start; exports SLOMIX_TEST_POSTGRES_URL.
pg_start() {
  local dir=$1 bin port password
  bin=$(pg_bin)
  port=$(free_port)
  password="slomix-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  mkdir -p "$dir/pg"
  printf '%s\n' "$password" > "$dir/pg/pwfile"
  chown -R postgres: "$dir/pg"
  chmod 755 "$dir"
  su postgres -s /bin/sh -c "'$bin/initdb' -D '$dir/pg/data' -U slomix --pwfile='$dir/pg/pwfile' \
      --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8" >"$dir/pg/initdb.log" 2>&1 \
    || { cat "$dir/pg/initdb.log" >&2; return 1; }
  rm -f "$dir/pg/pwfile"
  su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$dir/pg/data' -l '$dir/pg/server.log' -w -t 60 \
      -o \"-c listen_addresses=127.0.0.1 -p $port -k '$dir/pg' -c fsync=off -c max_connections=200\" start" \
    >/dev/null || { cat "$dir/pg/server.log" >&2; return 1; }
  PG_DIR="$dir/pg"
  PGPASSWORD=$password "$bin/createdb" -h 127.0.0.1 -p "$port" -U slomix slomix \
    || { pg_stop; return 1; }
  export SLOMIX_TEST_POSTGRES_URL="postgres://slomix:${password}@127.0.0.1:${port}/slomix"
  printf '==> PostgreSQL %s on 127.0.0.1:%s (role and database slomix)\n' \
    "$(basename "$(dirname "$bin")")" "$port" >&2
}

# pg_stop: stops the server pg_start started (no-op otherwise).
pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  su postgres -s /bin/sh -c "'$(pg_bin)/pg_ctl' -D '$PG_DIR/data' -m immediate stop" >/dev/null 2>&1 || true
  PG_DIR=
}
