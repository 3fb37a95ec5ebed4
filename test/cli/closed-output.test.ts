// bin/moor when its reader goes away early (`moor plan --json | head -1`): a closed pipe is not
// moor's error, so no stack trace, and the exit status a shell gives a program SIGPIPE stopped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { outputFailure } from '../../src/cli/errors.js';
import { MOOR_BIN } from '../support/cli.js';

/** Runs bin/moor with `closed` a pipe whose reading end is closed before moor writes a byte. */
function runWithClosed(args: readonly string[], closed: 'stdout' | 'stderr', cwd: string): Promise<{ code: number | null; other: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(MOOR_BIN, [...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd }, stdio: ['ignore', 'pipe', 'pipe'] });
    // Node takes tens of ms to start: the pipe is closed long before moor's first write.
    child[closed].destroy();
    let other = '';
    child[closed === 'stdout' ? 'stderr' : 'stdout'].on('data', (d: Buffer) => (other += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, other }));
  });
}

function bigManifest(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'moor-closed-'));
  const containers = Array.from({ length: 300 }, (_, i) => `  c${i}:\n    image: moor/busybox:latest\n    command: ["sleep", "${i}"]\n`).join('');
  writeFileSync(path.join(dir, 'moor.yaml'), `project: fa-closed\ncontainers:\n${containers}`);
  return dir;
}

test('a closed stdout ends moor silently with 141, no stack trace (--help, validate --json)', async () => {
  const dir = bigManifest();
  for (const args of [['--help'], ['validate', '--json']]) {
    const { code, other } = await runWithClosed(args, 'stdout', dir);
    assert.equal(other, '', `${args.join(' ')}: stderr says nothing`);
    assert.equal(code, 141, args.join(' '));
  }
});

test('a closed stderr ends moor silently with 141 too (an error message nobody reads)', async () => {
  const { code, other } = await runWithClosed(['frobnicate'], 'stderr', tmpdir());
  assert.equal(other, '');
  assert.equal(code, 141);
});

test('any other failure to write stdout is said on stderr, exit 1; on stderr it cannot be said', () => {
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  assert.deepEqual(outputFailure(full, 'stdout'), { code: 1, message: 'moor: error: cannot write to stdout: ENOSPC: no space left on device, write\n' });
  assert.deepEqual(outputFailure(full, 'stderr'), { code: 1, message: null });
  assert.deepEqual(outputFailure(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), 'stdout'), { code: 141, message: null });
});
