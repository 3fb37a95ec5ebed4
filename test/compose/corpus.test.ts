// The corpus of real-world style Compose files: each folder of corpus/ is one project, which must
//   1. validate (`moor validate`, exit 0) with exactly the warnings of its expected.txt;
//   2. convert (`moor convert`) to exactly its converted.yaml;
//   3. and that converted manifest, read as a moor manifest, must give the same desired model as
//      the Compose files themselves (the conversion loses nothing).
// Per folder: compose.yaml (and its files), optional `args` (validate/convert arguments, one per
// line: -f FILE, --as services...) and `env.json` (moor's environment).
// UPDATE_CORPUS=1 rewrites expected.txt and converted.yaml (review the diff like code).
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadProject } from '../../src/compose/front.js';
import type { Reading } from '../../src/compose/reading.js';
import { formatIssue } from '../../src/manifest/issues.js';
import { loadManifest } from '../../src/manifest/load.js';
import type { DesiredProject } from '../../src/model/desired.js';
import { renderDesired, runCli } from '../manifest/helpers.js';
import { caseOptions } from './helpers.js';

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));
const cases = readdirSync(CORPUS).sort();

test('the corpus holds at least 25 Compose projects', () => {
  assert.ok(cases.length >= 25, `only ${cases.length} cases`);
});

/** The model without where things were written (a converted manifest has other positions). */
/**
 * What the project means. Which environment values are shown as "(sensitive)" is not part of it:
 * the conversion writes some values a Compose file takes from variables (COMPOSE_PROJECT_NAME, an
 * included file's .env) as they are.
 */
function modelOf(desired: DesiredProject): string {
  const plain = <T extends { readonly sensitiveEnvironment?: unknown }>(objects: Readonly<Record<string, T>>): Record<string, T> =>
    Object.fromEntries(Object.entries(objects).map(([name, { sensitiveEnvironment: _, ...rest }]) => [name, rest as T]));
  return renderDesired({ ...desired, locations: {}, containers: plain(desired.containers), services: plain(desired.services) });
}

async function expect(file: string, actual: string): Promise<void> {
  if (process.env.UPDATE_CORPUS === '1') await writeFile(file, actual);
  assert.equal(actual, await readFile(file, 'utf8'), `differs from ${path.relative(CORPUS, file)} (UPDATE_CORPUS=1 to accept)`);
}

for (const name of cases) {
  test(`compose corpus: ${name} validates, converts, and its conversion means the same`, async () => {
    const source = path.join(CORPUS, name);
    // In a folder of the case's name: a project without name: is named after its folder.
    const parent = await mkdtemp(path.join(tmpdir(), 'moor-compose-'));
    const dir = path.join(parent, name);
    try {
      await cp(source, dir, { recursive: true });
      const { args, env } = await caseOptions(dir);

      const validated = await runCli(['validate', ...args], { cwd: dir, env });
      await expect(path.join(source, 'expected.txt'), validated.stderr);
      assert.equal(validated.code, 0, validated.stderr);
      assert.match(validated.stdout, /^valid: project /);

      const converted = await runCli(['convert', ...args], { cwd: dir, env });
      assert.equal(converted.code, 0, converted.stderr);
      await expect(path.join(source, 'converted.yaml'), converted.stdout);

      const files = args.flatMap((a, i) => (args[i - 1] === '-f' ? [a] : []));
      const reading = (args[args.indexOf('--as') + 1] ?? 'containers') as Reading;
      const fromCompose = await loadProject({ files: files.length > 0 ? files : ['compose.yaml'], cwd: dir, env, ...(args.includes('--as') ? { reading } : {}) });
      assert.ok(fromCompose.ok, fromCompose.ok ? '' : fromCompose.issues.map(formatIssue).join('\n'));
      await writeFile(path.join(dir, 'moor.yaml'), converted.stdout);
      const fromMoor = await loadManifest({ files: ['moor.yaml'], cwd: dir, env });
      assert.ok(fromMoor.ok, fromMoor.ok ? '' : fromMoor.issues.map(formatIssue).join('\n'));
      assert.equal(modelOf(fromMoor.desired), modelOf(fromCompose.desired));
      assert.deepEqual(fromMoor.warnings.filter((w) => !/bind-mounts/.test(w.message)), [], 'a converted manifest has no warnings of its own');
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
}
