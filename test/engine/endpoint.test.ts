import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEngineError, parseEndpoint, isLoopback } from '../../src/engine/index.js';

test('without --host or DOCKER_HOST the endpoint is the default unix socket', () => {
  assert.deepEqual(parseEndpoint({}, {}), { kind: 'unix', url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock' });
});

test('--host wins over DOCKER_HOST, which wins over the default; an empty DOCKER_HOST counts as unset', () => {
  const env = { DOCKER_HOST: 'unix:///from/env.sock' };
  assert.equal(parseEndpoint({ host: 'unix:///from/flag.sock' }, env).url, 'unix:///from/flag.sock');
  assert.equal(parseEndpoint({}, env).url, 'unix:///from/env.sock');
  assert.equal(parseEndpoint({}, { DOCKER_HOST: '' }).url, 'unix:///var/run/docker.sock');
});

test('plaintext tcp:// to a loopback address is allowed, with the port defaulting to 2375', () => {
  assert.deepEqual(parseEndpoint({ host: 'tcp://127.0.0.1:2375' }, {}), { kind: 'tcp', url: 'tcp://127.0.0.1:2375', hostname: '127.0.0.1', port: 2375, tls: null });
  assert.equal((parseEndpoint({ host: 'tcp://localhost' }, {}) as { port: number }).port, 2375);
  assert.equal((parseEndpoint({ host: 'tcp://[::1]:2375' }, {}) as { hostname: string }).hostname, '::1');
});

test('plaintext tcp:// to another machine is refused unless explicitly allowed', () => {
  assert.throws(
    () => parseEndpoint({ host: 'tcp://10.0.0.5:2375' }, {}),
    (err: unknown) => isEngineError(err) && /refusing plaintext tcp:\/\/ to 10\.0\.0\.5/.test(err.message) && err.hints.some((h) => h.includes('--insecure-plaintext')),
  );
  assert.equal(parseEndpoint({ host: 'tcp://10.0.0.5:2375', allowInsecurePlaintext: true }, {}).kind, 'tcp');
});

test('DOCKER_TLS_VERIFY with any non-empty value turns TLS on ("0" too), port 2376 by default, certs from DOCKER_CERT_PATH or ~/.docker', () => {
  for (const value of ['1', '0', 'true', 'no']) {
    const endpoint = parseEndpoint({ host: 'tcp://docker.example.com' }, { DOCKER_TLS_VERIFY: value, DOCKER_CERT_PATH: '/certs' });
    assert.deepEqual(endpoint, { kind: 'tcp', url: 'tcp://docker.example.com', hostname: 'docker.example.com', port: 2376, tls: { certPath: '/certs', verify: true } });
  }
  const home = parseEndpoint({ host: 'tcp://10.0.0.5:2376' }, { DOCKER_TLS_VERIFY: '1', HOME: '/home/ann' });
  assert.deepEqual(home.kind === 'tcp' ? home.tls : null, { certPath: '/home/ann/.docker', verify: true });
  const unset = parseEndpoint({ host: 'tcp://127.0.0.1:2376' }, { DOCKER_TLS_VERIFY: '' });
  assert.equal(unset.kind === 'tcp' ? unset.tls : undefined, null, 'an empty DOCKER_TLS_VERIFY is unset');
});

test('DOCKER_TLS without verification is refused (moor never skips certificate checks)', () => {
  assert.throws(() => parseEndpoint({ host: 'tcp://127.0.0.1:2376' }, { DOCKER_TLS: '1' }), /DOCKER_TLS without DOCKER_TLS_VERIFY/);
});

test('ssh:// and other schemes are rejected with a message naming what is supported', () => {
  for (const host of ['ssh://me@remote', 'npipe:////./pipe/docker_engine', 'http://127.0.0.1:2375', 'fd://']) {
    assert.throws(
      () => parseEndpoint({ host }, {}),
      (err: unknown) => isEngineError(err, 'unreachable') && /supported endpoints are unix:\/\/\/path\/to\/docker\.sock and tcp:\/\/host:port/.test(err.message),
      host,
    );
  }
  assert.throws(() => parseEndpoint({ host: '/var/run/docker.sock' }, {}), /has no scheme/);
  assert.throws(() => parseEndpoint({ host: 'unix://relative.sock' }, {}), /must be absolute/);
  assert.throws(() => parseEndpoint({ host: 'tcp://127.0.0.1:2375/path' }, {}), /without a path/);
});

test('a refused address is shown without its user information: a password written in it is never printed', () => {
  const refused = (host: string): string => {
    try {
      parseEndpoint({ host }, {});
    } catch (err: unknown) {
      return (err as Error).message;
    }
    return assert.fail(`${host} was accepted`);
  };
  assert.equal(refused('tcp://me:hunter2@127.0.0.1:2375'), 'Engine at tcp://***@127.0.0.1:2375: the address must be tcp://host:port, without a path, query or user');
  assert.equal(refused('tcp://me:hunter2@127.0.0.1:x'), 'Engine at tcp://***@127.0.0.1:x: not a valid tcp://host:port address');
  assert.match(refused('ssh://me:hunter2@remote'), /^Engine at ssh:\/\/\*\*\*@remote: ssh:\/\/ endpoints are not supported/);
  assert.match(refused('https://token-hunter2@remote:2376'), /^Engine at https:\/\/\*\*\*@remote:2376: the scheme "https:\/\/" is not supported/);
});

test('loopback means 127.0.0.0/8, ::1 and localhost', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST', 'a.localhost']) assert.equal(isLoopback(host), true, host);
  for (const host of ['10.0.0.1', '128.0.0.1', 'example.com', '::2', 'localhost.example.com']) assert.equal(isLoopback(host), false, host);
});
