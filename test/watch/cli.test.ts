// `moor watch` option handling: everything that can be refused is refused before anything starts,
// with a message naming the option (no Engine needed).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { acquireProjectLock } from '../../src/apply/lock.js';
import { runMoor } from '../support/cli.js';

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'moor-watch-cli-'));
  writeFileSync(join(dir, 'moor.yaml'), 'project: clitest\n');
  writeFileSync(join(dir, 'empty-secret'), '\n');
  writeFileSync(join(dir, 'two-lines'), 'one\ntwo\n');
  return dir;
}

describe('moor watch options', () => {
  test('--help documents every option', async () => {
    const r = await runMoor(['watch', '--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--interval', '--dry-run', '--listen', '--sync-secret-file', '--unhealthy-after', '--log-format', '--shutdown-timeout', '--git', '--ref', '--path', '--workdir', '--file', '--env-file', '--prune-volumes', '--pull', '--host']) {
      assert.ok(r.stdout.includes(flag), `${flag} is in the help`);
    }
    assert.match((await runMoor(['--help'])).stdout, /^ {2}watch +Apply, then keep the project converged/m);
  });

  test('bad values are refused with the option named, before anything starts', async () => {
    const cases: [string[], RegExp][] = [
      [['--interval', '10'], /--interval: invalid duration "10"/],
      [['--interval', '500ms'], /--interval must be at least 1s, got 500ms/],
      [['--log-format', 'xml'], /--log-format must be json or text, not 'xml'/],
      [['--listen', ':9090'], /--listen: expected HOST:PORT such as 127\.0\.0\.1:9090/],
      [['--sync-secret-file', 'moor.yaml'], /--sync-secret-file needs --listen HOST:PORT: it guards POST \/sync/],
      [['--listen', '127.0.0.1:0', '--sync-secret-file', 'missing'], /--sync-secret-file .*missing: cannot read it: ENOENT/],
      [['--listen', '127.0.0.1:0', '--sync-secret-file', 'empty-secret'], /--sync-secret-file .*empty-secret: the file is empty/],
      [['--listen', '127.0.0.1:0', '--sync-secret-file', 'two-lines'], /--sync-secret-file .*two-lines: the secret must be one line/],
      [['--unhealthy-after', '0'], /--unhealthy-after must be a whole number from 1 to 1000/],
      [['--ref', 'main'], /--ref needs --git URL/],
      [['--pull', 'always'], /--pull must be missing or never, not 'always'/],
      [['--git=--upload-pack=evil'], /--git: not a repository URL/],
      [['--git', '/srv/repo.git', '--path', '../outside'], /--path must be a folder inside the repository/],
      [['--host', 'ssh://example.com'], /ssh:\/\/ endpoints are not supported/],
      [['--frobnicate'], /Unknown option '--frobnicate' \(see moor watch --help\)/],
    ];
    for (const [args, message] of cases) {
      const dir = folder();
      const r = await runMoor(['watch', ...args], { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
  });

  test('a Git work folder already in use by another watcher is refused, naming it', async () => {
    const dir = folder();
    const locks = join(dir, '.locks');
    const workdir = join(dir, 'checkout');
    const held = acquireProjectLock({ directory: locks, scope: workdir, project: 'git-workdir', command: 'moor watch --git' });
    try {
      const r = await runMoor(['watch', '--git', '/srv/repo.git', '--workdir', workdir], { cwd: dir, env: { MOOR_LOCK_DIR: locks } });
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`the Git work folder ${workdir} is in use by moor watch --git \\(pid ${process.pid} on `));

      // With --log-format json, the refusal is a record of the log like any other line.
      const json = await runMoor(['watch', '--git', '/srv/repo.git', '--workdir', workdir, '--log-format', 'json'], { cwd: dir, env: { MOOR_LOCK_DIR: locks } });
      assert.equal(json.code, 1);
      const records = json.stderr.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(records.map((r) => [r['level'], r['msg']]), [['error', 'cannot go on']], json.stderr);
      assert.match(String(records[0]?.['error']), /^the Git work folder .* is in use by moor watch --git/);
    } finally {
      held.release();
    }
  });

  test('a command line it cannot read is refused as by every command, whatever the log format', async () => {
    const r = await runMoor(['watch', '--log-format', 'json', '--interval', '10'], { cwd: folder() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^moor: error: --interval: invalid duration "10"/);
  });
});
