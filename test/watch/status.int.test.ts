// The watcher's endpoints against the real Engine: /metrics figures move with the cycles (a forced
// one through POST /sync) and the Engine requests; /healthz turns 503 after N failed cycles and
// back; --dry-run reports drift without changing anything. Secret values appear nowhere.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { acquireProjectLock } from '../../src/apply/lock.js';
import type { LoadResult } from '../../src/manifest/index.js';
import { createLogger } from '../../src/watch/log.js';
import { runWatch } from '../../src/watch/watch.js';
import { connectTestEngine } from '../support/engine.js';
import { parseExposition } from '../support/exposition.js';
import { ctr, net, project, secret, svc } from '../support/model.js';
import { renameProject, useProject } from '../support/project.js';
import { sleeper, WatchProcess } from '../support/watch.js';

const run = useProject('ws');
const CANARY = 'CANARY-watch-4d1e-do-not-print';

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the status endpoints of a running watcher', () => {
  test('metrics count cycles and Engine requests (POST /sync forces a cycle); healthz is 503 after N failed cycles, 200 again after a good one', async () => {
    const desired = renameProject(project({ networks: [net('default')], secrets: [secret('pw', CANARY)], containers: [ctr('web', { init: true })], services: [svc('api', { networks: {}, stopGracePeriod: 1e9 })] }), run.project);
    let manifest: LoadResult = { ok: true, desired, files: ['/nowhere/moor.yaml'], namedFiles: [], warnings: [] };
    const lines: string[] = [];
    const stop = new AbortController();
    let address = '';
    const watching = runWatch({
      source: { description: 'test source', load: async () => ({ manifest, commit: null, fetchError: null, watch: [] }) },
      connect: (onRequest) => connectTestEngine({ onRequest }),
      lock: async (p) => acquireProjectLock({ directory: mkdtempSync(join(tmpdir(), 'moor-locks-')), scope: 'engine:test', project: p, command: 'moor watch (test)' }),
      intervalMs: 1000,
      dryRun: false,
      unhealthyAfter: 3,
      listen: { host: '127.0.0.1', port: 0 },
      onListening: (a) => (address = `http://${a}`),
      logger: createLogger({ format: 'json', write: (l) => lines.push(l), debug: true }),
      signal: stop.signal,
      // Failed cycles are retried after 5 s at first: keep this test short.
      failureBackoff: { baseMs: 200, maxMs: 400 },
    });
    const metrics = async (): Promise<Map<string, number>> => parseExposition(await (await fetch(`${address}/metrics`)).text());
    const health = async (): Promise<{ status: number; body: { status: string; reasons: string[]; consecutiveFailures: number } }> => {
      const res = await fetch(`${address}/healthz`);
      return { status: res.status, body: (await res.json()) as { status: string; reasons: string[]; consecutiveFailures: number } };
    };
    try {
      const first = await until('a first good cycle', async () => {
        if (address === '') return undefined;
        const m = await metrics();
        return (m.get('moor_reconcile_cycles_total{result="ok"}') ?? 0) >= 1 ? m : undefined;
      });
      assert.equal((await health()).status, 200);
      assert.equal(first.get('moor_engine_up'), 1);
      assert.ok((first.get('moor_last_success_timestamp_seconds') ?? 0) > Date.now() / 1000 - 60);
      assert.ok((first.get('moor_reconcile_duration_seconds_count') ?? 0) >= 1);
      assert.equal(first.get('moor_last_plan_changes{action="create"}') !== undefined, true);

      // POST /sync forces a cycle: the cycle counter and the Engine's GET counter go up.
      const before = await metrics();
      const cyclesBefore = [...before].filter(([k]) => k.startsWith('moor_reconcile_cycles_total')).reduce((a, [, v]) => a + v, 0);
      assert.equal((await fetch(`${address}/sync`, { method: 'POST' })).status, 202);
      const afterSync = await until('the synced cycle', async () => {
        const m = await metrics();
        const total = [...m].filter(([k]) => k.startsWith('moor_reconcile_cycles_total')).reduce((a, [, v]) => a + v, 0);
        return total > cyclesBefore ? m : undefined;
      });
      assert.ok((afterSync.get('moor_engine_requests_total{method="GET"}') ?? 0) > (before.get('moor_engine_requests_total{method="GET"}') ?? 0));
      assert.ok(lines.some((l) => JSON.parse(l).msg === 'cycle' && JSON.stringify(JSON.parse(l).trigger).includes('sync POST /sync')));

      // The source turns bad: after 3 failed cycles, 503; the Engine is fine all along.
      manifest = { ok: false, issues: [{ severity: 'error', file: 'moor.yaml', line: 2, column: 1, path: 'x', message: 'x: broken on purpose' }] };
      const sick = await until('healthz 503', async () => {
        const h = await health();
        return h.status === 503 ? h : undefined;
      });
      assert.deepEqual(sick.body.reasons, [`the last ${sick.body.consecutiveFailures} cycles failed (last: invalid_manifest)`]);
      assert.ok(sick.body.consecutiveFailures >= 3);
      assert.ok(((await metrics()).get('moor_reconcile_cycles_total{result="invalid_manifest"}') ?? 0) >= 3);

      manifest = { ok: true, desired, files: [], namedFiles: [], warnings: [] };
      await until('healthz 200 again', async () => ((await health()).status === 200 ? true : undefined));
    } catch (err: unknown) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${lines.join('')}`, { cause: err });
    } finally {
      stop.abort();
      const exit = await watching;
      assert.equal(exit.clean, true);
    }
    const all = lines.join('');
    assert.ok(!all.includes(CANARY) && !all.includes(Buffer.from(CANARY).toString('base64')), 'the secret value leaked into the logs');
  });

  test('--dry-run reports the drift and the changes each cycle would make, and changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-watch-'));
    writeFileSync(join(dir, 'moor.yaml'), `project: ${run.project}dry\ncontainers:\n${sleeper('web')}${sleeper('db')}`);
    const watch = new WatchProcess(['--dry-run', '--interval', '1s', '--listen', '127.0.0.1:0'], { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });
    const first = await watch.waitFor('a dry-run cycle', (r) => r.msg === 'cycle');
    assert.equal(first['result'], 'drift', watch.output);
    assert.equal(first['level'], 'warn');
    assert.equal(first['applied'], false);
    assert.deepEqual(first['changes'], ['create network/default: not found on the Engine', 'create container/db: not found on the Engine', 'create container/web: not found on the Engine']);
    assert.equal(first['note'], 'dry run: nothing was changed');
    await watch.nextCycle('a second dry-run cycle (the interval)', (r) => r['result'] === 'drift');
    const m = await watch.metrics();
    assert.equal(m.get('moor_last_plan_changes{action="create"}'), 3);
    assert.ok((m.get('moor_reconcile_cycles_total{result="drift"}') ?? 0) >= 2);
    assert.equal(m.get('moor_engine_requests_total{method="POST"}'), 0, 'no write reached the Engine');
    assert.equal((await fetch(`${await watch.address()}/healthz`)).status, 200, 'drift is not ill health');
    assert.deepEqual(await run.engine.containers.list({ all: true, filters: { label: `io.moor.project=${run.project}dry` } }), []);
    assert.deepEqual(await watch.stop(), { code: 0, signal: null });
  });
});
