// Which reading files get: a moor manifest is never read as Compose, nor the reverse.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { detectFiles } from '../../src/compose/front.js';
import { withProject } from '../manifest/helpers.js';

const detect = (files: Record<string, string>, names: string[], force = false) => withProject(files, (dir) => detectFiles(names, dir, force));

test('a file with project: or containers: is a moor manifest, even with services: or a Compose file name', async () => {
  assert.deepEqual(await detect({ 'compose.yaml': 'project: shop\nservices: {}\n' }, ['compose.yaml']), { format: 'moor', reason: 'compose.yaml has project:' });
  assert.deepEqual(await detect({ 'x.yaml': 'containers: {}\nservices: {}\n' }, ['x.yaml']), { format: 'moor', reason: 'x.yaml has containers:' });
});

test('moor.yaml is a moor manifest by its name, even when project: is missing', async () => {
  assert.deepEqual(await detect({ 'moor.yaml': 'services:\n  api: { image: x }\n' }, ['moor.yaml']), { format: 'moor', reason: 'moor.yaml is a moor manifest by its name' });
});

test("services:, name:, version: or include: without project: is Compose; files are judged together", async () => {
  assert.equal((await detect({ 'a.yaml': 'services: {}\n' }, ['a.yaml'])).format, 'compose');
  assert.equal((await detect({ 'a.yaml': 'name: x\n' }, ['a.yaml'])).format, 'compose');
  assert.equal((await detect({ 'a.yaml': 'version: "3"\n' }, ['a.yaml'])).format, 'compose');
  assert.equal((await detect({ 'a.yaml': 'include: [b.yaml]\n' }, ['a.yaml'])).format, 'compose');
  assert.deepEqual(await detect({ 'base.yaml': 'services: {}\n', 'net.yaml': 'networks: {}\n' }, ['net.yaml', 'base.yaml']), { format: 'compose', reason: 'base.yaml has services: and no project:' });
  assert.deepEqual(await detect({ 'base.yaml': 'project: x\n', 'more.yaml': 'services: {}\n' }, ['base.yaml', 'more.yaml']), { format: 'moor', reason: 'base.yaml has project:' });
});

test('anything else (or an unreadable file) is read as a moor manifest; --compose forces Compose', async () => {
  assert.equal((await detect({ 'a.yaml': 'networks: {}\n' }, ['a.yaml'])).format, 'moor');
  assert.equal((await detect({}, ['missing.yaml'])).format, 'moor');
  assert.equal((await detect({ 'a.yaml': ': : :\n' }, ['a.yaml'])).format, 'moor');
  assert.deepEqual(await detect({ 'moor.yaml': 'project: x\n' }, ['moor.yaml'], true), { format: 'compose', reason: '--compose' });
});

test("every example moor manifest keeps being read as a moor manifest", async () => {
  const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
  for (const folder of readdirSync(examples)) {
    const files = readdirSync(`${examples}${folder}`).filter((f) => f.endsWith('.yaml'));
    assert.equal((await detectFiles(files, `${examples}${folder}`, false)).format, 'moor', folder);
  }
});

test('judged by the top-level keys alone: a problem further down does not hide them; a top-level merge key is expanded', async () => {
  // The duplicate key is the Compose loader's to report; the file is still Compose by its services:.
  const duplicate = 'services:\n  web:\n    image: x\n    image: y\n';
  assert.deepEqual(await detect({ 'a.yaml': duplicate }, ['a.yaml']), { format: 'compose', reason: 'a.yaml has services: and no project:' });
  assert.deepEqual(await detect({ 'a.yaml': 'project: x\nnetworks:\n  n: !!binary AAAA\n' }, ['a.yaml']), { format: 'moor', reason: 'a.yaml has project:' });
  const merged = 'x-base: &base\n  project: shop\n<<: *base\nservices: {}\n';
  assert.deepEqual(await detect({ 'a.yaml': merged }, ['a.yaml']), { format: 'moor', reason: 'a.yaml has project:' });
  // Not one YAML document with a mapping on top: counts for nothing.
  assert.equal((await detect({ 'a.yaml': 'services: {}\n---\nname: x\n' }, ['a.yaml'])).format, 'moor');
  assert.equal((await detect({ 'a.yaml': '- services\n' }, ['a.yaml'])).format, 'moor');
});
