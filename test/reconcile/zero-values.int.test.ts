// Zero values against the real Engine: most of them it drops (Go's omitempty) and reads back as
// not set, some it keeps. Either way, a manifest that writes 0 converges: its second plan is
// empty, and its second apply sends nothing (a service update would also overwrite Swarm's
// rollback target, PreviousSpec).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runMoor, type CliResult } from '../support/cli.js';
import { waitFor } from '../support/engine.js';
import { useProject } from '../support/project.js';

const run = useProject('zero');

/** A project folder whose manifest `write` replaces. */
function projectDir(): { dir: string; write: (yaml: string) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'moor-zero-'));
  writeFileSync(join(dir, 'pw.txt'), 'a-secret-for-the-zero-values-test');
  return { dir, write: (yaml) => writeFileSync(join(dir, 'moor.yaml'), yaml) };
}

const moor = (dir: string, ...args: string[]): Promise<CliResult> => runMoor(args, { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks'), NO_COLOR: '1' } });
const all = (r: CliResult): string => `${r.stdout}\n${r.stderr}`;

interface Values {
  readonly interval: string;
  readonly maxReplicas: number;
  readonly memory: string;
  readonly memLimit: string;
}
const ZERO: Values = { interval: '0s', maxReplicas: 0, memory: '0', memLimit: '0' };

function manifest(project: string, v: Values): string {
  return `project: ${project}
secrets:
  pw: { file: ./pw.txt }
services:
  svc:
    image: moor/busybox:latest
    command: ["sh", "-c", "exec sleep 100000"]
    stop_grace_period: 0s
    healthcheck: { test: ["CMD-SHELL", "true"], interval: ${v.interval}, timeout: 0s, retries: 0, start_period: 0s }
    placement: { max_replicas_per_node: ${v.maxReplicas} }
    resources: { limits: { memory: ${v.memory}, pids: 0 }, reservations: { memory: 0 } }
    update_config: { parallelism: 0, delay: 0s, monitor: 0s, max_failure_ratio: 0 }
    rollback_config: { parallelism: 0, delay: 0s, monitor: 0s, max_failure_ratio: 0 }
    restart_policy: { delay: 0s, window: 0s, max_attempts: 0 }
    volumes: [{ type: tmpfs, target: /scratch, tmpfs: { size: 0, mode: 0 } }]
    secrets: [{ source: pw, mode: 0 }]
containers:
  ctr:
    image: moor/busybox:latest
    command: ["sh", "-c", "exec sleep 100000"]
    stop_grace_period: 0s
    mem_limit: ${v.memLimit}
    restart: "on-failure:0"
    healthcheck: { test: ["CMD-SHELL", "true"], interval: 0s, timeout: 0s, retries: 0, start_period: 0s }
    ulimits: { core: 0 }
    volumes: [{ type: tmpfs, target: /scratch, tmpfs: { size: 0, mode: 0 } }]
`;
}

describe('zero values', { timeout: 180_000 }, () => {
  test('a service and a container with every zero setting: the second plan is empty and the second apply sends no service update', async () => {
    const project = run.newProject();
    const { dir, write } = projectDir();
    write(manifest(project, ZERO));
    const applied = await moor(dir, 'apply', '--yes');
    assert.equal(applied.code, 0, all(applied));
    // Swarm's allocator updates a new service itself (its virtual IP), which bumps its version.
    const before = await waitFor('the service\'s virtual IP', async () => {
      const s = await run.engine.services.inspect(`${project}_svc`);
      return (s.Endpoint?.['VirtualIPs'] as unknown[] | undefined)?.length === 1 ? s : undefined;
    });
    const container = await run.engine.containers.inspect(`${project}_ctr`);

    const plan = await moor(dir, 'plan', '--detailed-exitcode');
    assert.equal(plan.code, 0, all(plan));
    const again = await moor(dir, 'apply', '--yes');
    assert.equal(again.code, 0, all(again));
    assert.match(again.stdout, /^No changes/);
    const after = await run.engine.services.inspect(`${project}_svc`);
    assert.equal(after.Version.Index, before.Version.Index, 'no service update was sent');
    assert.equal(after.PreviousSpec, undefined, 'Swarm has no rollback target: the service was never updated');
    assert.equal((await run.engine.containers.inspect(`${project}_ctr`)).Id, container.Id);
  });

  test('a setting changed from 0 to a value and back is applied each way, and then nothing is left to do', async () => {
    const project = run.newProject();
    const { dir, write } = projectDir();
    const applyAndSettle = async (v: Values): Promise<void> => {
      write(manifest(project, v));
      const applied = await moor(dir, 'apply', '--yes');
      assert.equal(applied.code, 0, all(applied));
      const plan = await moor(dir, 'plan', '--detailed-exitcode');
      assert.equal(plan.code, 0, all(plan));
    };
    await applyAndSettle(ZERO);
    const first = await run.engine.containers.inspect(`${project}_ctr`);

    await applyAndSettle({ interval: '5s', maxReplicas: 2, memory: '64m', memLimit: '64m' });
    const set = await run.engine.services.inspect(`${project}_svc`);
    const task = set.Spec.TaskTemplate;
    assert.equal((task.ContainerSpec?.['Healthcheck'] as { Interval?: number } | undefined)?.Interval, 5e9);
    assert.equal(task.Placement?.['MaxReplicas'], 2);
    assert.equal((task.Resources?.['Limits'] as { MemoryBytes?: number } | undefined)?.MemoryBytes, 64 * 1024 * 1024);
    const limited = await run.engine.containers.inspect(`${project}_ctr`);
    assert.equal(limited.Id, first.Id, 'a memory limit is set in place');
    assert.equal(limited.HostConfig.Memory, 64 * 1024 * 1024);

    await applyAndSettle(ZERO);
    const unset = await run.engine.services.inspect(`${project}_svc`);
    assert.equal((unset.Spec.TaskTemplate.ContainerSpec?.['Healthcheck'] as { Interval?: number } | undefined)?.Interval, undefined);
    assert.equal(unset.Spec.TaskTemplate.Placement?.['MaxReplicas'], undefined);
    const lifted = await run.engine.containers.inspect(`${project}_ctr`);
    assert.notEqual(lifted.Id, first.Id, 'lifting the limit takes a new container');
    assert.equal(lifted.HostConfig.Memory, 0);
  });
});
