// Images the Engine does not have: pulled before use, with credentials from the Docker config,
// progress shown, credentials never shown; a failure is partial and reported, and a re-run converges.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runMoor } from '../support/cli.js';
import { TEST_IMAGE } from '../support/engine.js';
import { useLocalRegistry } from '../support/registry.js';
import { useProject } from '../support/project.js';

const run = useProject('img');
const localRegistry = useLocalRegistry();

function folder(manifest: string, dockerConfig: unknown): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'moor-img-'));
  writeFileSync(join(dir, 'moor.yaml'), manifest);
  const cfg = join(dir, 'docker');
  mkdirSync(cfg);
  writeFileSync(join(cfg, 'config.json'), JSON.stringify(dockerConfig));
  return { dir, env: { DOCKER_CONFIG: cfg, MOOR_LOCK_DIR: join(dir, '.locks') } };
}

describe('images', () => {
  test('a missing private image is pulled with the Docker config credentials, and no credential is printed', async () => {
    const registry = localRegistry();
    const name = run.newProject();
    const image = await registry.push(TEST_IMAGE, `${name}/app:1`);
    await run.engine.images.remove(image).catch(() => undefined);
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    const { dir, env } = folder(`project: ${name}\ncontainers:\n  app:\n    image: ${image}\n    command: [sleep, "3600"]\n    init: true\n`, { auths: { [registry.address]: { auth } } });
    const plan = await runMoor(['plan'], { cwd: dir, env });
    assert.match(plan.stdout, /\+ container app/);
    const applied = await runMoor(['apply', '--yes'], { cwd: dir, env });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.match(applied.stdout, new RegExp(`pull +${image.replace(/[.]/g, '\\.')}: Status: Downloaded newer image`));
    assert.match(applied.stdout, /ok +pull image/);
    for (const out of [plan.stdout, plan.stderr, applied.stdout, applied.stderr]) {
      assert.ok(!out.includes(registry.password) && !out.includes(auth), 'a credential was printed');
    }
    assert.equal((await run.engine.containers.inspect(`${name}_app`)).State.Running, true);
    assert.equal((await runMoor(['plan', '--detailed-exitcode'], { cwd: dir, env })).code, 0);
  });

  test('an image that cannot be pulled fails its own steps only; the report says so; fixing it converges', async () => {
    const registry = localRegistry();
    const name = run.newProject();
    const missing = `${registry.address}/${name}/nothing:here`;
    const manifest = (image: string) => `project: ${name}\ncontainers:\n  good:\n    image: ${TEST_IMAGE}\n    command: [sleep, "3600"]\n    init: true\n  bad:\n    image: ${image}\n    command: [sleep, "3600"]\n    init: true\n`;
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    const { dir, env } = folder(manifest(missing), { auths: { [registry.address]: { auth } } });
    const failed = await runMoor(['apply', '--yes'], { cwd: dir, env });
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /FAILED +pull image .*nothing:here/);
    assert.match(failed.stdout, /Apply failed: \d+ done, 1 failed, 2 skipped, 0 not started/);
    assert.match(failed.stdout, /skipped: create container \S+_bad/);
    assert.equal((await run.engine.containers.inspect(`${name}_good`)).State.Running, true, 'the independent container was created');
    writeFileSync(join(dir, 'moor.yaml'), manifest(TEST_IMAGE));
    const fixed = await runMoor(['apply', '--yes'], { cwd: dir, env });
    assert.equal(fixed.code, 0, fixed.stdout);
    assert.match(fixed.stdout, /1 to create, 0 to update/);
    assert.equal((await runMoor(['plan', '--detailed-exitcode'], { cwd: dir, env })).code, 0);
  });
});
