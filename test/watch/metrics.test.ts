import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MetricsRegistry } from '../../src/watch/metrics.js';
import { cycleFields } from '../../src/watch/watch.js';
import { WatchStatus } from '../../src/watch/status.js';
import type { CycleReport } from '../../src/watch/cycle.js';
import { parseExposition } from '../support/exposition.js';

describe('the Prometheus text exposition', () => {
  test('counters, gauges and histograms render in the 0.0.4 text format', () => {
    const r = new MetricsRegistry();
    const c = r.counter('moor_things_total', 'Things done.', ['result']);
    const g = r.gauge('moor_level', 'A level.');
    const h = r.histogram('moor_seconds', 'Durations.', [0.5, 1, 5]);
    c.inc({ result: 'ok' });
    c.inc({ result: 'ok' });
    c.inc({ result: 'failed' }, 0);
    g.set({}, 1.5);
    h.observe(0.2);
    h.observe(0.7);
    h.observe(30);
    assert.equal(
      r.render(),
      [
        '# HELP moor_things_total Things done.',
        '# TYPE moor_things_total counter',
        'moor_things_total{result="failed"} 0',
        'moor_things_total{result="ok"} 2',
        '# HELP moor_level A level.',
        '# TYPE moor_level gauge',
        'moor_level 1.5',
        '# HELP moor_seconds Durations.',
        '# TYPE moor_seconds histogram',
        'moor_seconds_bucket{le="0.5"} 1',
        'moor_seconds_bucket{le="1"} 2',
        'moor_seconds_bucket{le="5"} 2',
        'moor_seconds_bucket{le="+Inf"} 3',
        'moor_seconds_sum 30.9',
        'moor_seconds_count 3',
        '',
      ].join('\n'),
    );
  });

  test('label values and help texts are escaped', () => {
    const r = new MetricsRegistry();
    r.counter('x_total', 'a \\ back\nslash', ['v']).inc({ v: 'say "hi"\\\n' });
    assert.equal(r.render(), '# HELP x_total a \\\\ back\\nslash\n# TYPE x_total counter\nx_total{v="say \\"hi\\"\\\\\\n"} 1\n');
  });

  test('misuse is refused: wrong labels, counters going down, bad names, duplicates', () => {
    const r = new MetricsRegistry();
    const c = r.counter('a_total', 'a', ['x']);
    assert.throws(() => c.inc({ y: '1' }), /takes labels \{x\}/);
    assert.throws(() => c.inc({ x: '1' }, -1), /only goes up/);
    assert.throws(() => r.counter('b', 'b'), /must end in _total/);
    assert.throws(() => r.gauge('bad-name', 'b'), /invalid metric name/);
    assert.throws(() => r.counter('a_total', 'again'), /registered twice/);
  });
});

function report(over: Partial<CycleReport>): CycleReport {
  return {
    triggers: [{ kind: 'interval', detail: null }],
    result: 'ok',
    startedAt: 1_700_000_000_000,
    durationMs: 250,
    commit: null,
    refusedCommit: null,
    summary: { create: 0, update: 0, replace: 0, delete: 0 },
    heldBack: { held: 0, paused: 0, text: '' },
    changes: [],
    applied: false,
    drift: false,
    repaired: {},
    failedSteps: [],
    putBack: [],
    problems: [],
    issues: [],
    warnings: [],
    error: null,
    note: null,
    retryInMs: null,
    engineUp: true,
    watch: [],
    ...over,
  };
}

describe("the watcher's status", () => {
  test('every series is there from the start, at zero', () => {
    const samples = parseExposition(new WatchStatus({ unhealthyAfter: 3 }).registry.render());
    for (const result of ['ok', 'held', 'drift', 'failed', 'backoff', 'invalid_manifest', 'source_error', 'engine_unreachable', 'cancelled']) {
      assert.equal(samples.get(`moor_reconcile_cycles_total{result="${result}"}`), 0, result);
    }
    for (const kind of ['network', 'volume', 'secret', 'config', 'container', 'service']) assert.equal(samples.get(`moor_drift_repairs_total{kind="${kind}"}`), 0);
    assert.equal(samples.get('moor_last_success_timestamp_seconds'), 0);
    assert.equal(samples.get('moor_reconcile_duration_seconds_count'), 0);
    assert.equal(samples.get('moor_engine_requests_total{method="GET"}'), 0);
    assert.equal(samples.get('moor_services_held_back{reason="rolled_back"}'), 0);
    assert.equal(samples.get('moor_services_held_back{reason="paused"}'), 0);
  });

  test('services held back are a gauge, are in /healthz, and held cycles count as failed: the manifest is not what runs', () => {
    const s = new WatchStatus({ unhealthyAfter: 2 });
    const heldBack = { held: 1, paused: 1, text: '1 service held back (its last rollout was rolled back), 1 service with a rollout Swarm paused; see the warnings' };
    s.recordCycle(report({ result: 'held', heldBack }));
    assert.equal(s.health().healthy, true);
    assert.equal(s.health().heldBack, heldBack.text);
    s.recordCycle(report({ result: 'held', heldBack }));
    assert.deepEqual(s.health().reasons, [`the last 2 cycles failed (last: held: ${heldBack.text})`]);
    let m = parseExposition(s.registry.render());
    assert.equal(m.get('moor_services_held_back{reason="rolled_back"}'), 1);
    assert.equal(m.get('moor_services_held_back{reason="paused"}'), 1);
    assert.equal(m.get('moor_last_success_timestamp_seconds'), 0, 'a held cycle is not a success');
    s.recordCycle(report({ result: 'ok' }));
    m = parseExposition(s.registry.render());
    assert.equal(m.get('moor_services_held_back{reason="rolled_back"}'), 0);
    assert.equal(s.health().heldBack, null);
    assert.equal(s.health().healthy, true);
  });

  test('cycles, repairs, durations, the last success and Engine requests are counted', () => {
    const s = new WatchStatus({ unhealthyAfter: 3 });
    s.recordCycle(report({ durationMs: 2000 }));
    s.recordCycle(report({ result: 'ok', applied: true, drift: true, repaired: { container: 2, service: 1 }, summary: { create: 2, update: 1, replace: 0, delete: 0 } }));
    s.recordCycle(report({ result: 'failed', startedAt: 1_800_000_000_000 }));
    s.recordRequest({ method: 'GET', path: '/info', route: '/info', status: 200, durationMs: 1, attempt: 1, error: null });
    s.recordRequest({ method: 'POST', path: '/containers/create', route: '/containers/create', status: null, durationMs: 1, attempt: 1, error: 'unreachable' });
    const m = parseExposition(s.registry.render());
    assert.equal(m.get('moor_reconcile_cycles_total{result="ok"}'), 2);
    assert.equal(m.get('moor_reconcile_cycles_total{result="failed"}'), 1);
    assert.equal(m.get('moor_drift_repairs_total{kind="container"}'), 2);
    assert.equal(m.get('moor_drift_repairs_total{kind="service"}'), 1);
    assert.equal(m.get('moor_last_success_timestamp_seconds'), 1_700_000_000.25);
    assert.equal(m.get('moor_reconcile_duration_seconds_count'), 3);
    assert.equal(m.get('moor_reconcile_duration_seconds_bucket{le="0.25"}'), 2);
    assert.equal(m.get('moor_reconcile_duration_seconds_bucket{le="2.5"}'), 3);
    assert.equal(m.get('moor_reconcile_duration_seconds_sum'), 2.5);
    assert.equal(m.get('moor_engine_requests_total{method="GET"}'), 1);
    assert.equal(m.get('moor_engine_requests_total{method="POST"}'), 1);
    assert.equal(m.get('moor_engine_request_errors_total{method="POST"}'), 1);
    assert.equal(m.get('moor_engine_request_errors_total{method="GET"}'), 0);
    assert.equal(m.get('moor_last_plan_changes{action="create"}'), 0);
    assert.equal(m.get('moor_consecutive_failed_cycles'), 1);
  });

  test('unhealthy after N failed cycles in a row, or while the Engine is unreachable; healthy again after a good cycle', () => {
    const s = new WatchStatus({ unhealthyAfter: 3 });
    assert.equal(s.health().healthy, true);
    s.recordCycle(report({ result: 'failed' }));
    s.recordCycle(report({ result: 'invalid_manifest' }));
    assert.equal(s.health().healthy, true);
    s.recordCycle(report({ result: 'backoff' }));
    assert.deepEqual(s.health().reasons, ['the last 3 cycles failed (last: backoff)']);
    s.recordCycle(report({ result: 'cancelled' }));
    assert.equal(s.health().consecutiveFailures, 3);
    s.recordCycle(report({ result: 'ok' }));
    assert.equal(s.health().healthy, true);
    s.setEngineReachable(false);
    assert.deepEqual(s.health().reasons, ['the Engine is unreachable']);
    s.recordCycle(report({ result: 'ok', engineUp: true }));
    assert.equal(s.health().healthy, true);
  });
});

describe("a cycle's log record", () => {
  test('says what the plan holds back, as moor plan does, and gives its warnings', () => {
    const text = '1 service held back (its last rollout was rolled back); see the warning';
    const warnings = ['service/api: not updated: the last rollout of this exact spec was rolled back by Swarm'];
    const held = cycleFields('shop', report({ result: 'held', heldBack: { held: 1, paused: 0, text }, warnings }));
    assert.equal(held['plan'], `nothing to apply: ${text}`);
    assert.deepEqual(held['warnings'], warnings);
    const withChanges = cycleFields('shop', report({ result: 'held', summary: { create: 1, update: 0, replace: 0, delete: 0 }, heldBack: { held: 1, paused: 0, text } }));
    assert.equal(withChanges['plan'], `1 to create, 0 to update, 0 to replace, 0 to delete; ${text}`);
    assert.equal(cycleFields('shop', report({}))['plan'], 'no changes');
  });
});
