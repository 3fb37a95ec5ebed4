// What the first SIGINT/SIGTERM does, per command: apply, destroy and watch finish their running
// steps and say so; logs --follow ends, silently; a command that only reads stops at once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { firstInterrupt } from '../../src/cli/main.js';
import { MOOR_BIN } from '../support/cli.js';
import { startFakeEngine } from '../support/fake-engine.js';

describe('the first interrupt', () => {
  test('apply and destroy finish their running steps and say so', () => {
    for (const command of ['apply', 'destroy']) {
      assert.deepEqual(firstInterrupt([command, '-y'], 'SIGTERM'), { action: 'abort', notice: 'moor: SIGTERM received: finishing the running steps, starting no new ones (again to stop at once)' }, command);
    }
  });

  test('logs ends (--follow stops as it is meant to), silently; watch finishes its running steps and says so in its own log (its stopping record)', () => {
    assert.deepEqual(firstInterrupt(['logs', 'web', '--follow'], 'SIGINT'), { action: 'abort', notice: null });
    assert.deepEqual(firstInterrupt(['watch', '--log-format', 'json'], 'SIGTERM'), { action: 'abort', notice: null });
  });

  test('a command that only reads stops at once', () => {
    for (const argv of [['plan'], ['status'], ['validate'], ['convert'], ['version'], ['--version'], ['help', 'apply'], [], ['frobnicate']]) {
      assert.deepEqual(firstInterrupt(argv, 'SIGINT'), { action: 'exit' }, argv.join(' '));
    }
  });
});

/** bin/moor against an Engine that answers /_ping and nothing else; SIGINT once it asked for more. */
async function interruptWhileEngineHangs(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let asked: () => void = () => undefined;
  const waiting = new Promise<void>((resolve) => (asked = resolve));
  const engine = await startFakeEngine(() => asked());
  const dir = mkdtempSync(path.join(tmpdir(), 'moor-interrupt-'));
  writeFileSync(path.join(dir, 'moor.yaml'), 'project: fa-interrupt\ncontainers:\n  web:\n    image: moor/busybox:latest\n');
  try {
    const child = spawn(MOOR_BIN, [...args, '--host', engine.host], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await waiting;
    child.kill('SIGINT');
    return { code: await closed, stdout, stderr };
  } finally {
    await engine.close();
  }
}

describe('bin/moor on Ctrl-C', () => {
  test('logs --follow ends with 0 and says nothing of steps', { timeout: 20_000 }, async () => {
    const r = await interruptWhileEngineHangs(['logs', 'web', '--follow']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
  });

  test('status stops at once, silently, with 130', { timeout: 20_000 }, async () => {
    const r = await interruptWhileEngineHangs(['status']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 130);
  });
});
