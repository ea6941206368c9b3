#!/usr/bin/env bash
# The main job on the embedded default, with real industrial images (ELPV: solar cells
# under electroluminescence, from PyPI): ingest golden samples, then find the nearest
# normals of a held-out normal cell and of a defective one.
set -euo pipefail
cd "$(dirname "$0")/.."
echoctl=${1:-.build/release/echoctl}
store=${ECHO_DEMO_STORE:-.echo-data/demo-store}
category=solar-cell-mono

echo "== echoctl doctor"
"$echoctl" doctor
echo
echo "== ingest 150 defect-free monocrystalline cells as golden samples (store: $store)"
mapfile -t golden < <(python3 scripts/elpv_split.py golden 150)
"$echoctl" ingest "${golden[@]}" --category "$category" --meta source=elpv --meta type=mono --store "$store"
echo
normal=$(python3 scripts/elpv_split.py normal 1)
defective=$(python3 scripts/elpv_split.py defective 1)
echo "== nearest normals of a held-out normal cell: $(basename "$normal")"
"$echoctl" query "$normal" --category "$category" -k 3 --store "$store"
echo
echo "== nearest normals of a defective cell: $(basename "$defective")"
"$echoctl" query "$defective" --category "$category" -k 3 --store "$store"
echo
echo "== stats and verify"
"$echoctl" stats --store "$store"
"$echoctl" verify --store "$store"
