import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';

const run = promisify(execFile);
const bin = new URL('../../bin/moor', import.meta.url).pathname;

test('moor --help lists the commands and exits 0', async () => {
  const { stdout } = await run(bin, ['--help']);
  assert.match(stdout, /Usage: moor <command>/);
  assert.match(stdout, /^ {2}version {2}/m);
});

test('an unknown command exits 1 and names it', async () => {
  await assert.rejects(run(bin, ['frobnicate']), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr, /unknown command 'frobnicate'/);
    return true;
  });
});

test('an unknown option is a usage error for every command, never an internal error', async () => {
  for (const command of ['plan', 'apply', 'destroy', 'status', 'logs', 'watch', 'validate', 'convert', 'version']) {
    await assert.rejects(run(bin, [command, '--frobnicate']), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1, command);
      assert.match(err.stderr, new RegExp(`^moor: error: Unknown option '--frobnicate'.* \\(see moor ${command} --help\\)\\n$`), command);
      return true;
    });
  }
});

async function usage(args: string[], message: RegExp): Promise<void> {
  await assert.rejects(run(bin, args, { cwd: '/' }), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 1, args.join(' '));
    assert.match(err.stderr, message, args.join(' '));
    return true;
  });
}

test('--adopt takes service/NAME, for plan and apply only, and not with a saved plan', async () => {
  await usage(['plan', '--adopt', 'api'], /--adopt takes service\/NAME, not 'api'/);
  await usage(['apply', '--adopt', 'volume/data'], /--adopt volume\/data: only services can be adopted: the Engine never changes a volume's labels/);
  await usage(['apply', '--plan', 'plan.json', '--adopt', 'service/api'], /--adopt cannot be given with --plan: the saved plan was made with its own options/);
  await usage(['watch', '--adopt', 'service/api'], /Unknown option '--adopt'/);
});

test('--replace takes container/NAME or service/NAME, for plan and apply only, and not with a saved plan', async () => {
  await usage(['plan', '--replace', 'web'], /--replace takes container\/NAME or service\/NAME, not 'web'/);
  await usage(['apply', '--replace', 'volume/data'], /--replace volume\/data: only containers and services can be replaced on demand; a volume is made of what the manifest says of it: it is recreated when its driver or options \(with --replace-volumes: its data is lost\) change/);
  await usage(['plan', '--replace', 'secret/db_pw'], /--replace secret\/db_pw: .*a new version is made when its content changes/);
  await usage(['apply', '--plan', 'plan.json', '--replace', 'container/web'], /--replace cannot be given with --plan: the saved plan was made with its own options/);
  await usage(['watch', '--replace', 'container/web'], /Unknown option '--replace'/);
  await usage(['destroy', '--replace', 'container/web'], /Unknown option '--replace'/);
});

test('--env-file is moor\'s alone: Node never reads it, so a NODE_OPTIONS in it runs nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moor-envfile-'));
  const marker = join(dir, 'ran');
  writeFileSync(join(dir, 'evil.cjs'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x');\n`);
  writeFileSync(join(dir, 'prod.env'), `NODE_OPTIONS=--require ${join(dir, 'evil.cjs')}\nTAG=1.2\n`);
  writeFileSync(join(dir, 'moor.yaml'), 'project: envfile\ncontainers:\n  web: { image: "busybox:${TAG}" }\n');
  const { stdout } = await run(bin, ['validate', '--env-file', 'prod.env'], { cwd: dir });
  assert.match(stdout, /^valid: project envfile/);
  assert.equal(existsSync(marker), false, 'the env file\'s NODE_OPTIONS ran code');
  // A missing env file is moor's error (exit 1), not Node's (exit 9).
  await usage(['validate', '-f', join(dir, 'moor.yaml'), '--env-file', join(dir, 'nope.env')], /nope\.env: cannot read the env file: no such file/);
});
