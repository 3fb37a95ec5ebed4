// SIGTERM to `moor watch` in the middle of a container replacement whose running step (the stop of
// the previous container, which ignores SIGTERM) outlives --shutdown-timeout: the watcher hurries
// the cycle (the stop ends with a kill) and lets it put the previous container back before it
// closes the Engine client, and its log says what was put back.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { useProject } from '../support/project.js';
import { WatchProcess } from '../support/watch.js';

const run = useProject('ws');

function manifest(project: string, port: number): string {
  // httpd as PID 1 (no init) ignores SIGTERM: stopping it takes its whole grace period, 10 s.
  return `project: ${project}
containers:
  web:
    image: moor/busybox:latest
    command: ["httpd", "-f", "-p", "${port}", "-h", "/etc"]
`;
}

describe('moor watch stopped during a container replacement', () => {
  test('a replacement left half-way is put back before the client closes, and the log says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-watch-'));
    const file = join(dir, 'moor.yaml');
    writeFileSync(file, manifest(run.project, 8080));
    const watch = new WatchProcess(['--interval', '5m', '--debug', '--shutdown-timeout', '2s'], { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });
    assert.equal((await watch.nextCycle('the first cycle'))['result'], 'ok', watch.output);
    const web = `${run.project}_web`;
    const before = await run.engine.containers.inspect(web);

    writeFileSync(file, manifest(run.project, 8081));
    await watch.waitFor('the stop of the previous container', (r) => r.msg === 'step-start' && String(r['step']) === `stop container ${web}`, { timeoutMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stoppedAt = Date.now();
    const exit = await watch.stop('SIGTERM');
    const seconds = (Date.now() - stoppedAt) / 1000;

    assert.deepEqual(exit, { code: 1, signal: null }, 'the steps outlived the bound');
    assert.ok(seconds < 8, `stopped in ${seconds}s (the stop alone would take 10 s)`);
    const after = await run.engine.containers.inspect(web);
    assert.equal(after.Id, before.Id, 'the previous container is back under its name');
    assert.equal(after.State.Running, true, watch.output);
    const left = (await run.engine.containers.list({ all: true, filters: { label: `io.moor.project=${run.project}` } })).map((c) => c.Id);
    assert.deepEqual(left, [before.Id], 'the abandoned new container is removed');

    const cycle = watch.cycles().at(-1);
    assert.equal(cycle?.['result'], 'cancelled', watch.output);
    assert.deepEqual(cycle?.['putBack'], [`container/web: the previous container (${before.Id.slice(0, 12)}) is ${web} again, as before the apply`], watch.output);
    const order = watch.records.map((r) => r.msg);
    assert.ok(order.lastIndexOf('cycle') < order.lastIndexOf('stopped'), 'the record comes before the watcher stops');
  });
});
