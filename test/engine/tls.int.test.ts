// tcp:// with TLS against the real Engine, behind a TLS-terminating forwarder with openssl-made certificates.
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:tls';
import { after, before, test } from 'node:test';
import { EngineClient, isEngineError } from '../../src/engine/index.js';
import { createCa, issueCertificate, startTlsForwarder } from '../support/tls.js';

let dir = '';
let port = 0;
let server: Server | undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moor-tls-'));
  await createCa(join(dir, 'ca'), 'moor test CA');
  await createCa(join(dir, 'other-ca'), 'some other CA');
  await issueCertificate(join(dir, 'ca'), join(dir, 'server'), 'server-', { cn: 'moor-engine', san: 'IP:127.0.0.1,DNS:localhost' });
  await copyFile(join(dir, 'ca', 'ca.pem'), join(dir, 'server', 'ca.pem'));
  // the client's DOCKER_CERT_PATH: ca.pem, cert.pem, key.pem
  await issueCertificate(join(dir, 'ca'), join(dir, 'client'), '', { cn: 'moor-client', client: true });
  await copyFile(join(dir, 'ca', 'ca.pem'), join(dir, 'client', 'ca.pem'));
  // the same client pair, but trusting another CA
  await issueCertificate(join(dir, 'ca'), join(dir, 'wrong-ca'), '', { cn: 'moor-client', client: true });
  await copyFile(join(dir, 'other-ca', 'ca.pem'), join(dir, 'wrong-ca', 'ca.pem'));
  ({ port, server } = await startTlsForwarder(join(dir, 'server'), '/var/run/docker.sock'));
});

after(async () => {
  server?.close();
  await rm(dir, { recursive: true, force: true });
});

test('tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH reaches the Engine over TLS', async () => {
  const engine = await EngineClient.connect({ host: `tcp://127.0.0.1:${port}`, env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'client') } });
  try {
    assert.equal(engine.apiVersion, '1.41');
    assert.deepEqual(engine.warnings, []);
    assert.equal((await engine.system.ping()).osType, 'linux');
    assert.ok(Array.isArray(await engine.networks.list({ filters: { name: 'bridge' } })));
  } finally {
    await engine.close();
  }
});

test('DOCKER_HOST alone selects the TLS endpoint, and a key readable by others is warned about', async () => {
  await chmod(join(dir, 'client', 'key.pem'), 0o644);
  try {
    const engine = await EngineClient.connect({ env: { DOCKER_HOST: `tcp://localhost:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'client') } });
    assert.equal(engine.endpoint, `tcp://localhost:${port}`);
    assert.equal(engine.warnings.length, 1);
    assert.match(engine.warnings[0] ?? '', /key\.pem can be read by other users \(mode 644\)/);
    await engine.close();
  } finally {
    await chmod(join(dir, 'client', 'key.pem'), 0o600);
  }
});

test('a CA that did not sign the Engine certificate fails with a certificate error naming the endpoint', async () => {
  await assert.rejects(EngineClient.connect({ host: `tcp://127.0.0.1:${port}`, env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'wrong-ca') } }), (err: unknown) => {
    assert.ok(isEngineError(err, 'unreachable'));
    assert.match(err.message, new RegExp(`^Engine at tcp://127\\.0\\.0\\.1:${port}: GET /_ping failed: TLS handshake failed: .*certificate`));
    return true;
  });
});

test('a missing certificate file is named', async () => {
  await assert.rejects(EngineClient.connect({ host: `tcp://127.0.0.1:${port}`, env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'server') } }), (err: unknown) => {
    assert.ok(isEngineError(err, 'unreachable'));
    assert.match(err.message, /cannot read TLS file .*server\/cert\.pem \(ENOENT\)/);
    return true;
  });
});

test('plaintext tcp:// to the TLS port fails clearly, suggesting TLS', async () => {
  const started = Date.now();
  await assert.rejects(EngineClient.connect({ host: `tcp://127.0.0.1:${port}`, env: {} }), (err: unknown) => {
    assert.ok(isEngineError(err));
    assert.ok(err.kind === 'unreachable' || err.kind === 'protocol', err.kind);
    assert.match(err.message, new RegExp(`^Engine at tcp://127\\.0\\.0\\.1:${port}: GET /_ping failed`));
    assert.ok(err.hints.some((h) => h.includes('DOCKER_TLS_VERIFY')));
    return true;
  });
  assert.ok(Date.now() - started < 5000);
});
