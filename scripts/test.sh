#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it (and CI, through .ci/run):
#   static checks (typecheck, lint) -> build dist/ -> unit tests -> integration tests against the
#   real local Engine, which scripts/engine.sh installs and starts when none answers.
# Usage: scripts/test.sh [all|unit|int|FILE...]
#   unit: *.test.ts that are not *.int.test.ts (no Engine needed)
#   int:  *.int.test.ts (real Engine; never skipped: if the Engine cannot be started, the run fails)
# Every integration test file runs in parallel with the others, so none may disturb the shared
# Engine: a test that stops or restarts dockerd does it to a dockerd of its own
# (test/support/own-engine.ts), never to the Engine on /var/run/docker.sock.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
# Integration test files run in parallel processes; each test labels what it creates with its own
# run id, so they do not collide. Two cores: a little more than two keeps the Engine busy.
INT_CONCURRENCY=${MOOR_TEST_CONCURRENCY:-3}

run_node_tests() {
  local concurrency=$1; shift
  [ $# -gt 0 ] || { echo "test: no test files found" >&2; exit 1; }
  node --import tsx --test --test-reporter=spec --test-concurrency="$concurrency" "$@"
}

unit_files() { find test -name '*.test.ts' ! -name '*.int.test.ts' | sort; }
int_files() { find test -name '*.int.test.ts' | sort; }

case "$mode" in
  unit)
    mapfile -t files < <(unit_files)
    run_node_tests 2 "${files[@]}"
    ;;
  int)
    bash scripts/engine.sh
    npm run --silent build
    mapfile -t files < <(int_files)
    run_node_tests "$INT_CONCURRENCY" "${files[@]}"
    ;;
  all)
    npm run --silent typecheck
    npm run --silent lint
    npm run --silent build
    bash scripts/engine.sh
    mapfile -t files < <(unit_files; int_files)
    run_node_tests "$INT_CONCURRENCY" "${files[@]}"
    ;;
  *)
    bash scripts/engine.sh
    npm run --silent build
    run_node_tests "$INT_CONCURRENCY" "$@"
    ;;
esac
