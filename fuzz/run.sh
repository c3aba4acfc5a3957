#!/usr/bin/env bash
# Builds every fuzz target once, then runs each for SECONDS (default 20) from its seed corpus
# (fuzz/corpus/<target>, never written to). Fails on the first crash, leak, timeout or
# out-of-memory; the input that caused it is kept in fuzz/artifacts/<target>/.
#
#   fuzz/run.sh [SECONDS]
#
# Needs cargo-fuzz (`cargo install --locked cargo-fuzz`). cargo-fuzz passes nightly-only
# flags to rustc; RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them. No sanitizer: the
# workspace forbids unsafe code, so AddressSanitizer would only slow the runs; panics,
# overflows (checked), debug assertions and the targets' own invariants are what is looked for.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-20}"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed: cargo install --locked cargo-fuzz" >&2
  exit 1
fi
# cargo fuzz has no --locked: refuse a lock file that would need changing.
cargo metadata --locked --format-version 1 >/dev/null
targets="$(cargo fuzz list)"
start=$(date +%s)
cargo fuzz build --sanitizer none
echo "built $(echo "$targets" | wc -l) targets in $(( $(date +%s) - start )) s"
work="$CARGO_TARGET_DIR/fuzz-corpus"
failed=0
passed=0
for t in $targets; do
  mkdir -p "$work/$t" "corpus/$t"
  log="$work/$t.log"
  # The first corpus directory receives new inputs; the committed seeds are only read.
  if cargo fuzz run --sanitizer none "$t" "$work/$t" "corpus/$t" -- \
      -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    echo "ok    $t: ${execs:-?} runs in ${seconds} s"
    passed=$((passed + 1))
  else
    echo "CRASH $t (log: $log)"
    grep -E "panicked|ERROR|SUMMARY|Test unit written" "$log" | head -n 20 || true
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
