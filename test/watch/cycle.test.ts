// The reconcile cycle against a fake pipeline (the real planner, a scripted Engine): which result
// each situation gives, the last good manifest kept, dry runs, the flap guard, drift accounting.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { executeSteps } from '../../src/apply/execute.js';
import type { UndoneReplacement } from '../../src/apply/replacements.js';
import { EngineError } from '../../src/engine/errors.js';
import { LockError } from '../../src/apply/lock.js';
import type { FailedRollout, ObservedProject } from '../../src/model/observed.js';
import { specHash } from '../../src/model/hash.js';
import { buildPlan, DEFAULT_PLAN_OPTIONS, type Plan } from '../../src/plan/build.js';
import type { Step } from '../../src/plan/steps.js';
import { Reconciler, type CycleReport, type Pipeline } from '../../src/watch/cycle.js';
import type { Trigger } from '../../src/watch/loop.js';
import { SelfWriteFilter } from '../../src/watch/self-writes.js';
import type { LoadResult } from '../../src/manifest/index.js';
import type { SourceLoad } from '../../src/watch/source.js';
import { FakeClock } from '../support/fake-clock.js';
import { ctr, emptyObserved, observeAsApplied, project, secret, sequentialIds, svc, unowned } from '../support/model.js';

const good = project({ containers: [ctr('web'), ctr('db')] });

interface Rig {
  clock: FakeClock;
  reconciler: Reconciler;
  applied: Plan[];
  /** The rollouts recorded on services (io.moor.failed-* labels), by Engine name. */
  recorded: { engineName: string; failed: FailedRollout }[];
  selfWrites: SelfWriteFilter;
  /** What the next loads return (the last one repeats). */
  loads: LoadResult[];
  observed: ObservedProject;
  failStep: (step: Step) => boolean;
  /** What the apply reports as put back. */
  undone: UndoneReplacement[];
  connectError: unknown;
  /** What the source says of Git: the commit loaded, a failed fetch. */
  commits: (string | null)[];
  fetchError: string | null;
  cycle(kind?: Trigger['kind']): Promise<CycleReport>;
}

function rig(options: { dryRun?: boolean; observed?: ObservedProject } = {}): Rig {
  const clock = new FakeClock();
  const selfWrites = new SelfWriteFilter(clock, 0, () => undefined);
  const r: Rig = {
    clock,
    applied: [],
    recorded: [],
    selfWrites,
    loads: [{ ok: true, desired: good, files: ['/m/moor.yaml'], namedFiles: [], warnings: [] }],
    observed: options.observed ?? emptyObserved(),
    failStep: () => false,
    undone: [],
    connectError: null,
    commits: [null],
    fetchError: null,
    reconciler: undefined as unknown as Reconciler,
    cycle: (kind = 'interval') => r.reconciler.run([{ kind, detail: null }], new AbortController().signal),
  };
  const pipeline: Pipeline = {
    observe: async () => r.observed,
    plan: (desired, observed) => buildPlan(desired, observed, { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds() }),
    apply: async (_desired, _observed, plan, signal) => {
      r.applied.push(plan);
      const report = await executeSteps(
        plan.steps,
        async (step) => {
          if (r.failStep(step)) throw new Error(`the Engine refused ${step.key}`);
        },
        { concurrency: 1, signal },
      );
      return { ...report, undone: r.undone };
    },
    // As recordFailedRollout: only on a rollback Swarm completed; the label update ends that status.
    recordRollback: async (_project, engineName, failed) => {
      const live = r.observed.services.find((s) => s.engineName === engineName);
      if (live?.updateStatus?.state !== 'rollback_completed') return false;
      r.recorded.push({ engineName, failed });
      r.observed = { ...r.observed, services: r.observed.services.map((s) => (s === live ? { ...s, failedRollout: failed, updateStatus: { state: 'completed', message: 'update completed' } } : s)) };
      return true;
    },
  };
  r.reconciler = new Reconciler({
    source: {
      description: 'test',
      load: async (): Promise<SourceLoad> => ({
        manifest: (r.loads.length > 1 ? r.loads.shift() : r.loads[0]) as LoadResult,
        commit: (r.commits.length > 1 ? r.commits.shift() : r.commits[0]) ?? null,
        fetchError: r.fetchError,
        watch: ['/m/moor.yaml'],
      }),
    },
    connect: async () => {
      if (r.connectError !== null) throw r.connectError;
      return pipeline;
    },
    dryRun: options.dryRun ?? false,
    clock,
    random: () => 0.999999,
    engineBackoff: { baseMs: 1000, maxMs: 8000 },
    failureBackoff: { baseMs: 5000, maxMs: 60_000 },
    selfWrites,
  });
  return r;
}

const invalid: LoadResult = { ok: false, issues: [{ severity: 'error', file: 'moor.yaml', line: 3, column: 5, path: 'containers.web.image', message: 'containers.web.image: expected a string' }] };

describe('a reconcile cycle', () => {
  test('applies the manifest and reports the plan, its changes and why', async () => {
    const r = rig();
    const report = await r.cycle('start');
    assert.equal(report.result, 'ok');
    assert.equal(report.applied, true);
    assert.deepEqual(report.summary, { create: 2, update: 0, replace: 0, delete: 0 });
    assert.deepEqual(report.changes, ['create container/db: not found on the Engine', 'create container/web: not found on the Engine']);
    assert.equal(report.drift, false, 'the first apply is not a drift repair');
    assert.deepEqual(report.watch, ['/m/moor.yaml']);
  });

  test('an invalid edit is refused with positioned issues, and the last good manifest stays in force', async () => {
    const r = rig({ observed: observeAsApplied(good) });
    r.loads = [{ ok: true, desired: good, files: [], namedFiles: [], warnings: [] }, invalid];
    assert.equal((await r.cycle()).result, 'ok');
    // Someone removed web by hand, and the manifest edit is broken: web still comes back.
    r.observed = { ...r.observed, containers: r.observed.containers.filter((c) => c.name !== 'web') };
    const report = await r.cycle('file');
    assert.equal(report.result, 'invalid_manifest');
    assert.deepEqual(report.issues, ['moor.yaml:3:5: containers.web.image: expected a string']);
    assert.deepEqual(report.changes, ['create container/web: not found on the Engine']);
    assert.equal(report.note, 'the last good manifest stays in force');
    assert.equal(r.applied.at(-1)?.changes.some((c) => c.action === 'delete'), false);
  });

  test('an invalid manifest at start applies nothing', async () => {
    const r = rig();
    r.loads = [invalid];
    const report = await r.cycle('start');
    assert.equal(report.result, 'invalid_manifest');
    assert.equal(r.applied.length, 0);
    assert.equal(r.reconciler.project, null);
  });

  test('a failed fetch is reported while the newest commit is refused, and the last good commit stays in force', async () => {
    const r = rig({ observed: observeAsApplied(good) });
    r.loads = [{ ok: true, desired: good, files: [], namedFiles: [], warnings: [] }, invalid];
    r.commits = ['c1', 'c2'];
    assert.equal((await r.cycle()).commit, 'c1');
    const refused = await r.cycle('sync');
    assert.deepEqual([refused.result, refused.commit, refused.refusedCommit], ['invalid_manifest', 'c1', 'c2']);

    // The repository is gone: the checkout still holds the refused commit, and the fetch fails.
    r.fetchError = 'git fetch of file:///srv/site.git failed: fatal: could not read';
    r.observed = { ...r.observed, containers: r.observed.containers.filter((c) => c.name !== 'web') };
    const report = await r.cycle('sync');
    assert.equal(report.result, 'source_error');
    assert.equal(report.error, r.fetchError);
    assert.deepEqual([report.commit, report.refusedCommit], ['c1', 'c2']);
    assert.deepEqual(report.issues, ['moor.yaml:3:5: containers.web.image: expected a string']);
    assert.equal(report.note, 'the last good manifest stays in force');
    assert.deepEqual(report.changes, ['create container/web: not found on the Engine'], 'the last good manifest was reconciled');
    assert.equal(report.applied, true);
  });

  test('a manifest that names another project is refused: the lock is for the first one', async () => {
    const r = rig({ observed: observeAsApplied(good) });
    r.loads = [{ ok: true, desired: good, files: [], namedFiles: [], warnings: [] }, { ok: true, desired: { ...good, project: 'blog' }, files: [], namedFiles: [], warnings: [] }];
    await r.cycle();
    const report = await r.cycle('file');
    assert.equal(report.result, 'invalid_manifest');
    assert.match(report.issues[0] ?? '', /names project blog, but this watcher reconciles project shop/);
  });

  test('a dry run reports drift and changes nothing', async () => {
    const r = rig({ dryRun: true });
    const report = await r.cycle();
    assert.equal(report.result, 'drift');
    assert.equal(report.applied, false);
    assert.equal(report.changes.length, 2);
    assert.equal(r.applied.length, 0);
  });

  test('repairs of drift (the manifest unchanged since the last apply) are counted by kind', async () => {
    const desired = project({ containers: [ctr('web'), ctr('db')], services: [svc('api')] });
    const r = rig({ observed: observeAsApplied(desired) });
    r.loads = [{ ok: true, desired, files: [], namedFiles: [], warnings: [] }];
    assert.deepEqual((await r.cycle()).changes, []);
    r.observed = { ...r.observed, containers: r.observed.containers.filter((c) => c.name !== 'web'), services: [] };
    const report = await r.cycle('event');
    assert.equal(report.drift, true);
    assert.deepEqual(report.repaired, { container: 1, service: 1 });
  });

  test('a failed plan is not retried identically before its backoff; a different plan is applied at once', async () => {
    const r = rig();
    r.failStep = (s) => s.key.startsWith('container/web');
    const first = await r.cycle();
    assert.equal(first.result, 'failed');
    assert.deepEqual(first.failedSteps, ['create container shop_web: the Engine refused container/web:create']);
    assert.equal(first.retryInMs, 5000);
    assert.match(first.note ?? '', /the same plan failed once .* not applied again before 5\.0s/);

    await r.clock.advance(1500);
    const held = await r.cycle('event');
    assert.equal(held.result, 'backoff');
    assert.equal(r.applied.length, 1, 'the identical plan was not applied again');
    assert.equal(held.retryInMs, 3500);
    assert.match(held.note ?? '', /the same plan failed once .* not applied again before 3\.5s/, 'the note says what is left of the hold');

    await r.clock.advance(5000);
    const second = await r.cycle('retry');
    assert.equal(second.result, 'failed');
    assert.equal(second.retryInMs, 10_000, 'the hold doubles');
    assert.equal(r.applied.length, 2);

    // The manifest changed: a new plan goes through at once, and it works.
    r.failStep = () => false;
    r.loads = [{ ok: true, desired: project({ containers: [ctr('db')] }), files: [], namedFiles: [], warnings: [] }];
    const fixed = await r.cycle('file');
    assert.equal(fixed.result, 'ok');
    assert.equal(r.applied.length, 3);
  });

  test('a plan with errors found again while it is held back is not another failure: the hold does not grow', async () => {
    const r = rig({ observed: emptyObserved({ unowned: unowned('container', 'shop_web') }) });
    const first = await r.cycle('start');
    assert.equal(first.result, 'failed');
    assert.match(first.problems[0] ?? '', /^container\/web: /);
    assert.equal(first.retryInMs, 5000);

    // An interval (or event) cycle 2 s into the hold: held back, and said so with the time left.
    await r.clock.advance(2000);
    const held = await r.cycle('interval');
    assert.equal(held.result, 'backoff');
    assert.equal(held.retryInMs, 3000);
    assert.deepEqual(held.problems, first.problems);
    assert.match(held.note ?? '', /^the same plan failed once \(the plan has errors\); it is not applied again before 3\.0s have passed/);

    await r.clock.advance(3000);
    const retried = await r.cycle('retry');
    assert.equal(retried.result, 'failed');
    assert.equal(retried.retryInMs, 10_000, 'the second failure, not the third');
    assert.match(retried.note ?? '', /^the same plan failed 2 times in a row/);
    assert.equal(r.applied.length, 0);
  });

  test('the same drift repair needed again and again is held back: something keeps undoing it', async () => {
    const r = rig({ observed: observeAsApplied(good) });
    await r.cycle();
    const gone = { ...r.observed, containers: r.observed.containers.filter((c) => c.name !== 'web') };
    r.observed = gone;
    const results: string[] = [];
    for (let i = 0; i < 4; i++) {
      const report = await r.cycle('event');
      results.push(report.result);
      await r.clock.advance(1000);
    }
    assert.deepEqual(results, ['ok', 'ok', 'ok', 'backoff']);
    assert.equal(r.applied.length, 3);
  });

  test('a Swarm rollback in progress of the last apply is a failure, not a reason to apply the same plan again', async () => {
    const desired = project({ services: [svc('api', { replicas: 2 })] });
    const before = observeAsApplied(project({ services: [svc('api', { replicas: 1 })] }));
    const r = rig({ observed: before });
    r.loads = [{ ok: true, desired, files: [], namedFiles: [], warnings: [] }];
    assert.equal((await r.cycle()).result, 'ok');
    const service = before.services[0];
    assert.ok(service !== undefined);
    r.observed = { ...before, services: [{ ...service, updateStatus: { state: 'rollback_started', message: 'update rolled back due to failure' } }] };
    const report = await r.cycle('event');
    assert.equal(report.result, 'failed');
    assert.match(report.note ?? '', /Swarm did not take the last update: service api is rollback_started \(update rolled back due to failure\)/);
    assert.equal(r.applied.length, 1);
    assert.deepEqual(r.recorded, [], 'a rollback is recorded only once complete (recording it earlier would disturb it)');
  });

  test('a rollout Swarm rolled back is recorded on the service and held back alone: unrelated drift is still repaired', async () => {
    const desired = project({ containers: [ctr('worker')], services: [svc('api', { replicas: 2 })] });
    const before = observeAsApplied(project({ containers: [ctr('worker')], services: [svc('api', { replicas: 1 })] }));
    const r = rig({ observed: before });
    r.loads = [{ ok: true, desired, files: [], namedFiles: [], warnings: [] }];
    assert.equal((await r.cycle()).result, 'ok');
    const service = before.services[0];
    assert.ok(service !== undefined);
    const sent = r.applied[0]?.steps.find((s) => s.op === 'service.update');
    assert.ok(sent?.op === 'service.update');

    // Swarm rolls back (the verification cycle sees it happen), then someone stops worker.
    r.observed = { ...before, services: [{ ...service, updateStatus: { state: 'rollback_started', message: 'update rolled back due to failure or early termination of task t1' } }] };
    assert.equal((await r.cycle('verify')).result, 'failed');
    await r.clock.advance(1000);
    r.observed = {
      ...before,
      containers: before.containers.map((c) => ({ ...c, state: { ...c.state, status: 'exited' as const, running: false, exitCode: 137 } })),
      services: [{ ...service, updateStatus: { state: 'rollback_completed', message: 'rollback completed' } }],
    };
    const report = await r.cycle('event');
    assert.deepEqual(r.recorded, [{ engineName: 'shop_api', failed: { specHash: specHash(sent.spec), message: 'update rolled back due to failure or early termination of task t1' } }]);
    assert.equal(report.result, 'held', 'the Engine does not run the manifest');
    assert.equal(report.applied, true);
    assert.deepEqual(report.changes, ['update container/worker: the container is exited (exit code 137)']);
    assert.deepEqual(r.applied.at(-1)?.steps.filter((s) => s.object === 'service/api'), [], 'the failing spec is not sent again');
    assert.match(report.note ?? '', /^Swarm rolled back the last update of service api: recorded on the service/);

    // Later cycles (and a restarted watcher: the record is on the service) hold it back too.
    r.observed = { ...r.observed, containers: before.containers };
    const restarted = rig({ observed: r.observed });
    restarted.loads = r.loads;
    for (const x of [r, restarted]) {
      const later = await x.cycle('interval');
      assert.deepEqual(later.changes, []);
      assert.equal(x.applied.filter((p) => p.steps.some((s) => s.object === 'service/api')).length, x === r ? 1 : 0);
    }
  });

  test('a rollback of a spec this watcher did not send is not recorded: the plan sends it, as apply does', async () => {
    const desired = project({ services: [svc('api', { replicas: 2 })] });
    const before = observeAsApplied(project({ services: [svc('api', { replicas: 1 })] }));
    const service = before.services[0];
    assert.ok(service !== undefined);
    const r = rig({ observed: { ...before, services: [{ ...service, updateStatus: { state: 'rollback_completed', message: 'rollback completed' } }] } });
    r.loads = [{ ok: true, desired, files: [], namedFiles: [], warnings: [] }];
    const report = await r.cycle('start');
    assert.equal(report.result, 'ok');
    assert.deepEqual(r.recorded, []);
    assert.equal(r.applied.length, 1);
  });

  test("the plan's warnings are in the record, and a service held back makes the result held, never a plain ok", async () => {
    const desired = project({ services: [svc('api', { replicas: 2 })] });
    const live = observeAsApplied(project({ services: [svc('api', { replicas: 1 })] }));
    const spec = buildPlan(desired, live, { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds() }).steps.find((s) => s.op === 'service.update');
    assert.ok(spec?.op === 'service.update');
    const service = live.services[0];
    assert.ok(service !== undefined);
    // The rolled-back spec was recorded (by apply --wait, or by the watcher before a restart), and a
    // volume left the manifest (kept, with a warning).
    const observed = { ...live, volumes: [{ kind: 'volume' as const, engineName: 'shop_cache', name: 'cache', spec: { driver: 'local', driverOpts: {}, labels: {} } }], services: [{ ...service, failedRollout: { specHash: specHash(spec.spec), message: 'update rolled back due to failure' } }] };
    const r = rig({ observed });
    r.loads = [{ ok: true, desired, files: [], namedFiles: [], warnings: [] }];
    const report = await r.cycle('start');
    assert.equal(report.result, 'held');
    assert.equal(report.applied, false);
    assert.deepEqual(report.heldBack, { held: 1, paused: 0, text: '1 service held back (its last rollout was rolled back); see the warning' });
    assert.equal(report.warnings.length, 2, report.warnings.join('\n'));
    assert.match(report.warnings.join('\n'), /^service\/api: not updated: the last rollout of this exact spec was rolled back by Swarm: update rolled back due to failure;/m);
    assert.match(report.warnings.join('\n'), /^volume\/cache: /m);

    // Without the held service: the warning stays, the result is ok.
    r.loads = [{ ok: true, desired: project({ services: [svc('api', { replicas: 1 })] }), files: [], namedFiles: [], warnings: [] }];
    const fixed = await r.cycle('file');
    assert.equal(fixed.result, 'ok');
    assert.deepEqual(fixed.heldBack, { held: 0, paused: 0, text: '' });
    assert.match(fixed.warnings.join('\n'), /^volume\/cache: /m);
  });

  test('a cycle cancelled by a stop says which replacements it put back', async () => {
    const r = rig();
    const stop = new AbortController();
    stop.abort();
    r.undone = [{ object: 'container/web', engineName: 'shop_web', previousId: '4f1c0a2b9e3d00', error: null }, { object: 'container/db', engineName: 'shop_db', previousId: '9c1f0e27ab4300', error: new Error('The client is closed') }];
    const report = await r.reconciler.run([{ kind: 'file', detail: null }], stop.signal);
    assert.equal(report.result, 'cancelled');
    assert.deepEqual(report.putBack, [
      'container/web: the previous container (4f1c0a2b9e3d) is shop_web again, as before the apply',
      'container/db: the previous container (9c1f0e27ab43) could not be restored: The client is closed',
    ]);
  });

  test('an unreachable Engine is a result with a growing retry delay, and the next good cycle resets it', async () => {
    const r = rig();
    r.connectError = new EngineError({ kind: 'unreachable', endpoint: 'unix:///x.sock', method: 'GET', path: '/_ping', status: null, engineMessage: null, reason: 'cannot connect' });
    const a = await r.cycle('start');
    const b = await r.cycle('retry');
    assert.equal(a.result, 'engine_unreachable');
    assert.equal(a.engineUp, false);
    assert.deepEqual([a.retryInMs, b.retryInMs], [1000, 2000]);
    r.connectError = null;
    assert.equal((await r.cycle('retry')).result, 'ok');
  });

  test('a held lock is not a cycle result: it ends the watch', async () => {
    const r = rig();
    r.connectError = new LockError('project shop is being reconciled by moor watch (pid 1 on h, since t)', '/l', null);
    await assert.rejects(r.cycle('start'), LockError);
  });

  test('secret values never reach the report', async () => {
    const desired = project({ secrets: [secret('pw', 'correct-horse-battery')], services: [svc('api')] });
    const r = rig();
    r.loads = [{ ok: true, desired, files: [], namedFiles: [], warnings: [] }];
    r.failStep = () => true;
    const report = await r.cycle();
    assert.doesNotMatch(JSON.stringify(report), /correct-horse-battery/);
  });
});
