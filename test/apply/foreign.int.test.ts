// Objects moor does not own in the way of an apply, against the real Engine: the plan must see
// them (observe lists them all) and refuse, or work around them, before anything is changed; found
// half-way, the Engine's refusal left a running container of the project down.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ContainerCreateSpec } from '../../src/engine/types.js';
import { runMoor, type CliResult } from '../support/cli.js';
import { TEST_IMAGE, useEngineRun } from '../support/engine.js';
import { useProject } from '../support/project.js';

const foreign = useEngineRun();
const run = useProject('fo');
const all = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

function folder(manifest: string): { write: (m: string) => void; moor: (...args: string[]) => Promise<CliResult> } {
  const dir = mkdtempSync(join(tmpdir(), 'moor-fo-'));
  const write = (m: string): void => writeFileSync(join(dir, 'moor.yaml'), m);
  write(manifest);
  return { write, moor: (...args) => runMoor(args, { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } }) };
}

/** Starts a container moor does not own (labelled with the run id: removed after the file's tests). */
async function startForeign(suffix: string, hostConfig: ContainerCreateSpec['HostConfig']): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = foreign.name(suffix);
  const { id } = await foreign.engine.containers.create({ Image: TEST_IMAGE, Cmd: ['sleep', '100000'], Labels: foreign.labels, ...(hostConfig === undefined ? {} : { HostConfig: hostConfig }) }, { name });
  await foreign.engine.containers.start(id);
  return { name, remove: () => foreign.engine.containers.remove(id, { force: true }) };
}

/** The id and state of the project's container `name`. */
async function containerOf(project: string, name: string): Promise<{ id: string; running: boolean }> {
  const c = await run.engine.containers.inspect(`${project}_${name}`);
  return { id: c.Id, running: c.State.Running };
}

describe('objects moor does not own in the way', { concurrency: true }, () => {
  test('a volume a foreign container mounts: --replace-volumes, --prune-volumes and destroy --volumes are refused before the containers that mount it are touched', async () => {
    const name = run.newProject();
    const manifest = (opts: string): string => `project: ${name}
volumes:
  data: {${opts}}
containers:
  db:
    image: ${TEST_IMAGE}
    command: ["sleep", "100000"]
    stop_grace_period: 1s
    volumes: ["data:/data"]
`;
    const p = folder(manifest(''));
    const first = await p.moor('apply', '--yes');
    assert.equal(first.code, 0, all(first));
    const before = await containerOf(name, 'db');
    const holder = await startForeign('mounts', { Binds: [`${name}_data:/d`] });
    try {
      p.write(manifest(' driver_opts: { type: tmpfs, device: tmpfs } '));
      const replaced = await p.moor('apply', '--yes', '--replace-volumes');
      assert.equal(replaced.code, 1, all(replaced));
      assert.match(all(replaced), new RegExp(`volume ${name}_data must be recreated, but containers moor does not manage mount it \\(container ${holder.name}\\)`));
      assert.deepEqual(await containerOf(name, 'db'), { ...before, running: true }, 'the container that mounts it was not touched');

      p.write(`project: ${name}\n`);
      const pruned = await p.moor('apply', '--yes', '--prune-volumes');
      assert.equal(pruned.code, 1, all(pruned));
      assert.match(all(pruned), new RegExp(`volume ${name}_data must be deleted, but containers moor does not manage mount it \\(container ${holder.name}\\)`));
      const destroyed = await p.moor('destroy', '--yes', '--volumes');
      assert.equal(destroyed.code, 1, all(destroyed));
      assert.match(all(destroyed), /must be deleted, but containers moor does not manage mount it/);
      assert.deepEqual(await containerOf(name, 'db'), { ...before, running: true });
      await run.engine.volumes.inspect(`${name}_data`);
    } finally {
      await holder.remove();
    }
    // Once it is gone, the same apply goes through.
    p.write(manifest(' driver_opts: { type: tmpfs, device: tmpfs } '));
    const replaced = await p.moor('apply', '--yes', '--replace-volumes');
    assert.equal(replaced.code, 0, all(replaced));
    assert.equal((await run.engine.volumes.inspect(`${name}_data`)).Options?.['type'], 'tmpfs');
  });
});
