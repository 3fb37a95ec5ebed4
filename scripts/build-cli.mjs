// Part of `npm run build`: bundles the CLI (src/cli/run.ts and everything it imports, dependencies
// included) into dist/cli-bundle/ with esbuild, which bin/moor runs. Each command stays its own
// chunk (the registry in src/cli/main.ts imports commands dynamically), so `moor --help` loads
// none. Why: loading ~60 of moor's modules and ~100 of its dependencies' one by one cost ~40% of
// a no-op `moor plan`'s start-up (bench/HISTORY.md). dist/index.js (the library) stays tsc's
// output, module by module.
//
// The chunks sit two levels below the repository, like dist/manifest/, so that the schema is found
// at ../../schemas; the build-time validator (scripts/build-validator.mjs) is copied beside them.
import { copyFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const out = new URL('../dist/cli-bundle/', import.meta.url);
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [new URL('../src/cli/run.ts', import.meta.url).pathname],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: out.pathname,
  chunkNames: '[name]-[hash]',
  // Dependencies written as CommonJS call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __moorRequire } from 'node:module'; const require = __moorRequire(import.meta.url);" },
  logLevel: 'warning',
});
copyFileSync(new URL('../dist/manifest/schema-validator.cjs', import.meta.url), new URL('schema-validator.cjs', out));
