// The watcher survives a dockerd restart: the events stream drops, the Engine stops answering
// (healthz says so), and once dockerd is back the watcher re-subscribes, resyncs, and repairs a
// drift made after the restart, all by itself.
//
// The dockerd restarted is one of this file's own (test/support/own-engine.ts), on its own socket
// and folders: the shared Engine, and the other test files running on it, are never touched.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { EngineClient } from '../../src/engine/index.js';
import { createRunId, waitFor } from '../support/engine.js';
import { useOwnEngine } from '../support/own-engine.js';
import { type LogRecord, sleeper, triggeredBy, WatchProcess } from '../support/watch.js';

const own = useOwnEngine();
const project = `wr${createRunId()}`;

describe('moor watch and a dockerd restart', () => {
  test('the loop survives the restart, resyncs by itself, and repairs a drift made afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-watch-'));
    // The project's network in the own Engine's range: it has no address pool (see own-engine.ts).
    const network = `networks:\n  default:\n    ipam:\n      config:\n        - subnet: ${own.engine.subnet}\n`;
    writeFileSync(join(dir, 'moor.yaml'), `project: ${project}\n${network}containers:\n${sleeper('web')}`);
    const watch = new WatchProcess(['--host', own.engine.host, '--interval', '5m', '--listen', '127.0.0.1:0'], { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });
    assert.equal((await watch.waitFor('the first cycle', (r) => r.msg === 'cycle'))['result'], 'ok', watch.output);
    const address = await watch.address();

    // Stop dockerd (SIGTERM, as systemctl restart does), and start it again once it has exited.
    const down = Date.now();
    own.engine.kill();
    await watch.waitFor('the events stream lost', (r) => r.msg === 'events stream lost: subscribing again (a full resync follows)', { timeoutMs: 60_000 });
    await waitFor('dockerd to exit', async () => (own.engine.exited() ? true : undefined), 60_000, 100);
    // No Engine now: the watcher says so on /healthz (and keeps running).
    const health = await waitFor('healthz 503', async () => {
      const res = await fetch(`${address}/healthz`);
      return res.status === 503 ? ((await res.json()) as { reasons: string[] }) : undefined;
    }, 30_000);
    assert.ok(health.reasons.includes('the Engine is unreachable'), JSON.stringify(health));
    await own.engine.start();
    const outage = (Date.now() - down) / 1000;

    // Back: each events stream is subscribed again, and a full resync runs without being asked.
    // Both, before the drift below: one still waiting out its back-off would repair the drift by
    // its resync rather than through the subscription this test is about.
    for (const stream of ['containers', 'others']) {
      const resynced = (r: LogRecord): boolean =>
        r.msg === 'cycle' && r['result'] === 'ok' && Array.isArray(r['trigger']) && (r['trigger'] as string[]).some((t) => t.startsWith(`resync events stream (${stream})`));
      assert.ok(await watch.waitFor(`a resync of the ${stream} stream after the restart`, resynced, { timeoutMs: 60_000 }));
    }
    await waitFor('healthz 200', async () => ((await fetch(`${address}/healthz`)).status === 200 ? true : undefined), 30_000);
    // dockerd stopped the container on its way down: the resync (or a cycle before it) started it again.
    const engine = await EngineClient.connect({ env: {}, host: own.engine.host });
    try {
      await waitFor('web running after the restart', async () => ((await engine.containers.inspect(`${project}_web`)).State?.Running === true ? true : undefined), 30_000);

      // A drift made after the restart is repaired through the new subscription.
      const before = await engine.containers.inspect(`${project}_web`);
      const removedAt = Date.now();
      await engine.containers.remove(before.Id, { force: true });
      await watch.nextCycle('the repair after the restart', (r) => r['applied'] === true && (triggeredBy(r, 'event') || triggeredBy(r, 'verify')), 30_000);
      const back = await waitFor('web back', async () => {
        const c = await engine.containers.inspect(`${project}_web`).catch(() => undefined);
        return c?.State?.Running === true && c.Id !== before.Id ? c : undefined;
      });
      assert.ok(back);
      const repairSeconds = (Date.now() - removedAt) / 1000;
      assert.ok(repairSeconds < 15, `repaired after ${repairSeconds}s`);
      console.log(`Engine outage ${outage.toFixed(1)}s; drift after the restart repaired in ${repairSeconds.toFixed(1)}s`);
    } finally {
      await engine.close();
    }
    assert.ok(watch.records.every((r) => r.msg !== 'internal error in a cycle (this is a bug in moor; the watcher goes on)'), watch.output);
    assert.deepEqual(await watch.stop(), { code: 0, signal: null });
  });
});
