// The watcher's lock and its stop: one reconciler per project (a second watch, or an apply, is
// refused with the holder named), and SIGTERM lets the running step finish, starts no new one,
// releases the lock and exits 0; everything it writes, up to its exit, is a record of its log.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { lockPath, lockScope } from '../../src/apply/lock.js';
import { MOOR_BIN, spawnMoor } from '../support/cli.js';
import { useProject } from '../support/project.js';
import { sleeper, WatchProcess } from '../support/watch.js';

const run = useProject('wl');

function manifest(project: string, withSlow: boolean): string {
  // slow: PID 1 without init ignores SIGTERM, so stopping it takes the whole grace period.
  return `project: ${project}\ncontainers:\n${sleeper('web')}${withSlow ? sleeper('slow', ['stop_grace_period: 6s'], { init: false }) : ''}`;
}

/** A line of the JSON log: one object with the time, the level and the message. */
function isRecord(line: string): boolean {
  try {
    const r = JSON.parse(line) as Record<string, unknown> | null;
    return typeof r === 'object' && r !== null && typeof r['time'] === 'string' && typeof r['level'] === 'string' && typeof r['msg'] === 'string';
  } catch {
    return false;
  }
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
    const lock = lockPath(env.MOOR_LOCK_DIR, lockScope(await run.engine.system.info(), run.engine.endpoint), run.project);
    assert.ok(existsSync(lock));

    const holder = new RegExp(`project ${run.project} is being reconciled by moor watch \\(pid ${watch.child.pid} on ${hostname()}, since `);
    const second = await spawnMoor(['watch', '--interval', '5m', '--log-format', 'json'], { cwd: dir, env });
    assert.equal(second.code, 1, second.stderr);
    const refusal = second.stderr.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).at(-1);
    assert.deepEqual([refusal?.['level'], refusal?.['msg']], ['error', 'cannot go on'], second.stderr);
    assert.match(String(refusal?.['error']), holder);
    const apply = await spawnMoor(['apply', '--yes'], { cwd: dir, env });
    assert.equal(apply.code, 1, apply.stderr);
    assert.match(apply.stderr, holder);

    // Remove `slow` from the manifest: its stop takes 6 s. SIGTERM while it runs.
    writeFileSync(file, manifest(run.project, false));
    const stopping = await watch.waitFor('the stop step started', (r) => r.msg === 'step-start' && String(r['step']).startsWith(`stop container ${run.project}_slow`), { timeoutMs: 20_000 });
    assert.ok(stopping);
    const exit = await watch.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, watch.output);
    // Every line it wrote is a JSON record: the signal is said by its `stopping` record, and
    // bin/moor's note on its compile cache (--debug), after the command, is a record too.
    assert.deepEqual(watch.stderrLines.filter((line) => !isRecord(line)), [], watch.output);
    assert.equal(watch.records.find((r) => r.msg.startsWith('stopping'))?.['signal'], 'SIGTERM', watch.output);
    assert.match(watch.records.at(-1)?.msg ?? '', /^compile cache /, watch.output);
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

  test('in the text log format too, every line it writes up to its exit is a record of that format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-watch-'));
    // An invalid manifest: the watcher waits for a fix, and still stops on SIGTERM.
    writeFileSync(join(dir, 'moor.yaml'), `project: ${run.newProject()}\ncontainers:\n${sleeper('web', ['restart: sometimes'])}`);
    const child = spawn(MOOR_BIN, ['watch', '--debug', '--interval', '5m'], { cwd: dir, env: { PATH: process.env.PATH ?? '', MOOR_LOCK_DIR: join(dir, '.locks') }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (!child.killed && / cycle .*result=invalid_manifest/.test(stderr)) child.kill('SIGTERM');
    });
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(code, 0, stderr);
    const lines = stderr.split('\n').slice(0, -1);
    assert.deepEqual(lines.filter((line) => !/^\d{4}-\d\d-\d\dT[\d:.]+Z (debug|info |warn |error) \S/.test(line)), [], stderr);
    assert.match(stderr, / info {2}stopping: .* signal=SIGTERM\n/);
    assert.match(lines.at(-1) ?? '', / debug compile cache /);
  });
});
