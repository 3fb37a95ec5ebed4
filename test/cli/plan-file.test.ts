import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, withProject } from '../manifest/helpers.js';

const VALID = 'project: shop\ncontainers:\n  web:\n    image: moor/busybox:latest\n';
/** No Engine: a command that got as far as connecting would fail with another message. */
const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/moor-test-docker.sock' };

test('apply --plan with a missing, folder or empty plan file name says so in words', async () => {
  await withProject({ 'moor.yaml': VALID }, async (dir) => {
    const missing = await runCli(['apply', '--plan', 'nope.json'], { cwd: dir, env: NO_ENGINE });
    assert.deepEqual(missing, { code: 1, stdout: '', stderr: `moor: error: cannot read the plan file ${path.join(dir, 'nope.json')}: no such file\n` });
    const folder = await runCli(['apply', '--plan', '.'], { cwd: dir, env: NO_ENGINE });
    assert.equal(folder.stderr, `moor: error: cannot read the plan file ${dir}: it is a folder, not a file\n`);
    const empty = await runCli(['apply', '--plan', ''], { cwd: dir, env: NO_ENGINE });
    assert.equal(empty.stderr, 'moor: error: --plan needs a file name, and was given an empty one\n');
  });
});

test('plan --out that cannot be written fails before planning: no plan is printed, no Engine is asked', async () => {
  await withProject({ 'moor.yaml': VALID, 'plans/.keep': '' }, async (dir) => {
    await symlink('/etc/passwd', path.join(dir, 'link.json'));
    await mkdir(path.join(dir, 'plans', 'p.json'));
    const cases: [string, string][] = [
      ['/nonexistent/dir/p.json', 'cannot write the plan file /nonexistent/dir/p.json: no such folder: /nonexistent/dir'],
      ['moor.yaml/p.json', `cannot write the plan file ${path.join(dir, 'moor.yaml', 'p.json')}: ${path.join(dir, 'moor.yaml')} is a file, not a folder`],
      ['plans/p.json', `cannot write the plan file ${path.join(dir, 'plans', 'p.json')}: it is a folder, not a file`],
      ['link.json', `${path.join(dir, 'link.json')} is a symbolic link: moor does not write a plan through one (remove it, or choose another file)`],
      ['', '--out needs a file name, and was given an empty one'],
    ];
    for (const [out, message] of cases) {
      const run = await runCli(['plan', '--out', out], { cwd: dir, env: NO_ENGINE });
      assert.deepEqual(run, { code: 1, stdout: '', stderr: `moor: error: ${message}\n` }, out);
    }
  });
});
