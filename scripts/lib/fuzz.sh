# The parser's fuzz target (fuzz/fuzz_targets/parse.rs) for a bounded time, seeded from the
# real stats files in ../shared/fixtures/real. scripts/test calls it; by hand, from the
# repository root:
#   source scripts/lib/fuzz.sh && fuzz_parse 60 "$(mktemp -d)"
# A crash, a timeout or an out-of-memory input fails it; the input is kept in
# fuzz/artifacts/parse/ (reproduce with `cargo +nightly fuzz run parse <that file>` in fuzz/).

fuzz_log() { printf '==> %s\n' "$*" >&2; }

# Installs the nightly toolchain and cargo-fuzz when missing (cargo-fuzz takes a few minutes).
fuzz_install() {
  if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    fuzz_log "installing the nightly toolchain"
    rustup toolchain install nightly --profile minimal
  fi
  if ! command -v cargo-fuzz >/dev/null 2>&1; then
    fuzz_log "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
  fi
}

# fuzz_seeds DIR: one input per real stats file, in the form the target reads: a first byte
# that picks a valid round 1 (0) or round 2 (1) file name, then the file's bytes.
fuzz_seeds() {
  local dir=$1 file selector
  mkdir -p "$dir"
  for file in ../shared/fixtures/real/*.txt; do
    [ -e "$file" ] || { fuzz_log "no real fixtures in ../shared/fixtures/real"; return 1; }
    case $file in *-round-2.txt) selector='\001' ;; *) selector='\000' ;; esac
    { printf "$selector"; cat "$file"; } >"$dir/$(basename "$file")"
  done
}

# fuzz_parse SECONDS WORKDIR: builds the target (nightly, address sanitizer, in fuzz/target
# whatever CARGO_TARGET_DIR says) and fuzzes for SECONDS; the corpus lives in WORKDIR, so a
# fresh clone starts from the seeds and leaves nothing behind in the repository.
fuzz_parse() {
  local seconds=$1 work=$2 log status
  fuzz_install
  fuzz_seeds "$work/fuzz-corpus"
  log="$work/fuzz.log"
  set +e
  (
    unset CARGO_TARGET_DIR
    cd fuzz && cargo +nightly fuzz run parse "$work/fuzz-corpus" -- \
      -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1
  ) >"$log" 2>&1
  status=$?
  set -e
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log"
    fuzz_log "the parser fuzz target failed (exit $status); inputs in fuzz/artifacts/parse/"
    return 1
  fi
  grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || tail -n 5 "$log"
}
