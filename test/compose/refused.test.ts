// Compose files moor refuses: each folder of refused/ is run as `moor validate` and must exit 1
// with exactly the stderr of its expected.txt: every field moor cannot honour named, with its
// file:line:col, as an error (it would change what runs) or a warning (cosmetic).
// Per folder: compose.yaml (and its files), optional `args` and `env.json`, as in corpus/.
// UPDATE_CORPUS=1 rewrites expected.txt (review the diff like code).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../manifest/helpers.js';
import { caseOptions } from './helpers.js';

const REFUSED = fileURLToPath(new URL('./refused/', import.meta.url));
const cases = readdirSync(REFUSED).sort();

for (const name of cases) {
  test(`refused Compose file: ${name}`, async () => {
    const dir = path.join(REFUSED, name);
    const { args, env } = await caseOptions(dir);
    const run = await runCli(['validate', ...args], { cwd: dir, env });
    const expected = path.join(dir, 'expected.txt');
    if (process.env.UPDATE_CORPUS === '1') await writeFile(expected, run.stderr);
    assert.equal(run.stderr, await readFile(expected, 'utf8'));
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
  });
}
