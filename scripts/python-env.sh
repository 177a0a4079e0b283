#!/usr/bin/env bash
# Creates .venv-interop/ with the pinned Python clients of python/requirements.txt (MLMD's
# ml-metadata, openlineage-python) for the interop tests. Idempotent: when the venv already
# matches the requirements file it returns at once. Usage: scripts/python-env.sh
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-interop
requirements=python/requirements.txt
stamp="$venv/.requirements.sha256"

# ml-metadata publishes wheels for CPython 3.9-3.11 only: take the newest of those on PATH.
python="${MLMETA_PYTHON_BOOTSTRAP:-}"
if [ -z "$python" ]; then
  for candidate in python3.11 python3.10 python3.9 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 11) else 1)' 2>/dev/null; then
      python="$candidate"
      break
    fi
  done
fi
if [ -z "$python" ]; then
  echo "python-env: no CPython 3.9-3.11 on PATH (ml-metadata has no wheels for other versions); install python3.11 or set MLMETA_PYTHON_BOOTSTRAP" >&2
  exit 1
fi

want="$(sha256sum "$requirements" | cut -d' ' -f1) $("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
"$venv/bin/python" -c 'import ml_metadata, openlineage.client' # fail here, not in the tests
echo "$want" >"$stamp"
echo "python-env: $venv ready ($("$venv/bin/python" --version), ml-metadata $("$venv/bin/python" -c 'import ml_metadata; print(ml_metadata.__version__)'))"
