#!/usr/bin/env bash
# scripts/fuzz.sh — `make fuzz`: builds echo-fuzz with libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer (in .build/fuzz, apart from the normal build) and runs every
# harness for FUZZ_SECONDS (default 60) from its seed corpus (Tests/Fuzz/Corpus/NAME) and its
# regression inputs (Tests/Fuzz/Regressions/NAME). New corpus entries and any crash go to
# .build/fuzz-work/NAME; a crash fails the run and says how to keep it as a regression input.
#   FUZZ_SECONDS=N   seconds per harness
#   FUZZ_HARNESS=a,b only these harnesses
#   FUZZ_JOBS=N      harnesses run at once (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
if [ -n "${FUZZ_HARNESS:-}" ]; then
  IFS=, read -r -a harnesses <<< "$FUZZ_HARNESS"
else
  harnesses=()
  for dir in Tests/Fuzz/Corpus/*/; do harnesses+=("$(basename "$dir")"); done
fi

echo "fuzz: building echo-fuzz (libFuzzer + ASan + UBSan) in .build/fuzz"
ECHO_FUZZ_BUILD=1 ASAN_OPTIONS=detect_leaks=0 swift build --scratch-path .build/fuzz --product echo-fuzz \
  -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
  -Xcc -fsanitize=fuzzer-no-link,address,undefined -Xcxx -fsanitize=fuzzer-no-link,address,undefined \
  2>&1 | grep -E "error|warning: .*unsafe|Compiling echo_fuzz|Build complete" || true
binary=.build/fuzz/debug/echo-fuzz
[ -x "$binary" ] || { echo "fuzz: the build failed (run the swift build line above by hand to see why)" >&2; exit 1; }

# A hostile size must be refused as the product refuses it (a C++ bad_alloc the bridge turns
# into an error), so the allocator returns null instead of aborting; UBSan findings are fatal.
export ASAN_OPTIONS="allocator_may_return_null=1:detect_leaks=0:abort_on_error=0:symbolize=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

run_one() {
  local name=$1 work=.build/fuzz-work/$1
  mkdir -p "$work/corpus" "$work/artifacts"
  local regressions=Tests/Fuzz/Regressions/$name
  local dirs=("$work/corpus" "Tests/Fuzz/Corpus/$name")
  [ -d "$regressions" ] && dirs+=("$regressions")
  if ECHO_FUZZ_HARNESS=$name "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 -malloc_limit_mb=3072 \
      -print_final_stats=1 -artifact_prefix="$work/artifacts/" "${dirs[@]}" > "$work/log.txt" 2>&1; then
    local runs cov ft
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log.txt" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$work/log.txt" | tail -1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$work/log.txt" | tail -1 | cut -d' ' -f2)
    printf 'fuzz: %-15s clean  %10s runs in %ss  coverage %s edges, %s features, corpus %s files\n' \
      "$name" "${runs:-?}" "$seconds" "${cov:-?}" "${ft:-?}" "$(ls "$work/corpus" | wc -l)"
  else
    echo "fuzz: $name FOUND A PROBLEM (see $work/log.txt):" >&2
    grep -E "ERROR|SUMMARY|Fatal|panic|precondition|Test unit written" "$work/log.txt" | head -8 >&2
    echo "fuzz: keep the input as a regression: cp $work/artifacts/<file> $regressions/bad-<what-it-is>" >&2
    return 1
  fi
}

failed=0
running=0
for name in "${harnesses[@]}"; do
  [ -d "Tests/Fuzz/Corpus/$name" ] || { echo "fuzz: no harness $name (Tests/Fuzz/Corpus has: $(ls Tests/Fuzz/Corpus | tr '\n' ' '))" >&2; exit 64; }
  run_one "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
exit $failed
