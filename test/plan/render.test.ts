import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyProject, type DesiredProject } from '../../src/model/desired.js';
import type { ObservedProject } from '../../src/model/observed.js';
import { buildPlan, DEFAULT_PLAN_OPTIONS } from '../../src/plan/build.js';
import { formatBytes, formatDuration, formatValue, renderPlanJson, renderPlanText } from '../../src/plan/render.js';
import { assertGolden } from '../support/golden.js';
import { config, ctr, net, observeAsApplied, project, secret, sequentialIds, svc, vol } from '../support/model.js';

const before = project({
  networks: [net('default'), net('backend', { driver: 'overlay' })],
  volumes: [vol('data'), vol('cache')],
  secrets: [secret('db_pw', 'CANARY-render-secret')],
  configs: [config('site', 'server {\n  listen 80;\n}\n')],
  containers: [ctr('db', { mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false, noCopy: false }] }), ctr('old')],
  services: [svc('api', {
    secrets: [{ source: 'db_pw', target: 'db_pw', uid: '0', gid: '0', mode: 0o400 }],
    configs: [{ source: 'site', target: '/etc/site.conf', uid: '0', gid: '0', mode: 0o444 }],
  })],
});
const after = project({
  networks: [net('default'), net('backend', { driver: 'overlay' })],
  volumes: [vol('data')],
  secrets: [secret('db_pw', 'CANARY-render-secret-2')],
  configs: [config('site', 'server {\n  listen 8080;\n}\n')],
  containers: [
    ctr('db', { mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false, noCopy: false }], memLimit: 256 * 1024 * 1024, stopGracePeriod: 90e9, restart: { name: 'always', maxRetries: 0 } }),
    ctr('web', { image: 'moor/busybox:latest', command: ['/bin/httpd', '-f'], ports: [{ target: 80, published: 8080, hostIp: '', protocol: 'tcp' }] }),
  ],
  services: [svc('api', {
    replicas: 3,
    environment: { MODE: 'fast' },
    secrets: [{ source: 'db_pw', target: 'db_pw', uid: '0', gid: '0', mode: 0o400 }],
    configs: [{ source: 'site', target: '/etc/site.conf', uid: '0', gid: '0', mode: 0o444 }],
  })],
});
const applied = observeAsApplied(before);
// `old` has an anonymous volume (its image's VOLUME): the plan says it is kept.
const observed = { ...applied, containers: applied.containers.map((c) => (c.name === 'old' ? { ...c, anonymousVolumes: { '/var/cache': '0123456789ab'.repeat(5) + 'cdef' } } : c)) };
const plan = buildPlan(after, observed, { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds('n') });

describe('plan rendering', () => {
  test('the text rendering matches the reviewed golden file', () => {
    assertGolden(new URL('./golden/mixed-plan.txt', import.meta.url), renderPlanText(plan, { color: false }));
  });

  test('the JSON rendering matches the reviewed golden file', () => {
    assertGolden(new URL('./golden/mixed-plan.json', import.meta.url), `${JSON.stringify(renderPlanJson(plan), null, 2)}\n`);
  });

  test('neither rendering contains the secret', () => {
    for (const out of [renderPlanText(plan, { color: true }), JSON.stringify(renderPlanJson(plan))]) assert.ok(!out.includes('CANARY'));
  });

  test('colour codes appear only when asked for', () => {
    assert.ok(!renderPlanText(plan, { color: false }).includes('\u001b['));
    assert.ok(renderPlanText(plan, { color: true }).includes('\u001b[33m~ service api'));
  });

  test('an empty plan says so', () => {
    const empty = buildPlan(before, observeAsApplied(before), { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds('n') });
    assert.equal(renderPlanText(empty, { color: false }), 'No changes: the Engine matches the manifest of project shop.\n');
    assert.deepEqual(renderPlanJson(empty).changes, []);
  });

  describe('a plan with nothing to apply while the Engine differs does not say it matches', () => {
    const base = project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('api'), svc('db')] });
    const failing = project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('api', { command: ['false'] }), svc('db')] });
    const planOf = (desired: DesiredProject, observed: ObservedProject) => buildPlan(desired, observed, { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds('n') });
    /** api as Swarm left it after rolling `failing` back, with moor's record of that rollout. */
    const rolledBack = (): ObservedProject => {
      const observed = observeAsApplied(base);
      const failedHash = observeAsApplied(failing).services.find((s) => s.name === 'api')?.specHash ?? '';
      return { ...observed, services: observed.services.map((s) => (s.name === 'api' ? { ...s, failedRollout: { specHash: failedHash, message: 'rolled back' } } : s)) };
    };
    const headline = (text: string): string => text.split('\n')[0] ?? '';

    test('a service held back after a rollback is named in the headline', () => {
      const p = planOf(failing, rolledBack());
      assert.deepEqual(p.changes, []);
      assert.equal(headline(renderPlanText(p, { color: false })), 'Nothing to apply for project shop: 1 service held back (its last rollout was rolled back); see the warning.');
    });

    test('a service whose rollout Swarm paused is named in the headline', () => {
      const observed = observeAsApplied(base);
      const paused = { ...observed, services: observed.services.map((s) => (s.name === 'db' ? { ...s, updateStatus: { state: 'paused' as const, message: 'update paused' } } : s)) };
      assert.equal(headline(renderPlanText(planOf(base, paused), { color: false })), 'Nothing to apply for project shop: 1 service with a rollout Swarm paused; see the warning.');
    });

    test('held services are counted beside the changes that do go ahead', () => {
      const more = project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('api', { command: ['false'] }), svc('db', { replicas: 2 })] });
      assert.equal(headline(renderPlanText(planOf(more, rolledBack()), { color: false })), 'Plan for project shop: 0 to create, 1 to update, 0 to replace, 0 to delete; 1 service held back (its last rollout was rolled back); see the warning.');
    });

    test('a plan with errors and no change does not say the Engine matches', () => {
      const external = project({ networks: [{ kind: 'network', name: 'proxy', external: true, engineName: 'traefik' }] });
      assert.equal(headline(renderPlanText(planOf(external, observeAsApplied(external)), { color: false })), 'Nothing to apply for project shop: the plan has errors (see below).');
    });

    test('a plan cut down to targets that need nothing does not say the Engine matches: other changes were left out', () => {
      const cut = buildPlan(base, observeAsApplied(failing), { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds('n'), target: ['service/db'] });
      assert.deepEqual(cut.changes, []);
      assert.equal(headline(renderPlanText(cut, { color: false })), 'Nothing to apply for project shop to the --target objects: the changes of others were left out (see the warning).');
    });
  });

  test('an empty destroy plan says there is nothing to destroy, not that a manifest matches', () => {
    const teardown = (observed: ObservedProject) => buildPlan(emptyProject('shop'), observed, { ...DEFAULT_PLAN_OPTIONS, teardown: true, newId: sequentialIds('n') });
    assert.equal(renderPlanText(teardown(observeAsApplied(emptyProject('shop'))), { color: false, teardown: true }), 'Nothing to destroy: project shop has no objects on the Engine.\n');
    const volumesOnly = renderPlanText(teardown(observeAsApplied(project({ volumes: [vol('data')] }))), { color: false, teardown: true });
    assert.equal(volumesOnly, 'Nothing to destroy: project shop has no objects on the Engine but the volumes kept below.\n\nWarnings:\n  volume/data: volume shop_data is kept with its data (moor destroy --volumes deletes it)\n');
  });
});

describe('value formatting', () => {
  test('durations, sizes, CPUs and modes read as a person writes them', () => {
    assert.equal(formatDuration(90e9), '1m30s');
    assert.equal(formatDuration(500e6), '500ms');
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatBytes(256 * 1024 * 1024), '256MiB');
    assert.equal(formatBytes(1000), '1000B');
    assert.equal(formatValue('cpus', 5e8), '0.5');
    assert.equal(formatValue('secrets[0].mode', 0o400), '0o400');
    assert.equal(formatValue('healthcheck', { interval: 30e9, retries: 3 }), '{"interval":"30s","retries":3}');
    assert.equal(formatValue('x', undefined), '(none)');
  });
});
