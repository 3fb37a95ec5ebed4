#!/usr/bin/env bash
# The README's first command (after `npm ci`): makes sure a local Engine answers (starting one if
# needed, see scripts/engine.sh), then runs moor's main job on the quickstart example: a plan, an
# apply, and a second plan that shows the Engine now matches the manifest.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/cli-bundle/moor.cjs ] || npm run --silent build
bash scripts/engine.sh
bin/moor version
echo
echo '$ moor apply -f examples/quickstart/moor.yaml --yes'
bin/moor apply -f examples/quickstart/moor.yaml --yes
echo
echo '$ moor plan -f examples/quickstart/moor.yaml'
bin/moor plan -f examples/quickstart/moor.yaml
echo
echo 'The example serves http://127.0.0.1:8080/ ; remove it with: bin/moor destroy -f examples/quickstart/moor.yaml --volumes --yes'
