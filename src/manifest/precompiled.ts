// The schema validator compiled at build time: scripts/build-validator.mjs writes it next to this
// module's compiled form (dist/manifest/schema-validator.cjs). Without it (tests run from src/),
// null, and schema.ts compiles the schema itself. The CLI bundle (scripts/build-cli.mjs) replaces
// this module with one that holds the validator, so that it is compiled with the rest of the
// bundle and kept in its code cache (src/cli/launch.ts).
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv/dist/2020.js';

const require = createRequire(import.meta.url);

export function precompiledValidator(): ValidateFunction | null {
  try {
    return require('./schema-validator.cjs') as ValidateFunction;
  } catch {
    return null;
  }
}
