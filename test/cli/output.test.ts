import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApplyResult } from '../../src/apply/apply.js';
import { renderReport } from '../../src/cli/output.js';

test('a failed run says which command to run again: apply converges, destroy finishes', () => {
  const report: ApplyResult = {
    ok: false,
    counts: { done: 1, failed: 1, skipped: 0, cancelled: 0 },
    outcomes: [{ step: { key: 'network/backend:remove', object: 'network/backend', after: [], op: 'network.remove', engineName: 'shop_backend', id: 'n1' }, status: 'failed', error: new Error('in use'), durationMs: 5 }],
    undone: [],
  };
  const apply = renderReport(report, 1000, 'Apply', false);
  assert.match(apply, /^ {2}failed: {2}remove network shop_backend: in use$/m);
  assert.match(apply, /Run moor apply again to converge from here\.\n$/);
  assert.match(renderReport(report, 1000, 'Destroy', false), /^Destroy failed: 1 done, 1 failed, 0 skipped, 0 not started \(1\.0s\)\.\n[^]*Run moor destroy again to finish from here\.\n$/);
});

test('an interrupted run says so, even when the wait it cut short failed its step', () => {
  const wait = { key: 'container/db:wait-healthy', object: 'container/db', after: [], op: 'container.wait', engineName: 'shop_db', condition: 'service_healthy' } as const;
  const report: ApplyResult = { ok: false, counts: { done: 2, failed: 1, skipped: 1, cancelled: 0 }, outcomes: [{ step: wait, status: 'failed', error: new Error('stopped waiting for container shop_db'), durationMs: 5 }], undone: [] };
  assert.match(renderReport(report, 1000, 'Apply', false, true), /^Apply interrupted: 2 done, 1 failed, 1 skipped, 0 not started/);
  assert.match(renderReport(report, 1000, 'Apply', false), /^Apply failed: /);
});
