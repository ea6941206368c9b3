#!/usr/bin/env bash
# The main job on the embedded default. For now: check the native libraries, then decode
# the sample images the way ingest will. Later steps ingest, query and inspect.
set -euo pipefail
echoctl=${1:-.build/release/echoctl}
echo "== echoctl doctor"
"$echoctl" doctor
echo
echo "== echoctl image info (sample images)"
"$echoctl" image info Tests/EchoImagingTests/Fixtures/*.png Tests/EchoImagingTests/Fixtures/*.jpg
