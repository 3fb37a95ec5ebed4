// moor destroy -f FILE against the real Engine: it reads only the manifest's project name, so a
// manifest whose secret's variable is gone still destroys its project.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { observeProject } from '../../src/observe/observe.js';
import { runMoor, type CliResult } from '../support/cli.js';
import { useProject } from '../support/project.js';

const run = useProject('fa');
const all = (r: CliResult): string => `${r.stdout}\n${r.stderr}`;

describe('moor destroy -f FILE', () => {
  test('needs no secret values: applied with TOK set, destroyed with TOK unset, everything goes; then nothing is left to destroy', async () => {
    const project = run.newProject();
    const dir = mkdtempSync(join(tmpdir(), 'moor-destroy-'));
    writeFileSync(join(dir, 'moor.yaml'), `project: ${project}
secrets:
  tok: { environment: TOK }
containers:
  box:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    init: true
    stop_grace_period: 1s
`);
    const env = { MOOR_LOCK_DIR: join(dir, '.locks') };
    const applied = await runMoor(['apply', '--yes'], { cwd: dir, env: { ...env, TOK: 'fa-token-value' } });
    assert.equal(applied.code, 0, all(applied));
    const before = await observeProject(run.engine, project);
    assert.equal(before.secrets.length, 1);
    assert.equal(before.containers.length, 1);

    const destroyed = await runMoor(['destroy', '--yes'], { cwd: dir, env });
    assert.equal(destroyed.code, 0, all(destroyed));
    assert.match(destroyed.stdout, /Destroy complete/);
    const after = await observeProject(run.engine, project);
    assert.deepEqual([after.networks, after.secrets, after.configs, after.containers, after.services].map((list) => list.length), [0, 0, 0, 0, 0]);

    const again = await runMoor(['destroy', '--yes'], { cwd: dir, env });
    assert.equal(again.code, 0, all(again));
    assert.equal(again.stdout, `Nothing to destroy: project ${project} has no objects on the Engine.\n`);
  });
});
