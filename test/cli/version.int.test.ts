import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runMoor as runCli } from '../support/cli.js';
import { MOOR_VERSION } from '../../src/version.js';

const runMoor = (args: string[], env: Record<string, string> = {}) => runCli(args, { env });

test('moor version prints its version, the Engine version, the negotiated API version and the endpoint', async () => {
  const { code, stdout, stderr } = await runMoor(['version']);
  assert.equal(stderr, '');
  assert.equal(code, 0);
  assert.match(stdout, new RegExp(`^moor ${MOOR_VERSION.replace(/\./g, '\\.')}\\nEngine \\S+ \\(API 1\\.41; the Engine speaks up to 1\\.\\d+\\) at unix:///var/run/docker\\.sock\\n$`));
});

test('--debug logs every Engine request to stderr: method, path, status and time, never a body', async () => {
  const { code, stdout, stderr } = await runMoor(['version', '--debug']);
  assert.equal(code, 0);
  assert.match(stdout, /^moor /);
  const lines = stderr.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^moor: debug: GET \/_ping 200 \d+ms$/);
  assert.ok(lines.every((line) => /^moor: debug: (GET|HEAD) \/\S+ \d{3} \d+ms$/.test(line)), stderr);
  assert.ok(lines.length >= 2, stderr);
});

test('moor version follows DOCKER_HOST from the environment, and --host wins over it', async () => {
  const fromEnv = await runMoor(['version'], { DOCKER_HOST: 'unix:///var/run/docker.sock' });
  assert.equal(fromEnv.code, 0);
  const overridden = await runMoor(['version', '-H', 'unix:///var/run/docker.sock'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  assert.equal(overridden.code, 0);
});

test('with no Engine answering, moor version still prints its own version, says unreachable, and exits 1', async () => {
  const { code, stdout, stderr } = await runMoor(['version', '--host', 'unix:///nonexistent/moor.sock']);
  assert.equal(code, 1);
  assert.equal(stdout, `moor ${MOOR_VERSION}\n`);
  assert.match(stderr, /^moor: error: Engine at unix:\/\/\/nonexistent\/moor\.sock: GET \/_ping failed: cannot connect: the socket does not exist \(ENOENT\)\n {2}Is the Engine running/);
  assert.doesNotMatch(stderr, /internal error|at .*\.ts:\d+/);
});

test('plaintext tcp:// to another machine is refused unless --insecure-plaintext is given', async () => {
  const refused = await runMoor(['version', '-H', 'tcp://192.0.2.1:2375']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refusing plaintext tcp:\/\/ to 192\.0\.2\.1/);
  assert.match(refused.stderr, /--insecure-plaintext/);
  const ssh = await runMoor(['version', '-H', 'ssh://me@host']);
  assert.equal(ssh.code, 1);
  assert.match(ssh.stderr, /ssh:\/\/ endpoints are not supported; supported endpoints are unix:\/\/\/path\/to\/docker\.sock and tcp:\/\/host:port/);
});

test('moor version --help names the Engine options', async () => {
  const { code, stdout } = await runMoor(['version', '--help']);
  assert.equal(code, 0);
  assert.match(stdout, /-H, --host URL/);
  assert.match(stdout, /--insecure-plaintext/);
});
