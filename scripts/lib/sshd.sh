# Throwaway OpenSSH sshd on 127.0.0.1 for SFTP tests (sourced; bash; run as root).
# The recipe of spec/stack-notes.md §3: throwaway host and client ed25519 keys, a known_hosts
# line for [127.0.0.1]:PORT, key-only login as the current user, internal-sftp.
#
# Manual session, from the repository root:
#   source scripts/lib/sshd.sh
#   sshd_start "$(mktemp -d)"          # exports SLOMIX_TEST_SSH_* (see below)
#   sftp -i "$SLOMIX_TEST_SSH_KEY" -o UserKnownHostsFile="$SLOMIX_TEST_SSH_KNOWN_HOSTS" \
#        -P "$SLOMIX_TEST_SSH_PORT" "$SLOMIX_TEST_SSH_USER@127.0.0.1"
#   sshd_stop                          # kills and reaps the sshd started here

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# The Debian packages sshd needs (none when they are there).
sshd_missing_packages() {
  [ -x /usr/sbin/sshd ] || echo openssh-server
  command -v ssh-keygen >/dev/null || echo openssh-client
}

# sshd_start DIR: keys, config and sshd in DIR/ssh; exports SLOMIX_TEST_SSH_HOST, _PORT, _USER,
# _KEY (client private key), _KNOWN_HOSTS and _ROOT (a folder for remote files).
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
    [ "$tries" -lt 100 ] || { cat "$dir/sshd.log" >&2; sshd_stop; return 1; }
    sleep 0.1
  done
  export SLOMIX_TEST_SSH_HOST=127.0.0.1 SLOMIX_TEST_SSH_PORT=$port SLOMIX_TEST_SSH_USER=$user
  export SLOMIX_TEST_SSH_KEY=$dir/client_ed25519 SLOMIX_TEST_SSH_KNOWN_HOSTS=$dir/known_hosts
  export SLOMIX_TEST_SSH_ROOT=$dir/root
  printf '==> sshd on 127.0.0.1:%s (user %s, pid %s)\n' "$port" "$user" "$SSHD_PID" >&2
}

# sshd_stop: kills the sshd sshd_start started and waits for it (no zombie); no-op otherwise.
sshd_stop() {
  [ -n "${SSHD_PID:-}" ] || return 0
  kill "$SSHD_PID" 2>/dev/null || true
  wait "$SSHD_PID" 2>/dev/null || true
  SSHD_PID=
}
