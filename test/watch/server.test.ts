import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger } from '../../src/watch/log.js';
import { parseListen, startStatusServer } from '../../src/watch/server.js';
import { WatchStatus } from '../../src/watch/status.js';

describe('the status endpoints', () => {
  test('--listen takes HOST:PORT and nothing vaguer', () => {
    assert.deepEqual(parseListen('127.0.0.1:9090'), { host: '127.0.0.1', port: 9090 });
    assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListen('localhost:80'), { host: 'localhost', port: 80 });
    for (const bad of [':9090', '9090', '127.0.0.1', '127.0.0.1:99999', 'a:b']) assert.throws(() => parseListen(bad), /--listen: expected HOST:PORT/, bad);
  });

  test('GET /healthz, GET /metrics and POST /sync answer; other paths and methods do not', async () => {
    const status = new WatchStatus({ unhealthyAfter: 1 });
    let syncs = 0;
    const server = await startStatusServer({ host: '127.0.0.1', port: 0 }, { health: () => status.health(), metrics: () => status.registry.render(), sync: () => syncs++ });
    const base = `http://${server.address}`;
    try {
      const health = await fetch(`${base}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status: string }).status, 'ok');
      status.setEngineReachable(false);
      const sick = await fetch(`${base}/healthz`);
      assert.equal(sick.status, 503);
      assert.deepEqual(((await sick.json()) as { reasons: string[] }).reasons, ['the Engine is unreachable']);
      const metrics = await fetch(`${base}/metrics`);
      assert.equal(metrics.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      assert.match(await metrics.text(), /^moor_engine_up 0$/m);
      assert.equal((await fetch(`${base}/sync`, { method: 'POST' })).status, 202);
      assert.equal(syncs, 1);
      assert.equal((await fetch(`${base}/sync`)).status, 405);
      assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
      assert.equal((await fetch(`${base}/`)).status, 404);
    } finally {
      await server.close();
    }
  });

  test('a port in use is a clear error', async () => {
    const first = await startStatusServer({ host: '127.0.0.1', port: 0 }, { health: () => new WatchStatus({ unhealthyAfter: 1 }).health(), metrics: () => '', sync: () => undefined });
    try {
      const port = Number(first.address.split(':').at(-1));
      await assert.rejects(startStatusServer({ host: '127.0.0.1', port }, { health: () => new WatchStatus({ unhealthyAfter: 1 }).health(), metrics: () => '', sync: () => undefined }), /--listen 127\.0\.0\.1:\d+: cannot listen: .*EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});

describe('the log', () => {
  test('json: one object per line with time, level, msg and the fields', () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'json', write: (l) => lines.push(l), now: () => 0 });
    log.log('info', 'cycle', { result: 'ok', trigger: ['event container/web destroy'], skipped: undefined });
    log.log('debug', 'hidden');
    assert.deepEqual(lines, ['{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"cycle","result":"ok","trigger":["event container/web destroy"]}\n']);
  });

  test('text: logfmt-like, quoting what needs it', () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'text', write: (l) => lines.push(l), now: () => 0, debug: true });
    log.log('warn', 'cycle', { result: 'invalid_manifest', issues: ['moor.yaml:3:5: bad'], note: 'the last good manifest stays in force', n: 2 });
    assert.deepEqual(lines, ['1970-01-01T00:00:00.000Z warn  cycle result=invalid_manifest issues=["moor.yaml:3:5: bad"] note="the last good manifest stays in force" n=2\n']);
  });
});
