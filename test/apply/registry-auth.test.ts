import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  credentialsFromHelper,
  credentialSourceFor,
  DOCKER_HUB_SERVER_URL,
  parseHelperAnswer,
  readDockerConfig,
  registryOf,
  type HelperRun,
} from '../../src/apply/docker-config.js';
import { dockerConfigRegistryAuth, imagesNeedingCredentials, runCredentialHelper, type CredentialHelperRunner } from '../../src/apply/registry-auth.js';
import type { Step } from '../../src/plan/steps.js';
import { containerSpec, serviceSpec } from '../support/model.js';

const configDir = (config: unknown): string => {
  const dir = mkdtempSync(join(tmpdir(), 'moor-dockercfg-'));
  writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
};

const NOT_FOUND = 'credentials not found in native keychain\n';
const answer = (username: string, secret: string, serverUrl = 'x'): HelperRun => ({ outcome: 'exited', code: 0, stdout: JSON.stringify({ ServerURL: serverUrl, Username: username, Secret: secret }), stderr: '' });

/** A runner that records its calls and answers from `answers` (by server URL), or "not found". */
function fakeRunner(answers: Readonly<Record<string, HelperRun>>): { run: CredentialHelperRunner; calls: string[] } {
  const calls: string[] = [];
  const run: CredentialHelperRunner = async (program, serverUrl) => {
    calls.push(`${program} ${serverUrl}`);
    await new Promise((resolve) => setImmediate(resolve));
    return answers[serverUrl] ?? { outcome: 'exited', code: 1, stdout: NOT_FOUND, stderr: '' };
  };
  return { run, calls };
}

describe('registry credentials: the Docker config', () => {
  test('an image names its registry by a first path part that looks like a host, else Docker Hub', () => {
    assert.equal(registryOf('busybox'), 'docker.io');
    assert.equal(registryOf('library/busybox:1'), 'docker.io');
    assert.equal(registryOf('ghcr.io/org/app:1'), 'ghcr.io');
    assert.equal(registryOf('127.0.0.1:5000/app'), '127.0.0.1:5000');
    assert.equal(registryOf('localhost/app'), 'localhost');
  });

  test('auths entries give username and password, or an identity token, per registry', () => {
    const config = readDockerConfig({ auths: {
      '127.0.0.1:5000': { auth: Buffer.from('alice:s3cr:et').toString('base64') },
      'https://index.docker.io/v1/': { auth: Buffer.from('bob:hub').toString('base64') },
      'ghcr.io': { identitytoken: 'tok' },
      'quay.io': {},
    } });
    assert.deepEqual(credentialSourceFor(config, '127.0.0.1:5000'), { kind: 'auths', auth: { username: 'alice', password: 's3cr:et', serveraddress: '127.0.0.1:5000' } });
    assert.deepEqual(credentialSourceFor(config, 'docker.io'), { kind: 'auths', auth: { username: 'bob', password: 'hub', serveraddress: 'https://index.docker.io/v1/' } });
    assert.deepEqual(credentialSourceFor(config, 'ghcr.io'), { kind: 'auths', auth: { identitytoken: 'tok', serveraddress: 'ghcr.io' } });
    assert.deepEqual(credentialSourceFor(config, 'quay.io'), { kind: 'none' });
  });

  test('credHelpers[registry] wins over credsStore, which wins over the auths entry', () => {
    const config = readDockerConfig({
      credsStore: 'desktop',
      credHelpers: { 'registry.example.com:5000': 'pass', 'https://index.docker.io/v1/': 'hubhelper', 'gcr.io': '' },
      auths: { 'ghcr.io': { auth: Buffer.from('a:b').toString('base64') } },
    });
    assert.deepEqual(credentialSourceFor(config, 'registry.example.com:5000'), { kind: 'helper', helper: 'pass', serverUrl: 'registry.example.com:5000' });
    assert.deepEqual(credentialSourceFor(config, 'docker.io'), { kind: 'helper', helper: 'hubhelper', serverUrl: DOCKER_HUB_SERVER_URL });
    assert.deepEqual(credentialSourceFor(config, 'ghcr.io'), { kind: 'helper', helper: 'desktop', serverUrl: 'ghcr.io' }, 'credsStore, not the auths entry');
    assert.deepEqual(credentialSourceFor(config, 'gcr.io'), { kind: 'helper', helper: 'desktop', serverUrl: 'gcr.io' }, 'an empty helper name is no entry');
    const onlyHelpers = readDockerConfig({ credHelpers: { 'ecr.example': 'ecr-login' }, auths: { 'ghcr.io': { identitytoken: 't' } } });
    assert.deepEqual(credentialSourceFor(onlyHelpers, 'ghcr.io'), { kind: 'auths', auth: { identitytoken: 't', serveraddress: 'ghcr.io' } });
    assert.deepEqual(credentialSourceFor(onlyHelpers, 'docker.io'), { kind: 'none' });
  });

  test('a config of the wrong shape gives no credentials instead of failing', () => {
    for (const parsed of [null, [], 'x', { auths: [], credHelpers: 'pass', credsStore: 3 }, { auths: { 'a.io': 'nope' } }]) {
      const config = readDockerConfig(parsed);
      assert.deepEqual(credentialSourceFor(config, 'a.io'), { kind: 'none' }, JSON.stringify(parsed));
    }
  });
});

describe('registry credentials: a helper\'s answer', () => {
  test('Username and Secret are a username and password for the server URL asked for', () => {
    assert.deepEqual(parseHelperAnswer('{"ServerURL":"other","Username":"u","Secret":"p"}', 'reg.io'), { ok: true, auth: { username: 'u', password: 'p', serveraddress: 'reg.io' } });
  });

  test('the Username <token> makes the Secret an identity token', () => {
    assert.deepEqual(parseHelperAnswer('{"ServerURL":"reg.io","Username":"<token>","Secret":"tok"}', 'reg.io'), { ok: true, auth: { identitytoken: 'tok', serveraddress: 'reg.io' } });
  });

  test('an empty Secret is no credentials; not JSON, or no Username and Secret, is a problem that quotes nothing', () => {
    assert.deepEqual(parseHelperAnswer('{"Username":"","Secret":""}', 'reg.io'), { ok: true, auth: undefined });
    const bad = parseHelperAnswer('hunter2 {', 'reg.io');
    assert.equal(bad.ok, false);
    assert.ok(!JSON.stringify(bad).includes('hunter2'));
    assert.deepEqual(parseHelperAnswer('{"Username":"u","Password":"hunter2"}', 'reg.io'), { ok: false, problem: 'answered without a Username and a Secret' });
  });

  test('"credentials not found in native keychain" means anonymous, silently', () => {
    assert.deepEqual(credentialsFromHelper({ outcome: 'exited', code: 1, stdout: NOT_FOUND, stderr: '' }, 'pass', 'reg.io', 'reg.io'), { auth: undefined, note: null });
    assert.deepEqual(credentialsFromHelper({ outcome: 'exited', code: 1, stdout: '', stderr: NOT_FOUND }, 'pass', 'reg.io', 'reg.io'), { auth: undefined, note: null });
  });

  test('any other failure is a note naming the helper and the registry, never the helper\'s output', () => {
    const cases: [HelperRun, RegExp][] = [
      [{ outcome: 'exited', code: 2, stdout: 'leaked hunter2', stderr: 'hunter2 again' }, /failed \(exit status 2\)/],
      [{ outcome: 'exited', code: 0, stdout: '{"Username":"u","Secret":"hunter2"', stderr: '' }, /not JSON/],
      [{ outcome: 'missing' }, /was not found on PATH/],
      [{ outcome: 'timeout', afterMs: 30_000 }, /did not answer within 30s/],
      [{ outcome: 'failed', reason: 'killed by SIGKILL' }, /failed \(killed by SIGKILL\)/],
    ];
    for (const [run, why] of cases) {
      const { auth, note } = credentialsFromHelper(run, 'pass', 'reg.io:5000', 'reg.io:5000');
      assert.equal(auth, undefined);
      assert.match(note ?? '', why);
      assert.match(note ?? '', /^credential helper docker-credential-pass .* for registry reg\.io:5000: using no credentials for reg\.io:5000$/);
      assert.ok(!(note ?? '').includes('hunter2'), note ?? '');
    }
  });

  test('a helper that answers gives its credentials and no note', () => {
    assert.deepEqual(credentialsFromHelper(answer('u', 'p'), 'pass', 'reg.io', 'reg.io'), { auth: { username: 'u', password: 'p', serveraddress: 'reg.io' }, note: null });
  });
});

describe('registry credentials: preparing them for a plan', () => {
  const base = { after: [] } as const;
  test('the images needing credentials are those pulled and those of services created or updated', () => {
    const steps: Step[] = [
      { ...base, key: 'a', object: 'container/web', op: 'image.pull', image: 'reg.io/web:1' },
      { ...base, key: 'b', object: 'container/web', op: 'container.create', name: 'web', engineName: 'p_web', spec: containerSpec('web', { image: 'other.io/web:1' }), replaces: null },
      { ...base, key: 'c', object: 'service/api', op: 'service.create', engineName: 'p_api', spec: serviceSpec('api', { image: 'ghcr.io/api:2' }) },
      { ...base, key: 'd', object: 'service/job', op: 'service.update', engineName: 'p_job', id: 'x', version: 1, spec: serviceSpec('job', { image: 'reg.io/web:1' }) },
      { ...base, key: 'e', object: 'service/old', op: 'service.remove', engineName: 'p_old', id: 'y' },
    ];
    assert.deepEqual(imagesNeedingCredentials(steps), ['ghcr.io/api:2', 'reg.io/web:1']);
  });

  test('helpers are asked only for the registries needed, once each, all at once', async () => {
    const dir = configDir({ credsStore: 'store', credHelpers: { 'b.io': 'other' }, auths: { 'c.io': { auth: Buffer.from('c:pw').toString('base64') } } });
    let running = 0;
    let most = 0;
    const calls: string[] = [];
    const source = dockerConfigRegistryAuth({ DOCKER_CONFIG: dir }, {
      runHelper: async (program, serverUrl) => {
        calls.push(`${program} ${serverUrl}`);
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        return answer(`user-${serverUrl}`, 'pw');
      },
    });
    const first = await source.prepare(['a.io/x:1', 'a.io/y:1', 'b.io/z', 'busybox']);
    assert.deepEqual(calls.sort(), ['docker-credential-other b.io', `docker-credential-store ${DOCKER_HUB_SERVER_URL}`, 'docker-credential-store a.io'].sort());
    assert.equal(most, 3, 'the helpers ran concurrently');
    assert.deepEqual(first.notes, []);
    assert.deepEqual(first.lookup('a.io/y:1'), { username: 'user-a.io', password: 'pw', serveraddress: 'a.io' });
    assert.deepEqual(first.lookup('nginx'), { username: `user-${DOCKER_HUB_SERVER_URL}`, password: 'pw', serveraddress: DOCKER_HUB_SERVER_URL });
    assert.equal(first.lookup('d.io/never-prepared'), undefined);
    const second = await source.prepare(['a.io/x:2', 'c.io/w']);
    assert.deepEqual(calls.slice(3), ['docker-credential-store c.io'], 'a.io was not asked again; c.io goes to credsStore, not its auths entry');
    assert.deepEqual(second.lookup('c.io/w'), { username: 'user-c.io', password: 'pw', serveraddress: 'c.io' });
    assert.deepEqual(second.lookup('b.io/z'), { username: 'user-b.io', password: 'pw', serveraddress: 'b.io' });
  });

  test('the auths entry is used without a helper when the config names none for the registry', async () => {
    const { run, calls } = fakeRunner({});
    const dir = configDir({ credHelpers: { 'b.io': 'other' }, auths: { 'c.io': { auth: Buffer.from('c:pw').toString('base64') } } });
    const { lookup, notes } = await dockerConfigRegistryAuth({ DOCKER_CONFIG: dir }, { runHelper: run }).prepare(['c.io/w', 'b.io/z']);
    assert.deepEqual(calls, ['docker-credential-other b.io']);
    assert.deepEqual(lookup('c.io/w'), { username: 'c', password: 'pw', serveraddress: 'c.io' });
    assert.equal(lookup('b.io/z'), undefined, 'the helper had nothing: anonymous');
    assert.deepEqual(notes, [], 'and said so silently');
  });

  test('a failing helper is a note, said once per source, and that registry has no credentials', async () => {
    const { run } = fakeRunner({ 'a.io': { outcome: 'exited', code: 1, stdout: 'secret-ish output', stderr: '' } });
    const source = dockerConfigRegistryAuth({ DOCKER_CONFIG: configDir({ credsStore: 'store' }) }, { runHelper: run });
    const first = await source.prepare(['a.io/x']);
    assert.deepEqual(first.notes, ['credential helper docker-credential-store failed (exit status 1) for registry a.io: using no credentials for a.io']);
    assert.equal(first.lookup('a.io/x'), undefined);
    assert.deepEqual((await source.prepare(['a.io/x'])).notes, []);
  });

  test('the trace (for --debug) says, per registry resolved, where its credentials came from, never what they are', async () => {
    const { run } = fakeRunner({ 'a.io': answer('user-a', 'hunter2'), 'd.io': { outcome: 'exited', code: 1, stdout: 'hunter2 oops', stderr: '' } });
    const dir = configDir({ credHelpers: { 'a.io': 'store', 'b.io': 'store', 'd.io': 'store' }, auths: { 'c.io': { auth: Buffer.from('c:hunter2').toString('base64') } } });
    const source = dockerConfigRegistryAuth({ DOCKER_CONFIG: dir }, { runHelper: run });
    const first = await source.prepare(['a.io/x', 'b.io/y', 'c.io/z', 'd.io/w', 'e.io/v']);
    const config = join(dir, 'config.json');
    assert.deepEqual(
      first.trace.map((line) => line.replace(/\(\d+ ms\)$/, '(N ms)')),
      [
        'registry a.io: docker-credential-store get: credentials found (N ms)',
        'registry b.io: docker-credential-store get: none for it (N ms)',
        `registry c.io: credentials from the auths of ${config}`,
        'registry d.io: docker-credential-store get: failed (N ms)',
        `registry e.io: no credentials in ${config}`,
      ],
    );
    assert.deepEqual((await source.prepare(['a.io/x'])).trace, [], 'a registry resolved before is not traced again');
  });

  test('a stop while helpers run gives no note, and keeps nothing: the next prepare asks again', async () => {
    const controller = new AbortController();
    const { run, calls } = fakeRunner({ 'a.io': answer('u', 'p') });
    const source = dockerConfigRegistryAuth({ DOCKER_CONFIG: configDir({ credsStore: 'store' }) }, {
      runHelper: async (program, serverUrl, options) => {
        controller.abort();
        return run(program, serverUrl, options);
      },
    });
    const stopped = await source.prepare(['a.io/x'], controller.signal);
    assert.deepEqual(stopped.notes, []);
    assert.equal(stopped.lookup('a.io/x'), undefined);
    const again = await source.prepare(['a.io/x']);
    assert.deepEqual(again.lookup('a.io/x'), { username: 'u', password: 'p', serveraddress: 'a.io' });
    assert.equal(calls.length, 2);
  });

  test('no image needs credentials: the config is not read and no helper runs', async () => {
    const { run, calls } = fakeRunner({});
    const { notes } = await dockerConfigRegistryAuth({ DOCKER_CONFIG: configDir('not json') }, { runHelper: run }).prepare([]);
    assert.deepEqual(notes, []);
    assert.deepEqual(calls, []);
  });

  test('a missing config is no credentials; an unreadable one is a note that quotes none of it', async () => {
    const missing = await dockerConfigRegistryAuth({ DOCKER_CONFIG: join(tmpdir(), 'does-not-exist-moor') }).prepare(['a.io/x']);
    assert.deepEqual(missing.notes, []);
    assert.equal(missing.lookup('a.io/x'), undefined);
    const broken = await dockerConfigRegistryAuth({ DOCKER_CONFIG: configDir('{"auths": {"a.io": {"auth": "hunter2"') }).prepare(['a.io/x']);
    assert.equal(broken.notes.length, 1);
    assert.match(broken.notes[0] ?? '', /config\.json could not be read \(not JSON\): using no registry credentials$/);
    assert.ok(!(broken.notes[0] ?? '').includes('hunter2'));
  });
});

describe('registry credentials: running a real helper program', () => {
  const helperDir = (script: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-credhelper-'));
    const file = join(dir, 'docker-credential-t');
    writeFileSync(file, `#!/bin/sh\n${script}\n`);
    chmodSync(file, 0o755);
    return dir;
  };
  const env = (dir: string) => ({ PATH: `${dir}:${process.env.PATH ?? ''}` });

  test('it is run with "get", the server URL on stdin, from PATH, and its stdout is read', async () => {
    const dir = helperDir('[ "$1" = get ] || exit 9\nread -r url || true\nprintf \'{"ServerURL":"%s","Username":"u","Secret":"p"}\' "$url"');
    const run = await runCredentialHelper('docker-credential-t', 'reg.io:5000', { env: env(dir), timeoutMs: 10_000 });
    assert.deepEqual(run, { outcome: 'exited', code: 0, stdout: '{"ServerURL":"reg.io:5000","Username":"u","Secret":"p"}', stderr: '' });
  });

  test('a helper with nothing exits 1 with the not-found message', async () => {
    const dir = helperDir(`echo 'credentials not found in native keychain'\nexit 1`);
    const run = await runCredentialHelper('docker-credential-t', 'reg.io', { env: env(dir), timeoutMs: 10_000 });
    assert.deepEqual(credentialsFromHelper(run, 't', 'reg.io', 'reg.io'), { auth: undefined, note: null });
  });

  test('a program not on PATH is "missing"', async () => {
    assert.deepEqual(await runCredentialHelper('docker-credential-moor-none', 'reg.io', { env: { PATH: tmpdir() }, timeoutMs: 10_000 }), { outcome: 'missing' });
  });

  test('a helper that hangs is stopped at the timeout, even when a child of it holds its output open', async () => {
    const dir = helperDir('sleep 10 &\nsleep 10');
    const started = Date.now();
    const run = await runCredentialHelper('docker-credential-t', 'reg.io', { env: env(dir), timeoutMs: 300 });
    assert.deepEqual(run, { outcome: 'timeout', afterMs: 300 });
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started}ms`);
  });

  test('an abort stops a helper at once', async () => {
    const dir = helperDir('sleep 10');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const run = await runCredentialHelper('docker-credential-t', 'reg.io', { env: env(dir), timeoutMs: 10_000, signal: controller.signal });
    assert.deepEqual(run, { outcome: 'failed', reason: 'cancelled' });
  });
});
