#!/usr/bin/env bash
# `npm run bench [-- OPTIONS]`: the benchmarks of moor against its peers (see bench/README.md).
#   1. installs the peers from Debian's packages when missing: docker.io (the docker CLI at
#      /usr/bin/docker, for `docker stack deploy`), docker-compose (1.29) and time (GNU time, for
#      peak RSS);
#   2. makes sure the local Engine runs in Swarm mode with the test image (scripts/engine.sh);
#   3. builds moor (dist/) and bundles the floor and the CPU benchmark into bench/.work/ (two levels
#      down, as dist/manifest/ is: moor finds its schema at ../../schemas);
#   4. runs bench/run.ts, which writes bench/RESULTS.md (--quick: bench/.work/RESULTS.quick.md).
# Not part of `npm test`: it takes long and wants a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/docker ] || missing+=(docker.io)
[ -x /usr/bin/docker-compose ] || missing+=(docker-compose)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "bench: ${missing[*]} missing, and installing needs root" >&2; exit 1; }
  echo "bench: installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash scripts/engine.sh
npm run --silent build
mkdir -p bench/.work
for entry in floor cpu; do
  node_modules/.bin/esbuild "bench/$entry.ts" --bundle --platform=node --format=esm --target=node20 \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" \
    --log-level=warning --outfile="bench/.work/$entry.mjs"
done
# moor's build-time schema validator, found beside the bundles as beside dist/manifest/schema.js.
cp dist/manifest/schema-validator.cjs bench/.work/
exec node --import tsx bench/run.ts "$@"
