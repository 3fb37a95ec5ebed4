// Objects moor does not own in the way of an apply, against the real Engine: the plan must see
// them (observe lists them all) and refuse, or work around them, before anything is changed; found
// half-way, the Engine's refusal left a running container of the project down.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
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

function folder(manifest: string): { write: (m: string) => void; moor: (...args: string[]) => Promise<CliResult>; moorWith: (env: Record<string, string>, ...args: string[]) => Promise<CliResult> } {
  const dir = mkdtempSync(join(tmpdir(), 'moor-fo-'));
  const write = (m: string): void => writeFileSync(join(dir, 'moor.yaml'), m);
  write(manifest);
  const moorWith = (env: Record<string, string>, ...args: string[]): Promise<CliResult> => runMoor(args, { cwd: dir, env: { ...env, MOOR_LOCK_DIR: join(dir, '.locks') } });
  return { write, moor: (...args) => moorWith({}, ...args), moorWith };
}

/** Starts a container moor does not own (labelled with the run id: removed after the file's tests). */
async function startForeign(suffix: string, spec: Partial<ContainerCreateSpec>): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = foreign.name(suffix);
  const { id } = await foreign.engine.containers.create({ Image: TEST_IMAGE, Cmd: ['sleep', '100000'], Labels: foreign.labels, ...spec }, { name });
  await foreign.engine.containers.start(id);
  return { name, remove: () => foreign.engine.containers.remove(id, { force: true }) };
}

/** The id and state of the project's container `name`. */
async function containerOf(project: string, name: string): Promise<{ id: string; running: boolean; startedAt: string | undefined }> {
  const c = await run.engine.containers.inspect(`${project}_${name}`);
  return { id: c.Id, running: c.State.Running, startedAt: c.State.StartedAt };
}

/** A host port free on 127.0.0.1 now (the OS picks it: unique among the test files running in parallel). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
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
    const holder = await startForeign('mounts', { HostConfig: { Binds: [`${name}_data:/d`] } });
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

  test('a port a foreign container holds: moving a container onto it is refused before the running container is stopped; the same port on another address is not', async () => {
    const name = run.newProject();
    const [mine, theirs] = [await freePort(), await freePort()];
    const manifest = (mapping: string): string => `project: ${name}
containers:
  web:
    image: ${TEST_IMAGE}
    command: ["sleep", "100000"]
    stop_grace_period: 1s
    ports: ["${mapping}"]
`;
    const p = folder(manifest(`127.0.0.1:${mine}:80`));
    const first = await p.moor('apply', '--yes');
    assert.equal(first.code, 0, all(first));
    const before = await containerOf(name, 'web');
    const holder = await startForeign('port', { ExposedPorts: { '80/tcp': {} }, HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(theirs) }] } } });
    try {
      p.write(manifest(`127.0.0.1:${theirs}:80`));
      const moved = await p.moor('apply', '--yes');
      assert.equal(moved.code, 1, all(moved));
      assert.match(all(moved), new RegExp(`container/web.*host port 127\\.0\\.0\\.1:${theirs}/tcp is held by container ${holder.name}, which moor does not manage`));
      assert.deepEqual(await containerOf(name, 'web'), before, 'not stopped, not restarted');
      // Every address overlaps 127.0.0.1; udp does not clash with tcp.
      p.write(manifest(`${theirs}:80`));
      assert.equal((await p.moor('plan')).code, 1);
      p.write(manifest(`127.0.0.1:${theirs}:80/udp`));
      const planned = await p.moor('plan', '--detailed-exitcode');
      assert.equal(planned.code, 2, all(planned));
      // The same port on another specific address does not clash: the Engine agrees.
      p.write(manifest(`127.0.0.2:${theirs}:80`));
      const elsewhere = await p.moor('apply', '--yes');
      assert.equal(elsewhere.code, 0, all(elsewhere));
      assert.equal((await containerOf(name, 'web')).running, true);
    } finally {
      await holder.remove();
    }
  });

  test("an old secret version a foreign service uses is kept, with a warning naming the service, and the rest of the apply goes on; the next plan is clean", async () => {
    const name = run.newProject();
    const p = folder(`project: ${name}
secrets:
  pw: { environment: PW }
services:
  api:
    image: ${TEST_IMAGE}
    command: ["sleep", "100000"]
    stop_grace_period: 1s
    secrets: [pw]
`);
    const first = await p.moorWith({ PW: 'one' }, 'apply', '--yes');
    assert.equal(first.code, 0, all(first));
    const [v1] = await run.engine.secrets.list({ filters: { label: `io.moor.project=${name}` } });
    assert.ok(v1 !== undefined);
    const svc = await foreign.engine.services.create({
      Name: foreign.name('svc'),
      Labels: foreign.labels,
      TaskTemplate: { ContainerSpec: { Image: TEST_IMAGE, Command: ['sleep', '100000'], Secrets: [{ SecretName: v1.Spec.Name, SecretID: v1.ID, File: { Name: 'pw', UID: '0', GID: '0', Mode: 0o444 } }] } },
    });
    try {
      // The first rotation keeps v1 anyway (api's rollback target); the second one frees it.
      for (const pw of ['two', 'three']) {
        const rotated = await p.moorWith({ PW: pw }, 'apply', '--yes');
        assert.equal(rotated.code, 0, all(rotated));
        if (pw === 'three') assert.match(all(rotated), new RegExp(`secret ${v1.Spec.Name} is no longer needed but is kept: service ${foreign.name('svc')}, which moor does not manage, uses it`));
      }
      const left = await run.engine.secrets.list({ filters: { label: `io.moor.project=${name}` } });
      assert.deepEqual(left.map((x) => x.Spec.Name).filter((n) => n === v1.Spec.Name), [v1.Spec.Name], 'v1 kept');
      assert.equal(left.length, 3, 'v1 (kept), v2 (the rollback target), v3');
      const again = await p.moorWith({ PW: 'three' }, 'plan', '--detailed-exitcode');
      assert.equal(again.code, 0, all(again));
    } finally {
      await foreign.engine.services.remove(svc.id);
    }
    // Once the service let go of it, the next apply removes it.
    const cleaned = await p.moorWith({ PW: 'three' }, 'apply', '--yes');
    assert.equal(cleaned.code, 0, all(cleaned));
    const after = await run.engine.secrets.list({ filters: { label: `io.moor.project=${name}` } });
    assert.ok(!after.some((x) => x.Spec.Name === v1.Spec.Name), all(cleaned));
  });

  test('a network a foreign service is attached to: destroy is refused before the project\'s services are moved off it or removed', async () => {
    const name = run.newProject();
    const p = folder(`project: ${name}
networks:
  mesh: { driver: overlay }
services:
  api:
    image: ${TEST_IMAGE}
    command: ["sleep", "100000"]
    stop_grace_period: 1s
    networks: [mesh]
`);
    const first = await p.moor('apply', '--yes');
    assert.equal(first.code, 0, all(first));
    const api = await run.engine.services.inspect(`${name}_api`);
    const svc = await foreign.engine.services.create({
      Name: foreign.name('net'),
      Labels: foreign.labels,
      TaskTemplate: { ContainerSpec: { Image: TEST_IMAGE, Command: ['sleep', '100000'] }, Networks: [{ Target: `${name}_mesh` }] },
    });
    try {
      const refused = await p.moor('destroy', '--yes');
      assert.equal(refused.code, 1, all(refused));
      assert.match(all(refused), new RegExp(`network ${name}_mesh must be removed, but services moor does not manage are attached to it \\(service ${foreign.name('net')}\\)`));
      assert.equal((await run.engine.services.inspect(`${name}_api`)).Version.Index, api.Version.Index, 'the project\'s service is untouched');
    } finally {
      await foreign.engine.services.remove(svc.id);
    }
    const destroyed = await p.moor('destroy', '--yes');
    assert.equal(destroyed.code, 0, all(destroyed));
  });
});
