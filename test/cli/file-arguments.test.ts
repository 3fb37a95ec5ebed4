import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, withProject } from '../manifest/helpers.js';

const VALID = 'project: shop\ncontainers:\n  web:\n    image: moor/busybox:latest\n';
/** No Engine: a command that got as far as connecting would fail with another message. */
const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/moor-test-docker.sock' };

test('an empty file name is a usage error, not the working directory read as a file', async () => {
  await withProject({ 'moor.yaml': VALID }, async (dir) => {
    for (const [args, option] of [
      [['validate', '-f', ''], '-f/--file'],
      [['validate', '--env-file', ''], '--env-file'],
    ] as const) {
      const run = await runCli(args, { cwd: dir, env: NO_ENGINE });
      assert.deepEqual(run, { code: 1, stdout: '', stderr: `moor: error: ${option} needs a file name, and was given an empty one\n` }, args.join(' '));
    }
  });
});

test('a folder given as a manifest or env file is said to be a folder, named by its path, never as ../..', async () => {
  await withProject({ 'moor.yaml': VALID, 'app/sub/.keep': '' }, async (dir) => {
    const cwd = path.join(dir, 'app', 'sub');
    const run = await runCli(['validate', '-f', dir], { cwd });
    assert.equal(run.stderr, `${dir}: the manifest is a folder, not a file\nmoor: the manifest is invalid: 1 error\n`);
    const env = await runCli(['validate', '-f', '../../moor.yaml', '--env-file', '..'], { cwd });
    assert.equal(env.stderr, `${path.join(dir, 'app')}: the env file is a folder, not a file\nmoor: the manifest is invalid: 1 error\n`);
  });
});

test('a manifest below a file says "no such file" in words, and the .env beside it is not looked for as a problem', async () => {
  await withProject({ 'moor.yaml': VALID }, async (dir) => {
    const run = await runCli(['validate', '-f', 'moor.yaml/x.yaml'], { cwd: dir });
    assert.equal(run.stderr, 'moor.yaml/x.yaml: cannot read the manifest: no such file (a part of the path is a file, not a folder)\nmoor: the manifest is invalid: 1 error\n');
  });
});
