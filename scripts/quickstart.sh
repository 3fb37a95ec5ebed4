#!/usr/bin/env bash
# The README's first command (after `npm ci`): makes sure a local Engine answers (starting one if
# needed, see scripts/engine.sh), then runs moor's main job on the quickstart example.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/cli/run.js ] || npm run --silent build
bash scripts/engine.sh
bin/moor version
