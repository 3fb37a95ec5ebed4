// Moving a Swarm stack from `docker stack deploy` to moor: the real docker CLI deploys a stack,
// and `moor apply --adopt service/NAME` takes its service over in place (same service, its tasks
// kept running under a rolling update), after which moor manages it as its own.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { LABEL_NAME, LABEL_PROJECT } from '../../src/model/labels.js';
import { runMoor, type CliResult } from '../support/cli.js';
import { removeProject, useProject } from '../support/project.js';

const run = useProject('adopt');
const docker = promisify(execFile);
const stacks: string[] = [];

const moor = (dir: string, ...args: string[]) => runMoor(args, { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });
const all = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

describe('adopting a service of docker stack deploy', () => {
  // Before the file's own clean-up closes the client: the adopted service is the project's (removed
  // here first), the stack keeps its network.
  after(async () => {
    for (const stack of stacks) {
      await removeProject(run.engine, stack);
      await docker('docker', ['stack', 'rm', stack]);
    }
  });

  test('refused as a name conflict without --adopt; with it, the same service is updated to the manifest and is moor\'s from then on', async () => {
    const name = run.newProject();
    stacks.push(name);
    const dir = mkdtempSync(join(tmpdir(), 'moor-adopt-'));
    writeFileSync(join(dir, 'stack.yml'), `version: "3.8"
services:
  api:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    environment: { MODE: slow }
    stop_grace_period: 1s
`);
    await docker('docker', ['stack', 'deploy', '--resolve-image', 'never', '-c', 'stack.yml', name], { cwd: dir });
    const before = await run.engine.services.inspect(`${name}_api`);
    assert.equal(before.Spec.Labels?.['com.docker.stack.namespace'], name);

    // The stack's network stays as it is (its labels cannot change): the manifest uses it.
    writeFileSync(join(dir, 'moor.yaml'), `project: ${name}
networks:
  default: { external: true, name: ${name}_default }
services:
  api:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    environment: { MODE: fast }
    stop_grace_period: 1s
`);
    const refused = await moor(dir, 'plan');
    assert.equal(refused.code, 1, all(refused));
    assert.match(refused.stdout, new RegExp(`service ${name}_api already exists and was not created by moor; .*run with --adopt service/api`));

    const adopted = await moor(dir, 'apply', '--yes', '--adopt', 'service/api');
    assert.equal(adopted.code, 0, all(adopted));
    // The plan shows what adopting changes: the manifest's spec, and the stack's labels dropped.
    assert.match(adopted.stdout, /~ service api \(\S+\): adopted \(--adopt\): it was not made by moor; containerLabels, environment, labels changed/);
    assert.match(adopted.stdout, /environment\.MODE: "slow" -> "fast"/);
    assert.match(adopted.stdout, new RegExp(`labels\\["com\\.docker\\.stack\\.namespace"\\]: "${name}" -> \\(none\\)`));
    const after = await run.engine.services.inspect(`${name}_api`);
    assert.equal(after.ID, before.ID, 'the same service, updated in place');
    assert.equal(after.Spec.Labels?.[LABEL_PROJECT], name);
    assert.equal(after.Spec.Labels?.[LABEL_NAME], 'api');
    assert.equal(after.Spec.Labels?.['com.docker.stack.namespace'], undefined, 'docker stack no longer counts it as its own');
    assert.ok(after.Spec.TaskTemplate.ContainerSpec?.Env?.includes('MODE=fast'));

    // From now on it is an ordinary service of the project: nothing more to do, no --adopt needed.
    const plan = await moor(dir, 'plan', '--detailed-exitcode');
    assert.equal(plan.code, 0, all(plan));
  });

  test('a network cannot be adopted: the command line says why, before anything is read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-adopt-'));
    writeFileSync(join(dir, 'moor.yaml'), `project: ${run.project}\ncontainers: {}\n`);
    const r = await moor(dir, 'plan', '--adopt', 'network/default');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--adopt network\/default: only services can be adopted: the Engine never changes a network's labels, by which moor knows what it owns \(use the existing network with external: true and its name\)/);
  });
});
