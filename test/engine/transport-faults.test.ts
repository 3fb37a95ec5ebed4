// Error shapes the real Engine cannot produce on demand, against an in-process server on a unix socket.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { EngineClient, isEngineError } from '../../src/engine/index.js';
import type { EngineClientOptions } from '../../src/engine/index.js';
import { decodeRegistryAuth } from '../../src/engine/auth.js';
import { sendEngineError, sendNotFound, startFakeEngine } from '../support/fake-engine.js';
import type { FakeEngine, FakeHandler } from '../support/fake-engine.js';

const fakes: FakeEngine[] = [];
after(async () => {
  await Promise.all(fakes.map((f) => f.close()));
});

async function connectFake(handler: FakeHandler, options: EngineClientOptions & { apiVersion?: string } = {}): Promise<{ engine: EngineClient; fake: FakeEngine }> {
  const fake = await startFakeEngine(handler, options.apiVersion === undefined ? {} : { apiVersion: options.apiVersion });
  fakes.push(fake);
  const engine = await EngineClient.connect({ env: {}, retryDelayMs: 1, ...options, host: fake.host });
  return { engine, fake };
}

test('an Engine older than API 1.41 is refused, naming the endpoint and both versions', async () => {
  const fake = await startFakeEngine((_req, res) => sendNotFound(res), { apiVersion: '1.40' });
  fakes.push(fake);
  await assert.rejects(EngineClient.connect({ env: {}, host: fake.host }), (err: unknown) => {
    assert.ok(isEngineError(err, 'version'));
    assert.match(err.message, new RegExp(`^Engine at ${fake.host.replace(/[/.]/g, '\\$&')}: GET /_ping failed \\(200\\): .*API 1\\.40.*1\\.41`));
    return true;
  });
});

test('a newer Engine is spoken to in API 1.41, pinned in every path', async () => {
  const { engine, fake } = await connectFake(
    (req, res) => {
      if (req.url?.startsWith('/v1.41/containers/json') === true) res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]');
      else sendNotFound(res);
    },
    { apiVersion: '1.47' },
  );
  assert.equal(engine.apiVersion, '1.41');
  assert.deepEqual(await engine.containers.list({ all: true, filters: { label: ['b=2', 'a=1'] } }), []);
  assert.equal(fake.requests.at(-1)?.url, '/v1.41/containers/json?all=true&filters=%7B%22label%22%3A%7B%22a%3D1%22%3Atrue%2C%22b%3D2%22%3Atrue%7D%7D');
  await engine.close();
});

test('the Engine\'s "client version is too old" answer becomes kind version', async () => {
  const { engine } = await connectFake((req, res) => {
    sendEngineError(res, 400, 'client version 1.41 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version');
  });
  await assert.rejects(engine.system.version(), (err: unknown) => isEngineError(err, 'version') && err.hints.length > 0);
  await engine.close();
});

test('an answer that never comes fails with kind timeout after the configured deadline', async () => {
  const { engine } = await connectFake(() => undefined, { timeoutMs: 300 });
  const started = Date.now();
  await assert.rejects(engine.system.info(), (err: unknown) => {
    assert.ok(isEngineError(err, 'timeout'));
    assert.match(err.message, /GET \/info failed: no complete answer within 300 ms/);
    return true;
  });
  assert.ok(Date.now() - started < 2000);
  await engine.close();
});

test('a garbage body fails with kind protocol; so does a body of the wrong shape', async () => {
  const { engine } = await connectFake((req, res) => {
    if (req.url === '/v1.41/info') res.writeHead(200, { 'Content-Type': 'application/json' }).end('<html>proxy error</html>');
    else if (req.url?.startsWith('/v1.41/containers/json') === true) res.writeHead(200, { 'Content-Type': 'application/json' }).end('[{"Names":[]}]');
    else sendNotFound(res);
  });
  await assert.rejects(engine.system.info(), (err: unknown) => isEngineError(err, 'protocol') && /expected JSON/.test(err.message));
  await assert.rejects(engine.containers.list(), (err: unknown) => isEngineError(err, 'protocol') && /container list\[0\]\.Id: expected a string/.test(err.message));
  await engine.close();
});

test('503 "not a swarm manager" becomes kind not-swarm-manager, with a hint', async () => {
  const { engine } = await connectFake((req, res) => {
    sendEngineError(res, 503, 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.');
  });
  await assert.rejects(engine.services.list(), (err: unknown) => isEngineError(err, 'not-swarm-manager') && err.hints.some((h) => h.includes('swarm init')));
  await engine.close();
});

test('a read is retried on 5xx (bounded), a write never is', async () => {
  const { engine, fake } = await connectFake(
    (req, res) => {
      sendEngineError(res, 500, 'transient');
    },
    { retries: 2 },
  );
  await assert.rejects(engine.system.info(), (err: unknown) => isEngineError(err, 'server'));
  assert.equal(fake.requests.filter((r) => r.url === '/v1.41/info').length, 3);
  await assert.rejects(engine.containers.start('abc'), (err: unknown) => isEngineError(err, 'server'));
  assert.equal(fake.requests.filter((r) => r.url === '/v1.41/containers/abc/start').length, 1);
  assert.deepEqual(engine.counters(), { requests: { GET: 4, POST: 1 }, errors: { GET: 3, POST: 1 } });
  await engine.close();
});

test('out of sequence is never retried, even for a read', async () => {
  const { engine, fake } = await connectFake((req, res) => {
    sendEngineError(res, 500, 'rpc error: code = Unknown desc = update out of sequence');
  });
  await assert.rejects(engine.swarm.inspect(), (err: unknown) => isEngineError(err, 'out-of-sequence'));
  assert.equal(fake.requests.filter((r) => r.url === '/v1.41/swarm').length, 1);
  await engine.close();
});

test('a read is retried when the connection is reset, and then succeeds', async () => {
  let resets = 0;
  const { engine } = await connectFake((req, res) => {
    if (resets++ === 0) req.socket.destroy();
    else res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Version: '99.0', ApiVersion: '1.41' }));
  });
  assert.equal((await engine.system.version()).Version, '99.0');
  assert.equal(resets, 2);
  await engine.close();
});

test('a pull error inside the 200 stream becomes an EngineError; X-Registry-Auth is sent base64url-encoded', async () => {
  const auth = { username: 'moor', password: 'p@ss/word+?', serveraddress: 'localhost:5000' };
  const { engine, fake } = await connectFake((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"status":"Pulling from moor/missing","id":"latest"}\r\n');
    res.end('{"errorDetail":{"message":"manifest for localhost:5000/moor/missing:latest not found: manifest unknown"},"error":"manifest unknown"}\r\n');
  });
  const progress: unknown[] = [];
  await assert.rejects(engine.images.pull('localhost:5000/moor/missing', { auth, onProgress: (p) => progress.push(p) }), (err: unknown) => {
    assert.ok(isEngineError(err, 'not-found'));
    assert.equal(err.status, 200);
    assert.match(err.message, /POST \/images\/create failed \(200\): pull localhost:5000\/moor\/missing: manifest for/);
    assert.doesNotMatch(`${err.message}${JSON.stringify(err)}`, /p@ss|X-Registry-Auth/i);
    return true;
  });
  assert.equal(progress.length, 1);
  const request = fake.requests.at(-1);
  assert.equal(request?.url, '/v1.41/images/create?fromImage=localhost%3A5000%2Fmoor%2Fmissing&tag=latest');
  const header = request?.headers['x-registry-auth'];
  assert.equal(typeof header, 'string');
  assert.match(header as string, /^[A-Za-z0-9_-]+=*$/);
  assert.deepEqual(decodeRegistryAuth(header as string), auth);
  await engine.close();
});

test('a log stream that ends inside a frame fails with kind protocol', async () => {
  const { engine } = await connectFake((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
    const frame = Buffer.from([1, 0, 0, 0, 0, 0, 0, 10, 0x68, 0x69]);
    res.end(frame);
  });
  const stream = await engine.containers.logs('c1', { tty: false });
  await assert.rejects(
    (async () => {
      for await (const _ of stream) void _;
    })(),
    (err: unknown) => isEngineError(err, 'protocol') && /ended inside one/.test(err.message),
  );
  await engine.close();
});

test('a socket that does not exist fails fast with kind unreachable', async () => {
  const started = Date.now();
  await assert.rejects(EngineClient.connect({ env: {}, host: 'unix:///nonexistent/moor/docker.sock' }), (err: unknown) => {
    assert.ok(isEngineError(err, 'unreachable'));
    assert.match(err.message, /^Engine at unix:\/\/\/nonexistent\/moor\/docker\.sock: GET \/_ping failed: cannot connect: the socket does not exist \(ENOENT\)/);
    return true;
  });
  assert.ok(Date.now() - started < 3000);
});

test('a TCP port nothing listens on fails fast with kind unreachable', async () => {
  const started = Date.now();
  await assert.rejects(EngineClient.connect({ env: {}, host: 'tcp://127.0.0.1:9' }), (err: unknown) => {
    assert.ok(isEngineError(err, 'unreachable'));
    assert.match(err.message, /connection refused \(ECONNREFUSED\)/);
    return true;
  });
  assert.ok(Date.now() - started < 3000);
});

test('options are checked when given, naming the field and the value', async () => {
  await assert.rejects(EngineClient.connect({ env: {}, timeoutMs: 0 }), /timeoutMs must be an integer >= 1, got 0/);
  await assert.rejects(EngineClient.connect({ env: {}, retries: -1 }), /retries must be an integer >= 0, got -1/);
});
