#!/usr/bin/env bash
# Installs the peers that bench/peers measures against, into the project's one Python environment
# (.venv-interop/, made by scripts/python-env.sh with MLMD's ml-metadata), adding MLflow from
# bench/peers/requirements.txt. Idempotent: returns at once when both files are unchanged.
# Usage: bash bench/peers/setup.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/python-env.sh
venv=.venv-interop
requirements=bench/peers/requirements.txt
stamp="$venv/.peers.sha256"
want="$(cat python/requirements.txt "$requirements" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
"$venv/bin/python" -c 'import mlflow, ml_metadata' # fail here, not in the benchmark
echo "$want" >"$stamp"
echo "bench/peers: mlflow $("$venv/bin/python" -c 'import mlflow; print(mlflow.__version__)'), ml-metadata $("$venv/bin/python" -c 'import ml_metadata; print(ml_metadata.__version__)') in $venv"
