#!/usr/bin/env bash
# The main job on the embedded default, with real industrial images (ELPV: solar cells
# under electroluminescence, from PyPI): ingest golden samples, calibrate a threshold
# from them alone, inspect a mix of normal and defective cells, print the verdicts with
# a confusion table, and write an HTML report.
set -euo pipefail
cd "$(dirname "$0")/.."
echoctl=${1:-.build/release/echoctl}
store=${ECHO_DEMO_STORE:-.echo-data/demo-store}
report=${ECHO_DEMO_REPORT:-.echo-data/demo-report}
category=solar-cell-mono

echo "== echoctl doctor"
"$echoctl" doctor
echo
echo "== ingest 150 defect-free monocrystalline cells as golden samples (store: $store)"
mapfile -t golden < <(python3 scripts/elpv_split.py golden 150)
"$echoctl" ingest "${golden[@]}" --category "$category" --meta source=elpv --meta type=mono --store "$store"
echo
echo "== calibrate the anomaly threshold from the golden samples alone"
"$echoctl" calibrate --category "$category" --store "$store"
echo
normal=$(python3 scripts/elpv_split.py normal 1)
echo "== nearest normals of a held-out normal cell: $(basename "$normal")"
"$echoctl" query "$normal" --category "$category" -k 3 --store "$store"
echo
echo "== inspect 12 held-out normal and 12 defective cells"
mapfile -t normals < <(python3 scripts/elpv_split.py normal 12)
python3 scripts/elpv_split.py defective 12 > "${TMPDIR:-/tmp}/echo-demo-defective.txt"
mapfile -t defective < "${TMPDIR:-/tmp}/echo-demo-defective.txt"
results="${TMPDIR:-/tmp}/echo-demo-results.json"
set +e
"$echoctl" inspect "${normals[@]}" "${defective[@]}" --category "$category" --store "$store" --report "$report" --json > "$results"
status=$?
set -e
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit "$status"   # 3: some images are anomalous, as expected
python3 scripts/confusion.py "${TMPDIR:-/tmp}/echo-demo-defective.txt" < "$results"
echo
echo "== stats and verify"
"$echoctl" stats --store "$store"
"$echoctl" verify --store "$store"
echo
echo "Open $report/index.html to see each cell beside its nearest normal and its anomaly overlay."
echo "Or browse the store in the web console (loopback only, no token):"
echo "  $echoctl serve --store $store --no-auth --port 8080    # then open http://127.0.0.1:8080/"
