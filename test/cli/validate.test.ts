import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, withProject } from '../manifest/helpers.js';

const VALID = 'project: shop\ncontainers:\n  web:\n    image: moor/busybox:latest\n';

test('moor validate reads moor.yaml from the working directory by default', async () => {
  await withProject({ 'moor.yaml': VALID }, async (dir) => {
    const run = await runCli(['validate'], { cwd: dir });
    assert.deepEqual(run, { code: 0, stdout: 'valid: project shop (1 container, 1 network)\n', stderr: '' });
  });
});

test('moor validate falls back to moor.yml, and says so when both exist', async () => {
  await withProject({ 'moor.yml': VALID }, async (dir) => {
    assert.equal((await runCli(['validate'], { cwd: dir })).code, 0);
  });
  await withProject({ 'moor.yaml': VALID, 'moor.yml': 'broken: [' }, async (dir) => {
    const run = await runCli(['validate'], { cwd: dir });
    assert.equal(run.code, 0);
    assert.equal(run.stderr, 'moor: warning: both moor.yaml and moor.yml exist: using moor.yaml\n');
  });
});

test('moor validate without a manifest is a usage error', async () => {
  await withProject({}, async (dir) => {
    const run = await runCli(['validate'], { cwd: dir });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^moor: error: no manifest in .* \(looked for moor\.yaml, moor\.yml, compose\.yaml, compose\.yml, docker-compose\.yml, docker-compose\.yaml\): name one with -f FILE\n$/);
  });
});

test('moor validate --json prints every issue, and exits 1 when invalid', async () => {
  await withProject({ 'moor.yaml': 'project: shop\ncontainers:\n  web:\n    imagee: x\n' }, async (dir) => {
    const run = await runCli(['validate', '--json'], { cwd: dir });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, '');
    assert.deepEqual(JSON.parse(run.stdout), {
      valid: false,
      source: { format: 'moor', files: ['moor.yaml'] },
      issues: [
        { severity: 'error', file: 'moor.yaml', line: 3, column: 3, path: 'containers.web', message: 'containers.web: missing required field "image"' },
        { severity: 'error', file: 'moor.yaml', line: 4, column: 5, path: 'containers.web.imagee', message: 'containers.web.imagee: unknown field (did you mean "image"?)' },
      ],
    });
  });
});

test('moor validate --json on a valid manifest lists its warnings and exits 0', async () => {
  await withProject({ 'moor.yaml': `${VALID}    volumes: ["/:/host"]\n` }, async (dir) => {
    const run = await runCli(['validate', '--json'], { cwd: dir });
    assert.equal(run.code, 0);
    const out = JSON.parse(run.stdout) as { valid: boolean; issues: { severity: string }[] };
    assert.equal(out.valid, true);
    assert.deepEqual(out.issues.map((i) => i.severity), ['warning']);
  });
});

test('warnings are printed but the exit status stays 0', async () => {
  await withProject({ 'moor.yaml': `${VALID}    volumes: ["/etc:/host-etc:ro"]\n` }, async (dir) => {
    const run = await runCli(['validate'], { cwd: dir });
    assert.equal(run.code, 0);
    assert.equal(run.stderr, "moor.yaml:5:15: warning: containers.web.volumes[0]: bind-mounts /etc: the host's /etc is a system directory\n");
  });
});

test('--env-file and --allow-external-files are passed to the loader', async () => {
  await withProject({ 'app/moor.yaml': 'project: shop\nsecrets:\n  s: {file: ../token.txt}\nservices:\n  api:\n    image: "${IMAGE}"\n    secrets: [s]\n', 'token.txt': 't', 'vars.env': 'IMAGE=x\n' }, async (dir) => {
    const run = await runCli(['validate', '-f', 'app/moor.yaml', '--env-file', 'vars.env', '--allow-external-files'], { cwd: dir });
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
  });
});

test('an unknown option is a usage error without a stack trace', async () => {
  const run = await runCli(['validate', '--frobnicate'], { cwd: '/' });
  assert.equal(run.code, 1);
  assert.equal(run.stderr, "moor: error: Unknown option '--frobnicate' (see moor validate --help)\n");
  assert.doesNotMatch(run.stderr, /\n\s+at /);
});

test('moor validate --help describes the options', async () => {
  const run = await runCli(['validate', '--help'], { cwd: '/' });
  assert.equal(run.code, 0);
  assert.match(run.stdout, /--allow-external-files/);
  assert.match(run.stdout, /--env-file FILE/);
  assert.match(run.stdout, /--json/);
});
