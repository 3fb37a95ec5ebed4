// A container's memory and CPU limits against the real Engine: an in-place update leaves the
// container as a create from the same manifest would (the swap limit goes with the memory limit),
// and a limit that must go (the Engine cannot drop one in place) goes with a replacement. Either
// way one apply converges: the next plan is empty.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DesiredProject } from '../../src/model/desired.js';
import { ctr, net, project } from '../support/model.js';
import { applyProject, failures, planAgainst, renameProject, useProject } from '../support/project.js';

const run = useProject('res');
const MiB = 1024 * 1024;

function limited(name: string, memLimit: number | null, cpus: number | null): DesiredProject {
  return renameProject(project({ networks: [net('default')], containers: [ctr('app', { init: true, stopGracePeriod: 1e9, memLimit, cpus })] }), name);
}

async function applyOk(desired: DesiredProject) {
  const result = await applyProject(run.engine, desired);
  assert.deepEqual(failures(result.report), []);
  return result;
}

async function resources(desired: DesiredProject) {
  const c = await run.engine.containers.inspect(desired.containers.app!.engineName);
  return { id: c.Id, running: c.State.Running, memory: c.HostConfig.Memory ?? 0, memorySwap: c.HostConfig.MemorySwap ?? 0, nanoCpus: c.HostConfig.NanoCpus ?? 0 };
}

async function assertConverged(desired: DesiredProject): Promise<void> {
  const { plan } = await planAgainst(run.engine, desired);
  assert.deepEqual(plan.changes.map((c) => `${c.kind}/${c.name}: ${c.action} (${c.reason})`), [], 'the next plan is empty');
  assert.deepEqual(plan.steps, []);
}

describe("a container's memory and CPU limits", () => {
  test('a memory limit raised past the swap limit (64m -> 256m) is updated in place in one apply, as a create of 256m would be', async () => {
    const name = run.newProject();
    await applyOk(limited(name, 64 * MiB, 5e8));
    const before = await resources(limited(name, 64 * MiB, 5e8));
    assert.equal(before.memorySwap, 128 * MiB, 'the Engine gives a container created with mem_limit only twice that as swap limit');

    const raised = limited(name, 256 * MiB, 5e8);
    const { plan } = await applyOk(raised);
    assert.deepEqual(plan.changes.map((c) => c.action), ['update']);
    const after = await resources(raised);
    assert.equal(after.id, before.id, 'the same container');
    assert.deepEqual({ memory: after.memory, memorySwap: after.memorySwap, nanoCpus: after.nanoCpus }, { memory: 256 * MiB, memorySwap: 512 * MiB, nanoCpus: 5e8 });
    await assertConverged(raised);

    // Lowered again (below the old memory limit), and a smaller raise: the swap limit follows each time.
    for (const mem of [64 * MiB, 100 * MiB]) {
      const next = limited(name, mem, 5e8);
      await applyOk(next);
      const now = await resources(next);
      assert.deepEqual({ id: now.id, memory: now.memory, memorySwap: now.memorySwap }, { id: before.id, memory: mem, memorySwap: 2 * mem });
      await assertConverged(next);
    }
  });

  test('limits set on a container that had none are updated in place in one apply', async () => {
    const name = run.newProject();
    await applyOk(limited(name, null, null));
    const before = await resources(limited(name, null, null));
    const capped = limited(name, 64 * MiB, 5e8);
    const { plan } = await applyOk(capped);
    assert.deepEqual(plan.changes.map((c) => c.action), ['update']);
    const after = await resources(capped);
    assert.deepEqual(after, { id: before.id, running: true, memory: 64 * MiB, memorySwap: 128 * MiB, nanoCpus: 5e8 });
    await assertConverged(capped);
  });

  test('mem_limit and cpus removed from the manifest: the container is replaced by one without limits, in one apply', async () => {
    const name = run.newProject();
    await applyOk(limited(name, 64 * MiB, 5e8));
    const before = await resources(limited(name, 64 * MiB, 5e8));
    const unlimited = limited(name, null, null);
    const { plan } = await applyOk(unlimited);
    assert.deepEqual(plan.changes.map((c) => `${c.action}: ${c.reason}`), ['replace: memLimit and cpus removed (a container cannot drop its memory or CPU limit in place)']);
    const after = await resources(unlimited);
    assert.notEqual(after.id, before.id);
    assert.deepEqual({ running: after.running, memory: after.memory, memorySwap: after.memorySwap, nanoCpus: after.nanoCpus }, { running: true, memory: 0, memorySwap: 0, nanoCpus: 0 });
    await assertConverged(unlimited);
  });

  test('limits set by hand (docker container update) on a container the manifest leaves unlimited are removed in one apply', async () => {
    const name = run.newProject();
    const unlimited = limited(name, null, null);
    await applyOk(unlimited);
    const before = await resources(unlimited);
    await run.engine.containers.update(before.id, { Memory: 128 * MiB, MemorySwap: 256 * MiB, NanoCpus: 5e8 });

    const { plan: drifted } = await planAgainst(run.engine, unlimited);
    assert.deepEqual(drifted.changes.map((c) => c.action), ['replace']);
    await applyOk(unlimited);
    const after = await resources(unlimited);
    assert.notEqual(after.id, before.id);
    assert.deepEqual({ memory: after.memory, nanoCpus: after.nanoCpus }, { memory: 0, nanoCpus: 0 });
    await assertConverged(unlimited);
  });
});
