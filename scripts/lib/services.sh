# Both test services at once: the throwaway PostgreSQL (postgres.sh) and sshd (sshd.sh).
#
# Manual session, from the repository root (the same environment scripts/test gives the tests):
#   source scripts/lib/services.sh
#   services_install                   # apt-get installs what is missing (root)
#   services_start "$(mktemp -d)"      # exports SLOMIX_TEST_POSTGRES_URL, SLOMIX_TEST_SSH_*,
#                                      # SLOMIX_TEST_SERVICES=required
#   cargo test ...
#   services_stop                      # stops both and removes the folder
# Each service can also be started alone: see postgres.sh and sshd.sh.
_services_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$_services_lib/postgres.sh"
source "$_services_lib/sshd.sh"

services_log() { printf '==> %s\n' "$*" >&2; }

# Installs the Debian packages the services (and free_port, and the browser tests) need,
# when any is missing.
services_install() {
  local missing
  missing=$( { pg_missing_packages; sshd_missing_packages; command -v python3 >/dev/null || echo python3
    # The site's browser tests: headless Chromium and its WebDriver (same version).
    command -v chromium >/dev/null || echo chromium
    command -v chromedriver >/dev/null || echo chromium-driver; } | xargs)
  if [ -n "$missing" ]; then
    services_log "installing $missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086 # a word list on purpose
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
}

# services_start DIR: both services under DIR, then SLOMIX_TEST_SERVICES=required.
services_start() {
  SERVICES_DIR=$1
  pg_start "$SERVICES_DIR"
  sshd_start "$SERVICES_DIR"
  export SLOMIX_TEST_SERVICES=required
}

# Stops whatever services_start started and removes DIR. Safe to call twice.
services_stop() {
  pg_stop
  sshd_stop
  if [ -n "${SERVICES_DIR:-}" ]; then rm -rf "$SERVICES_DIR"; fi
  SERVICES_DIR=
}
