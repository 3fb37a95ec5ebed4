// The watcher's lock and its stop: one reconciler per project (a second watch, or an apply, is
// refused with the holder named), and SIGTERM lets the running step finish, starts no new one,
// releases the lock and exits 0.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { lockPath } from '../../src/apply/lock.js';
import { spawnMoor } from '../support/cli.js';
import { useProject } from '../support/project.js';
import { sleeper, WatchProcess } from '../support/watch.js';

const run = useProject('wl');

function manifest(project: string, withSlow: boolean): string {
  // slow: PID 1 without init ignores SIGTERM, so stopping it takes the whole grace period.
  return `project: ${project}\ncontainers:\n${sleeper('web')}${withSlow ? sleeper('slow', ['stop_grace_period: 6s'], { init: false }) : ''}`;
}

describe('moor watch holds the project lock, and stops cleanly', () => {
  test('a second watcher and an apply are refused naming the holder; SIGTERM finishes the running step, starts no new one, releases the lock, exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-watch-'));
    const file = join(dir, 'moor.yaml');
    writeFileSync(file, manifest(run.project, true));
    const env = { MOOR_LOCK_DIR: join(dir, '.locks') };
    const watch = new WatchProcess(['--interval', '5m', '--debug'], { cwd: dir, env });
    assert.equal((await watch.waitFor('the first cycle', (r) => r.msg === 'cycle'))['result'], 'ok', watch.output);
    // --debug logs each Engine request as a record of the watcher's format (no plain text line).
    assert.ok(watch.records.some((r) => r.msg === 'engine request' && r['method'] === 'GET' && r['path'] === '/services' && r['status'] === 200), watch.output);
    assert.ok(!watch.text.some((line) => line.startsWith('moor: debug:')), watch.output);
    const lock = lockPath(env.MOOR_LOCK_DIR, 'unix:///var/run/docker.sock', run.project);
    assert.ok(existsSync(lock));

    const holder = new RegExp(`project ${run.project} is being reconciled by moor watch \\(pid ${watch.child.pid} on ${hostname()}, since `);
    const second = await spawnMoor(['watch', '--interval', '5m'], { cwd: dir, env });
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, holder);
    const apply = await spawnMoor(['apply', '--yes'], { cwd: dir, env });
    assert.equal(apply.code, 1, apply.stderr);
    assert.match(apply.stderr, holder);

    // Remove `slow` from the manifest: its stop takes 6 s. SIGTERM while it runs.
    writeFileSync(file, manifest(run.project, false));
    const stopping = await watch.waitFor('the stop step started', (r) => r.msg === 'step-start' && String(r['step']).startsWith(`stop container ${run.project}_slow`), { timeoutMs: 20_000 });
    assert.ok(stopping);
    const exit = await watch.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, watch.output);
    const after = watch.records.slice(watch.records.indexOf(stopping));
    assert.ok(after.some((r) => r.msg === 'step-done' && String(r['step']).startsWith('stop container')), 'the running step finished');
    assert.ok(!after.some((r) => r.msg === 'step-start' && String(r['step']).startsWith('remove container')), 'no step started after SIGTERM');
    const cancelled = after.find((r) => r.msg === 'cycle');
    assert.equal(cancelled?.['result'], 'cancelled', watch.output);
    assert.ok(watch.records.some((r) => r.msg === 'stopped' && r['lockReleased'] === true));
    assert.equal(existsSync(lock), false, 'the lock is released');
    const slow = await run.engine.containers.inspect(`${run.project}_slow`);
    assert.equal(slow.State?.Running, false, 'stopped by the step that was running, not removed by the next one');

    // Now apply may run: it converges from where the watcher stopped.
    const afterwards = await spawnMoor(['apply', '--yes'], { cwd: dir, env });
    assert.equal(afterwards.code, 0, afterwards.stderr);
    assert.match(afterwards.stdout, /- container slow \(.*\): no longer in the manifest/);
  });
});
