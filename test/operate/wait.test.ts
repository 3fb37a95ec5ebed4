import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EngineError } from '../../src/engine/errors.js';
import type { RuntimeSnapshot } from '../../src/model/runtime.js';
import type { WaitTarget } from '../../src/operate/converge.js';
import { waitForConvergence, waitTargets, type TargetStatus, type WaitOptions } from '../../src/operate/wait.js';
import { buildPlan, DEFAULT_PLAN_OPTIONS } from '../../src/plan/build.js';
import { ctr, emptyObserved, net, observeAsApplied, PROJECT, project, sequentialIds, svc } from '../support/model.js';
import { containerRuntime, serviceRuntime, task } from '../support/runtime.js';

const web: WaitTarget = { kind: 'container', name: 'web', engineName: `${PROJECT}_web`, action: 'create', specHash: null };
const api: WaitTarget = { kind: 'service', name: 'api', engineName: `${PROJECT}_api`, action: 'update', specHash: 'hash-sent' };
const empty: RuntimeSnapshot = { containers: [], services: [], nodes: [] };

/** A fake clock: sleeping advances it; each read returns the next snapshot (the last one repeats). */
function scripted(snapshots: (RuntimeSnapshot | Error)[], over: Partial<WaitOptions> = {}): WaitOptions & { reads: () => number; progress: TargetStatus[][] } {
  let clock = 0;
  let reads = 0;
  const progress: TargetStatus[][] = [];
  return {
    timeoutMs: 10_000,
    pollMs: 1000,
    now: () => clock,
    sleep: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
    read: () => {
      const next = snapshots[Math.min(reads, snapshots.length - 1)] as RuntimeSnapshot | Error;
      reads += 1;
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    onProgress: (statuses) => progress.push([...statuses]),
    reads: () => reads,
    progress,
    ...over,
  };
}

describe('waiting for convergence', () => {
  test('converges once every target looked converged for its settle window', async () => {
    const up: RuntimeSnapshot = { ...empty, containers: [containerRuntime('web')] };
    const options = scripted([empty, up]);
    const result = await waitForConvergence([web], options);
    assert.equal(result.outcome, 'converged');
    // not found, then running (settling), then still running a second later
    assert.deepEqual(options.progress.map((p) => p[0]?.phase), ['pending', 'settling', 'converged']);
    assert.equal(result.elapsedMs, 2000);
  });

  test('a service scaled to 0 replicas is converged on the first read, without waiting', async () => {
    const options = scripted([{ ...empty, services: [serviceRuntime('api', [], { spec: { replicas: 0 } })] }]);
    const result = await waitForConvergence([api], options);
    assert.equal(result.outcome, 'converged');
    assert.deepEqual(options.progress.map((p) => p[0]?.phase), ['converged']);
    assert.equal(result.elapsedMs, 0);
  });

  test('a container that restarts during its settle window starts the window again, a longer one', async () => {
    const at = (restartCount: number): RuntimeSnapshot => ({ ...empty, containers: [containerRuntime('web', { restartCount })] });
    const options = scripted([at(0), at(1)], { timeoutMs: 30_000 });
    const result = await waitForConvergence([web], options);
    assert.equal(result.outcome, 'converged');
    // Seen restarted at 1 s: converged 10 s later, not 1 s.
    assert.equal(result.elapsedMs, 11_000);
    const phases = options.progress.map((p) => p[0]?.phase);
    assert.equal(phases.at(-1), 'converged');
    assert.ok(phases.slice(0, -1).every((p) => p === 'settling'), phases.join(','));
  });

  test('a timeout names what is not converged and why', async () => {
    const failing = task({ id: 'deadbeefdead00', state: 'failed', desiredState: 'shutdown', error: 'task: non-zero exit (1)', exitCode: 1 });
    const stuck: RuntimeSnapshot = { ...empty, services: [serviceRuntime('api', [task(), failing], { spec: { replicas: 3 } })] };
    const result = await waitForConvergence([api], scripted([stuck], { timeoutMs: 5000 }));
    assert.equal(result.outcome, 'timeout');
    assert.equal(result.elapsedMs, 5000);
    const s = result.statuses[0];
    assert.equal(s?.phase, 'failed');
    assert.equal(s?.summary, '1/3 tasks running');
    assert.equal(s?.reason, 'not converged within 5s: last task error: task deadbeefdead (slot 1) failed: task: non-zero exit (1), exit code 1');
  });

  test('a rollback is a failure reported with the reason Swarm gave while it rolled back', async () => {
    const rolling: RuntimeSnapshot = { ...empty, services: [serviceRuntime('api', [], { updateStatus: { state: 'rollback_started', message: 'update rolled back due to failure or early termination of task t9' } })] };
    const done: RuntimeSnapshot = { ...empty, services: [serviceRuntime('api', [task()], { specHash: 'hash-before', updateStatus: { state: 'rollback_completed', message: 'rollback completed' } })] };
    const result = await waitForConvergence([api], scripted([rolling, done]));
    assert.equal(result.outcome, 'failed');
    assert.equal(result.statuses[0]?.rollback, 'update rolled back due to failure or early termination of task t9 (rollback completed)');
  });

  test('the wait goes on for the others after one failed, and the outcome is failed', async () => {
    const snapshot: RuntimeSnapshot = { ...empty, containers: [containerRuntime('web', { health: 'unhealthy' })], services: [serviceRuntime('api', [task()])] };
    const result = await waitForConvergence([web, api], scripted([snapshot]));
    assert.equal(result.outcome, 'failed');
    assert.deepEqual(result.statuses.map((s) => s.phase), ['failed', 'converged']);
  });

  test('an Engine that cannot be read for a while is waited for, until the deadline', async () => {
    const down = new EngineError({ kind: 'unreachable', endpoint: 'unix:///var/run/docker.sock', method: 'GET', path: '/containers/x/json', status: null, engineMessage: null });
    const options = scripted([down, down, { ...empty, containers: [containerRuntime('web')] }]);
    assert.equal((await waitForConvergence([web], options)).outcome, 'converged');
    const never = await waitForConvergence([web], scripted([down], { timeoutMs: 3000 }));
    assert.equal(never.outcome, 'timeout');
    assert.match(never.statuses[0]?.reason ?? '', /^not converged within 3s: cannot read the Engine: /);
  });

  test('a bug in reading is not mistaken for a slow Engine', async () => {
    await assert.rejects(waitForConvergence([web], scripted([new TypeError('boom')])), /boom/);
  });

  test('an aborted signal ends the wait as cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await waitForConvergence([web], scripted([empty], { signal: controller.signal }));
    assert.equal(result.outcome, 'cancelled');
  });

  test('nothing to wait for is converged at once, with no read', async () => {
    const options = scripted([empty]);
    assert.equal((await waitForConvergence([], options)).outcome, 'converged');
    assert.equal(options.reads(), 0);
  });
});

describe('what --wait waits for', () => {
  const before = project({ networks: [net('default'), net('backend', { driver: 'overlay' })], containers: [ctr('web'), ctr('old')], services: [svc('api'), svc('db')] });

  test('containers and services the plan creates, updates or replaces, with the hash of the spec sent', () => {
    const after = project({ networks: [net('default'), net('backend', { driver: 'overlay' })], containers: [ctr('web', { environment: { A: '1' } }), ctr('cache')], services: [svc('api', { replicas: 2 }), svc('db')] });
    const plan = buildPlan(after, observeAsApplied(before), { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds() });
    const targets = waitTargets(plan);
    assert.deepEqual(targets.map((t) => `${t.action} ${t.kind}/${t.name}`), ['create container/cache', 'replace container/web', 'update service/api']);
    assert.match(targets.find((t) => t.name === 'api')?.specHash ?? '', /^[0-9a-f]{64}$/);
  });

  test('objects whose steps did not all succeed are left out', () => {
    const plan = buildPlan(before, emptyObserved(), { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds() });
    const report = { ok: false, counts: { done: 0, failed: 1, skipped: 0, cancelled: 0 }, outcomes: plan.steps.map((step) => ({ step, status: step.object === 'service/api' ? ('failed' as const) : ('done' as const), durationMs: 1 })) };
    assert.ok(!waitTargets(plan, report).some((t) => t.name === 'api'));
  });

  test('a service the plan held back is a failure from the start', async () => {
    const plan = { ...buildPlan(before, observeAsApplied(before), { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds() }), problems: [{ severity: 'warning' as const, object: 'service/api', message: 'not updated: the last rollout of this exact spec was rolled back by Swarm', code: 'rollout-held' as const }] };
    const targets = waitTargets(plan);
    assert.deepEqual(targets.map((t) => `${t.action} ${t.kind}/${t.name}`), ['held service/api']);
    const result = await waitForConvergence(targets, scripted([empty]));
    assert.equal(result.outcome, 'failed');
    assert.equal(result.statuses[0]?.summary, 'not updated');
    assert.equal(result.statuses[0]?.reason, 'the last rollout of this exact spec was rolled back by Swarm');
  });
});
