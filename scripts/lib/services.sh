# Throwaway PostgreSQL and OpenSSH sshd on 127.0.0.1 for the test suite.
# Source this file, then: services_install; services_start DIR; ...; services_stop.
# For a manual session:  source scripts/lib/services.sh && services_install && services_start "$(mktemp -d)"
# prints the exported variables; `services_stop` ends both.

services_log() { printf '==> %s\n' "$*" >&2; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

services_install() {
  local missing=()
  [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v ssh-keygen >/dev/null || missing+=(openssh-client)
  command -v python3 >/dev/null || missing+=(python3)
  if [ ${#missing[@]} -gt 0 ]; then
    services_log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# PostgreSQL: a fresh cluster in DIR/pg owned by the postgres user (initdb refuses root).
pg_start() {
  local dir=$1 bin port password
  bin=$(pg_bin)
  port=$(free_port)
  password="slomix-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
  mkdir -p "$dir/pg"
  printf '%s\n' "$password" > "$dir/pg/pwfile"
  chown -R postgres:postgres "$dir/pg"
  chmod 755 "$dir"
  su postgres -s /bin/sh -c "'$bin/initdb' -D '$dir/pg/data' -U slomix --pwfile='$dir/pg/pwfile' \
      --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8" >"$dir/pg/initdb.log" 2>&1 \
    || { cat "$dir/pg/initdb.log" >&2; return 1; }
  su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$dir/pg/data' -l '$dir/pg/server.log' -w -t 60 \
      -o \"-c listen_addresses=127.0.0.1 -p $port -k '$dir/pg' -c fsync=off -c max_connections=200\" start" \
    >/dev/null || { cat "$dir/pg/server.log" >&2; return 1; }
  PG_DIR="$dir/pg"
  export SLOMIX_TEST_POSTGRES_URL="postgres://slomix:${password}@127.0.0.1:${port}/postgres"
  services_log "PostgreSQL $(basename "$(dirname "$bin")") on 127.0.0.1:$port"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  su postgres -s /bin/sh -c "'$(pg_bin)/pg_ctl' -D '$PG_DIR/data' -m immediate stop" >/dev/null 2>&1 || true
  PG_DIR=
}

# sshd: host and client ed25519 keys, known_hosts, internal-sftp, root login by key only.
sshd_start() {
  local dir=$1/ssh port user
  port=$(free_port)
  user=$(id -un)
  mkdir -p "$dir/root" /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$dir/host_ed25519"
  ssh-keygen -q -t ed25519 -N '' -f "$dir/client_ed25519"
  cp "$dir/client_ed25519.pub" "$dir/authorized_keys"
  chmod 600 "$dir/authorized_keys"
  printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" > "$dir/known_hosts"
  cat > "$dir/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
AllowUsers $user
Subsystem sftp internal-sftp
LogLevel VERBOSE
CFG
  /usr/sbin/sshd -t -f "$dir/sshd_config"
  /usr/sbin/sshd -D -f "$dir/sshd_config" -E "$dir/sshd.log" &
  SSHD_PID=$!
  local tries=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || { cat "$dir/sshd.log" >&2; return 1; }
    sleep 0.1
  done
  export SLOMIX_TEST_SSH_HOST=127.0.0.1 SLOMIX_TEST_SSH_PORT=$port SLOMIX_TEST_SSH_USER=$user
  export SLOMIX_TEST_SSH_KEY=$dir/client_ed25519 SLOMIX_TEST_SSH_KNOWN_HOSTS=$dir/known_hosts
  export SLOMIX_TEST_SSH_ROOT=$dir/root
  services_log "sshd on 127.0.0.1:$port (user $user)"
}

sshd_stop() {
  [ -n "${SSHD_PID:-}" ] || return 0
  kill "$SSHD_PID" 2>/dev/null || true
  wait "$SSHD_PID" 2>/dev/null || true
  SSHD_PID=
}

services_start() {
  SERVICES_DIR=$1
  pg_start "$SERVICES_DIR"
  sshd_start "$SERVICES_DIR"
  export SLOMIX_TEST_SERVICES=required
}

services_stop() {
  pg_stop
  sshd_stop
  if [ -n "${SERVICES_DIR:-}" ]; then rm -rf "$SERVICES_DIR"; fi
  SERVICES_DIR=
}
