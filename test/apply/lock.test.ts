import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { acquireProjectLock, LockError, lockPath } from '../../src/apply/lock.js';

const dir = () => mkdtempSync(join(tmpdir(), 'moor-lock-test-'));
const opts = (directory: string, project = 'shop') => ({ directory, scope: 'engine:AAAA', project, command: 'moor apply' });

describe('the project lock', () => {
  test('a second holder is refused with the first holder named, until it is released', () => {
    const d = dir();
    const lock = acquireProjectLock(opts(d));
    assert.equal(statSync(lock.path).mode & 0o777, 0o600);
    assert.throws(() => acquireProjectLock(opts(d)), (err: unknown) => {
      assert.ok(err instanceof LockError);
      assert.equal(err.code, 'CONFLICT');
      assert.match(err.message, new RegExp(`project shop is being reconciled by moor apply \\(pid ${process.pid} on ${hostname()}`));
      return true;
    });
    lock.release();
    assert.equal(existsSync(lock.path), false);
    acquireProjectLock(opts(d)).release();
  });

  test('other projects and other Engines have their own locks', () => {
    const d = dir();
    const a = acquireProjectLock(opts(d, 'shop'));
    const b = acquireProjectLock(opts(d, 'blog'));
    const c = acquireProjectLock({ ...opts(d, 'shop'), scope: 'engine:BBBB' });
    for (const l of [a, b, c]) l.release();
  });

  test('a lock left by a process that died is taken over', () => {
    const d = dir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(dead.stdout.toString());
    const path = lockPath(d, 'engine:AAAA', 'shop');
    writeFileSync(path, JSON.stringify({ pid: deadPid, host: hostname(), command: 'moor watch', since: '2026-01-01T00:00:00Z' }));
    const lock = acquireProjectLock(opts(d));
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
    lock.release();
  });

  test('a lock held on another host is not broken automatically', () => {
    const d = dir();
    const path = lockPath(d, 'engine:AAAA', 'shop');
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere', command: 'moor watch', since: '2026-01-01T00:00:00Z' }));
    assert.throws(() => acquireProjectLock(opts(d)), /moor watch \(pid 1 on elsewhere.*remove .* if that process is gone/);
  });
});
