#!/bin/sh
# The whole pipeline, as a user runs it: four scripts with no mlmeta code under the preload hook,
# grouped as one run of the pipeline "iris"; the ONNX conversion runs outside the hook (as any
# converter would) and is declared with one command.
set -e
cd "$(dirname "$0")"
export MLMETA_PIPELINE="${MLMETA_PIPELINE:-iris}"
HOOK="--import @mlmeta/node-hooks/register"
NODE_OPTIONS="$HOOK" node prepare.mjs
NODE_OPTIONS="$HOOK" node train.mjs
NODE_OPTIONS="$HOOK" node evaluate.mjs
node convert.mjs
npx mlmeta derive model.onnx --from model
NODE_OPTIONS="$HOOK" node serve.mjs
