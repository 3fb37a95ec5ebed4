// Part of `npm run build`: bundles the CLI (src/cli/run.ts and everything it imports, dependencies
// and the build-time schema validator included) into one CommonJS file, dist/cli-bundle/moor.cjs,
// and its sha256 beside it (moor.cjs.sha256). bin/moor runs it through src/cli/launch.ts (built
// beside it as launch.cjs), which keeps V8's code cache of it per command. Why (bench/HISTORY.md): loading ~60 of moor's modules
// and ~100 of its dependencies' one by one cost ~40% of a no-op `moor plan`'s start-up (fix 3),
// and compiling the bundle's code again on every start most of what was left (fix 8). One file,
// because V8's code cache is per script (an ES module has none in Node 20). Each command's code
// is still only run when the command is (esbuild wraps what main.ts imports dynamically), and V8
// compiles a function only when it is first called. dist/index.js (the library) stays tsc's
// output, module by module.
//
// The bundle sits two levels below the repository, like dist/manifest/, so that the schema is
// found at ../../schemas (src/manifest/schema.ts, through import.meta.url, which the bundle gets
// from its file name).
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const out = new URL('../dist/cli-bundle/', import.meta.url);
const bundle = new URL('moor.cjs', out);
const validator = new URL('../dist/manifest/schema-validator.cjs', import.meta.url).pathname;

/** src/manifest/precompiled.ts requires the validator at run time; the bundle holds it instead. */
const bundleTheValidator = {
  name: 'bundle-the-validator',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]manifest[\\/]precompiled\.ts$/ }, () => ({
      contents: `import validate from ${JSON.stringify(validator)};\nexport function precompiledValidator() { return validate; }\n`,
      loader: 'js',
    }));
  },
};

/** Both files are CommonJS for Node 20, with their dependencies in them. */
const commonJs = { bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning' };

rmSync(out, { recursive: true, force: true });
await build({
  ...commonJs,
  entryPoints: [new URL('../src/cli/run.ts', import.meta.url).pathname],
  outfile: bundle.pathname,
  define: { 'import.meta.url': '__moorBundleUrl' },
  banner: { js: "const __moorBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [bundleTheValidator],
  // ASCII only, so that bin/moor reads it as latin1: ~3× faster than decoding UTF-8 (7 ms of every
  // start). Without comments and indentation (a quarter less to read; names are kept, so a stack
  // trace still names its functions); the dependencies' licence comments go to moor.cjs.LEGAL.txt.
  charset: 'ascii',
  minifyWhitespace: true,
  legalComments: 'external',
});
// What bin/moor requires: src/cli/launch.ts, as CommonJS too, beside the bundle (bin/moor is
// CommonJS: an ES module entry point costs Node ~10 ms more to start).
await build({ ...commonJs, entryPoints: [new URL('../src/cli/launch.ts', import.meta.url).pathname], outfile: new URL('launch.cjs', out).pathname });
const text = readFileSync(bundle);
const outside = text.findIndex((byte) => byte > 0x7f);
if (outside !== -1) throw new Error(`build-cli: ${bundle.pathname} has a non-ASCII byte at offset ${outside} (escape it in the source: \\u....)`);
writeFileSync(new URL('moor.cjs.sha256', out), `${createHash('sha256').update(text).digest('hex')}\n`);
