// Every example validates, and its normalised model matches the golden JSON in golden/ (secret
// data rendered as "(sensitive)", config data as text, the repository folder as <repo>).
// UPDATE_GOLDEN=1 rewrites the golden files (review the diff like code).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatIssue } from '../../src/manifest/issues.js';
import { loadManifest } from '../../src/manifest/load.js';
import { renderDesired, runCli } from './helpers.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

const EXAMPLES: readonly { name: string; files: string[] }[] = [
  { name: 'quickstart', files: ['examples/quickstart/moor.yaml'] },
  { name: 'web-app', files: ['examples/web-app/moor.yaml'] },
  { name: 'swarm-stack', files: ['examples/swarm-stack/moor.yaml'] },
  { name: 'multi-file', files: ['examples/multi-file/base.yaml', 'examples/multi-file/override.yaml'] },
];

for (const example of EXAMPLES) {
  test(`example ${example.name}: moor validate exits 0 with no warning`, async () => {
    const run = await runCli(['validate', ...example.files.flatMap((f) => ['-f', f])], { cwd: REPO });
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^valid: project /);
  });

  test(`example ${example.name}: the normalised model matches golden/${example.name}.json`, async () => {
    const result = await loadManifest({ files: example.files, cwd: REPO, env: {} });
    assert.ok(result.ok, result.ok ? '' : result.issues.map(formatIssue).join('\n'));
    const actual = renderDesired(result.desired, { [REPO]: '<repo>' });
    const goldenFile = new URL(`./golden/${example.name}.json`, import.meta.url);
    if (process.env.UPDATE_GOLDEN === '1') await writeFile(goldenFile, actual);
    assert.equal(actual, await readFile(goldenFile, 'utf8'));
  });
}

test('every example folder is covered', async () => {
  const { readdir } = await import('node:fs/promises');
  const folders = (await readdir(new URL('../../examples/', import.meta.url), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  assert.deepEqual(folders.sort(), EXAMPLES.map((e) => e.name).sort());
});

test('examples use only the local image moor/busybox:latest', async () => {
  for (const example of EXAMPLES) {
    const result = await loadManifest({ files: example.files, cwd: REPO, env: {} });
    assert.ok(result.ok);
    const images = [...Object.values(result.desired.containers), ...Object.values(result.desired.services)].map((o) => o.spec.image);
    assert.deepEqual([...new Set(images)], ['moor/busybox:latest'], example.name);
  }
});
