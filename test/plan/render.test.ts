import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyProject } from '../../src/model/desired.js';
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
const plan = buildPlan(after, observeAsApplied(before), { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds('n') });

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
