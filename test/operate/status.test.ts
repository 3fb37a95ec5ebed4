import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { projectStatus } from '../../src/operate/status.js';
import { buildPlan, DEFAULT_PLAN_OPTIONS } from '../../src/plan/build.js';
import type { DesiredProject } from '../../src/model/desired.js';
import type { ObservedProject } from '../../src/model/observed.js';
import type { RuntimeSnapshot } from '../../src/model/runtime.js';
import { config, ctr, net, observeAsApplied, project, sequentialIds, svc, vol } from '../support/model.js';
import { task } from '../support/runtime.js';

function statusOf(desired: DesiredProject, observed: ObservedProject, runtime: RuntimeSnapshot = { containers: [], services: [], nodes: [] }) {
  return projectStatus(desired, observed, runtime, buildPlan(desired, observed, { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds() }));
}
const sync = (s: ReturnType<typeof statusOf>) => s.objects.map((o) => `${o.kind}/${o.name} ${o.sync}`);

describe('project status', () => {
  const desired = project({ networks: [net('default'), net('backend', { driver: 'overlay' })], volumes: [vol('data')], configs: [config('motd', 'hi\n')], containers: [ctr('web')], services: [svc('api', { replicas: 2 })] });

  test('everything as applied is in sync, in kind then name order', () => {
    const s = statusOf(desired, observeAsApplied(desired));
    assert.deepEqual(sync(s), ['network/backend in_sync', 'network/default in_sync', 'volume/data in_sync', 'config/motd in_sync', 'container/web in_sync', 'service/api in_sync']);
    assert.deepEqual(s.summary, { in_sync: 6, drifted: 0, missing: 0, not_in_manifest: 0 });
  });

  test('drift is the plan\'s change: its action, reason and fields', () => {
    const observed = observeAsApplied(desired);
    const scaled: ObservedProject = { ...observed, services: observed.services.map((x) => ({ ...x, spec: { ...x.spec, replicas: 1 } })) };
    const api = statusOf(desired, scaled).objects.find((o) => o.name === 'api');
    assert.equal(api?.sync, 'drifted');
    assert.deepEqual(api?.drift, { action: 'update', reason: 'replicas changed', fields: [{ path: 'replicas', before: 1, after: 2 }] });
  });

  test('objects not created yet are missing, and owned objects gone from the manifest are listed as not in manifest', () => {
    const smaller = project({ networks: [net('default'), net('backend', { driver: 'overlay' })], volumes: [], configs: [config('motd', 'hi\n')], containers: [ctr('web'), ctr('cache')], services: [svc('api', { replicas: 2 })] });
    const s = statusOf(smaller, observeAsApplied(desired));
    assert.equal(s.objects.find((o) => o.name === 'cache')?.sync, 'missing');
    assert.equal(s.objects.find((o) => o.name === 'cache')?.state, 'not created');
    const data = s.objects.find((o) => o.name === 'data');
    assert.equal(data?.sync, 'not_in_manifest');
    assert.match(data?.drift?.reason ?? '', /kept with its data/);
  });

  test('a service shows running and desired tasks, the update state and the last task error', () => {
    const observed = observeAsApplied(desired);
    const live = observed.services[0];
    assert.ok(live);
    const rolledBack: ObservedProject = { ...observed, services: [{ ...live, updateStatus: { state: 'rollback_completed', message: 'rollback completed' } }] };
    const runtime: RuntimeSnapshot = {
      containers: [],
      services: [{ service: rolledBack.services[0]!, tasks: [task(), task({ id: 'feedfacefeed00', state: 'failed', desiredState: 'shutdown', upToDate: false, error: 'task: non-zero exit (1)', exitCode: 1 })] }],
      nodes: [],
    };
    const api = statusOf(desired, rolledBack, runtime).objects.find((o) => o.name === 'api');
    assert.deepEqual(api?.service, { mode: 'replicated', runningTasks: 1, desiredTasks: 2, updateState: 'rollback_completed', updateMessage: 'rollback completed', lastTaskError: 'task feedfacefeed (slot 1) failed: task: non-zero exit (1), exit code 1', failedRollout: null });
    assert.equal(api?.state, '1/2 tasks running; update rollback completed: rollback completed; last task error: task feedfacefeed (slot 1) failed: task: non-zero exit (1), exit code 1');
  });

  describe('a rollout Swarm rolled back, as moor recorded it', () => {
    const failing = project({ networks: [net('default'), net('backend', { driver: 'overlay' })], volumes: [vol('data')], configs: [config('motd', 'hi\n')], containers: [ctr('web')], services: [svc('api', { replicas: 2, command: ['false'] })] });
    /** The Engine after Swarm rolled `failing` back to `desired`, with moor's record of it. */
    const recorded = (): ObservedProject => {
      const observed = observeAsApplied(desired);
      const failedHash = observeAsApplied(failing).services[0]?.specHash ?? '';
      return { ...observed, services: observed.services.map((x) => ({ ...x, failedRollout: { specHash: failedHash, message: 'update rolled back due to failure' } })) };
    };

    test('is shown, and the service drifted, while the manifest still asks for the spec that failed', () => {
      const api = statusOf(failing, recorded()).objects.find((o) => o.name === 'api');
      assert.equal(api?.sync, 'drifted');
      assert.deepEqual(api?.service?.failedRollout, { message: 'update rolled back due to failure' });
      assert.match(api?.state ?? '', /last rollout rolled back: update rolled back due to failure/);
    });

    test('is not shown once the manifest is back to the running spec, though its labels stay', () => {
      const api = statusOf(desired, recorded()).objects.find((o) => o.name === 'api');
      assert.equal(api?.sync, 'in_sync');
      assert.equal(api?.service?.failedRollout, null);
      assert.doesNotMatch(api?.state ?? '', /rolled back/);
    });
  });
});
