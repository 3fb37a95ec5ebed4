#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it (and CI, through .ci/run):
#   static checks (typecheck, lint) -> build dist/ -> unit tests -> integration tests against the
#   real local Engine, which scripts/engine.sh installs and starts when none answers.
# Usage: scripts/test.sh [all|unit|int|FILE...]
#   unit: *.test.ts that are not *.int.test.ts (no Engine needed)
#   int:  *.int.test.ts (real Engine; never skipped: if the Engine cannot be started, the run fails)
#   *.solo.int.test.ts files disturb the shared Engine (they restart dockerd): they run one at a
#   time, after the others have finished.
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
int_files() { find test -name '*.int.test.ts' ! -name '*.solo.int.test.ts' | sort; }
solo_files() { find test -name '*.solo.int.test.ts' | sort; }
run_solo_tests() {
  local file
  while IFS= read -r file; do run_node_tests 1 "$file"; done < <(solo_files)
}

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
    run_solo_tests
    ;;
  all)
    npm run --silent typecheck
    npm run --silent lint
    npm run --silent build
    bash scripts/engine.sh
    mapfile -t files < <(unit_files; int_files)
    run_node_tests "$INT_CONCURRENCY" "${files[@]}"
    run_solo_tests
    ;;
  *)
    bash scripts/engine.sh
    npm run --silent build
    files=() solo=()
    for f in "$@"; do
      case "$f" in *.solo.int.test.ts) solo+=("$f") ;; *) files+=("$f") ;; esac
    done
    [ ${#files[@]} -eq 0 ] || run_node_tests "$INT_CONCURRENCY" "${files[@]}"
    for f in ${solo[@]+"${solo[@]}"}; do run_node_tests 1 "$f"; done
    ;;
esac
