// The corpus of broken manifests: each folder of corpus/ is one case, run as `moor validate` in
// that folder, and must exit 1 with exactly the stderr of its expected.txt.
//   moor.yaml (and any other files)  the project
//   args        optional: the validate arguments, one per line (default: none, i.e. moor.yaml)
//   env.json    optional: moor's environment
//   setup.json  optional: files to generate before the run ({"name": {"bytes": N, "head": "..."}}),
//               for inputs too large to commit; the case then runs in a temporary copy
// UPDATE_CORPUS=1 rewrites expected.txt from the actual output (review the diff like code).
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './helpers.js';

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));
const cases = readdirSync(CORPUS).filter((name) => !name.startsWith('_')).sort();

test('the corpus holds at least 40 cases', () => {
  assert.ok(cases.length >= 40, `only ${cases.length} cases`);
});

for (const name of cases) {
  test(`corpus: ${name}`, async () => {
    const source = path.join(CORPUS, name);
    let dir = source;
    const setupFile = path.join(source, 'setup.json');
    if (existsSync(setupFile)) {
      dir = await mkdtemp(path.join(tmpdir(), `moor-corpus-${name}-`));
      await cp(source, dir, { recursive: true, verbatimSymlinks: true });
      const setup = JSON.parse(await readFile(setupFile, 'utf8')) as Record<string, { bytes: number; head?: string }>;
      for (const [file, spec] of Object.entries(setup)) {
        const head = Buffer.from(spec.head ?? '');
        await writeFile(path.join(dir, file), Buffer.concat([head, Buffer.alloc(spec.bytes - head.length, '#')]));
      }
    }
    try {
      const argsFile = path.join(dir, 'args');
      const args = existsSync(argsFile) ? (await readFile(argsFile, 'utf8')).split('\n').filter((l) => l !== '') : [];
      const envFile = path.join(dir, 'env.json');
      const env = existsSync(envFile) ? (JSON.parse(await readFile(envFile, 'utf8')) as Record<string, string>) : {};
      const run = await runCli(['validate', ...args], { cwd: dir, env });
      const expectedFile = path.join(source, 'expected.txt');
      if (process.env.UPDATE_CORPUS === '1') await writeFile(expectedFile, run.stderr);
      assert.equal(run.stderr, await readFile(expectedFile, 'utf8'));
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      assert.doesNotMatch(run.stderr, /CANARY/, 'a secret value leaked into a message');
    } finally {
      if (dir !== source) await rm(dir, { recursive: true, force: true });
    }
  });
}

test('every corpus case has an expected.txt', async () => {
  for (const name of cases) assert.ok((await readdir(path.join(CORPUS, name))).includes('expected.txt'), name);
});
