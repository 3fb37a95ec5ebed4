// moor logs against the real Engine: streams a container's new output as it comes, stdout and
// stderr apart; a service's tasks; clear errors for names the manifest or the Engine lacks.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import type { CommandContext } from '../../src/cli/command.js';
import { runMoor } from '../support/cli.js';
import { waitFor } from '../support/engine.js';
import { useProject } from '../support/project.js';

const run = useProject('logs');
const name = run.project;
const dir = mkdtempSync(join(tmpdir(), 'moor-logs-'));
writeFileSync(join(dir, 'moor.yaml'), `project: ${name}
containers:
  ticker:
    image: moor/busybox:latest
    command: ["sh", "-c", "i=0; while true; do echo \\"out $$i\\"; echo \\"err $$i\\" >&2; i=$$((i+1)); sleep 0.2; done"]
    init: true
services:
  api:
    image: moor/busybox:latest
    command: ["sh", "-c", "echo service says hello; exec sleep 3600"]
    stop_grace_period: 1s
`);
const moor = (...args: string[]) => runMoor(args, { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });

describe('moor logs', () => {
  test('--follow streams lines printed after it started, stdout to stdout and stderr to stderr, until aborted', async () => {
    const applied = await moor('apply', '--yes', '--wait');
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    let stdout = '';
    let stderr = '';
    const controller = new AbortController();
    const ctx: CommandContext = {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: {},
      cwd: dir,
      interactive: false,
      confirm: () => Promise.resolve(false),
      signal: controller.signal,
    };
    // --tail 0: nothing from before; whatever arrives was printed after the command started.
    const following = main(['logs', 'ticker', '--follow', '--tail', '0'], ctx);
    await waitFor('a line on stdout and one on stderr', async () => (/^out \d+$/m.test(stdout) && /^err \d+$/m.test(stderr) ? true : undefined), 10_000);
    const seen = Number(/out (\d+)/.exec(stdout)?.[1]);
    await waitFor('two more lines', async () => (new RegExp(`^out ${seen + 2}$`, 'm').test(stdout) ? true : undefined), 10_000);
    controller.abort();
    assert.equal(await following, 0);
    assert.doesNotMatch(stdout, /err/);
    assert.doesNotMatch(stderr, /out/);
  });

  test('without --follow it prints what is there and ends; --tail and --timestamps apply', async () => {
    // The container alternates stdout and stderr lines: the last 4 are 2 of each.
    const r = await moor('logs', 'ticker', '--tail', '4', '--timestamps');
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.trim().split('\n');
    const err = r.stderr.trim().split('\n');
    assert.equal(out.length, 2, r.stdout);
    assert.equal(err.length, 2, r.stderr);
    for (const line of out) assert.match(line, /^\d{4}-\d{2}-\d{2}T\S+ out \d+$/);
    for (const line of err) assert.match(line, /^\d{4}-\d{2}-\d{2}T\S+ err \d+$/);
  });

  test("a service prints the output of its tasks, each line after its task's name (NAME.SLOT), or without it (--no-prefix)", async () => {
    const r = await moor('logs', 'service/api');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'api.1 | service says hello\n');
    const stamped = await moor('logs', 'service/api', '--timestamps');
    assert.match(stamped.stdout, /^api\.1 \| \d{4}-\d{2}-\d{2}T\S+ service says hello\n$/);
    const bare = await moor('logs', 'service/api', '--no-prefix');
    assert.equal(bare.stdout, 'service says hello\n');
  });

  test('a name not in the manifest, and one not created yet, are clear errors', async () => {
    const unknown = await moor('logs', 'nope');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /moor: error: no container or service named nope in the manifest of project \S+ \(its containers and services are: api, ticker\)/);
    writeFileSync(join(dir, 'moor.yaml'), `project: ${name}\ncontainers:\n  fresh: { image: moor/busybox:latest }\n`);
    const fresh = await moor('logs', 'fresh');
    assert.equal(fresh.code, 1);
    assert.match(fresh.stderr, /moor: error: container fresh is in the manifest but not on the Engine \(no container \S+_fresh\): run moor apply first/);
  });
});
