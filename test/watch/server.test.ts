import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { createLogger } from '../../src/watch/log.js';
import { authorizeSync, parseListen, startStatusServer } from '../../src/watch/server.js';
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

  test('with a sync secret, POST /sync takes a signed webhook, a GitLab token or a bearer token, and answers 401 to anything else', async () => {
    const secret = 'It5-a-s3cret of the watcher';
    let syncs = 0;
    const refused: string[] = [];
    const server = await startStatusServer(
      { host: '127.0.0.1', port: 0 },
      { health: () => new WatchStatus({ unhealthyAfter: 1 }).health(), metrics: () => 'm\n', sync: () => syncs++ },
      { syncSecret: Buffer.from(secret), onSyncRefused: (reason, from) => refused.push(`${from}: ${reason}`), maxSyncBodyBytes: 64 * 1024 },
    );
    const sync = async (headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> => {
      const res = await fetch(`http://${server.address}/sync`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
      return { status: res.status, text: await res.text() };
    };
    const sign = (body: string, key = secret): string => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
    const push = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40), commits: [{ message: 'x'.repeat(20_000) }] });
    try {
      const answers = [
        await sync({}),
        await sync({ 'x-hub-signature-256': sign(push, 'another secret') }, push),
        await sync({ 'x-hub-signature-256': sign(`${push} `) }, push),
        await sync({ 'x-hub-signature-256': 'sha1=0123' }, push),
        await sync({ 'x-gitlab-token': `${secret}x` }),
        await sync({ authorization: `Bearer ${secret.slice(0, -1)}` }),
        await sync({ authorization: `Basic ${Buffer.from(`moor:${secret}`).toString('base64')}` }),
      ];
      assert.deepEqual(answers.map((a) => a.status), [401, 401, 401, 401, 401, 401, 401]);
      assert.equal(syncs, 0, 'no refused request starts a cycle');
      assert.deepEqual(refused.map((r) => r.replace(/^[^ ]+: /, '')), [
        'no credentials: expected X-Hub-Signature-256, X-Gitlab-Token or Authorization: Bearer',
        'X-Hub-Signature-256 does not match the body signed with the sync secret',
        'X-Hub-Signature-256 does not match the body signed with the sync secret',
        'X-Hub-Signature-256 is not sha256= and 64 hex digits',
        'X-Gitlab-Token is not the sync secret',
        'the bearer token is not the sync secret',
        'Authorization is not "Bearer SECRET"',
      ]);
      assert.match(refused[0] as string, /^(::ffff:)?127\.0\.0\.1: /, 'the refusal names where it came from');
      assert.deepEqual(JSON.parse(answers[0]?.text ?? ''), { status: 'unauthorized', reason: refused[0]?.replace(/^[^ ]+: /, '') });

      assert.equal((await sync({ 'x-hub-signature-256': sign(push), 'x-github-event': 'push' }, push)).status, 202);
      assert.equal((await sync({ 'x-gitlab-token': secret })).status, 202);
      assert.equal((await sync({ authorization: `bearer ${secret}` })).status, 202);
      assert.equal(syncs, 3);

      // A body over the bound is refused without being read to its end.
      const huge = 'x'.repeat(200 * 1024);
      const tooLarge = await sync({ 'x-hub-signature-256': sign(huge) }, huge).catch((err: unknown) => ({ status: 0, text: String(err) }));
      assert.ok(tooLarge.status === 413 || tooLarge.status === 0, `413 or the connection closed, got ${tooLarge.status}`);
      assert.equal(syncs, 3);
      // The other endpoints stay open, and no answer ever carries the secret.
      assert.equal((await fetch(`http://${server.address}/metrics`)).status, 200);
      for (const a of answers) assert.ok(!a.text.includes(secret));
    } finally {
      await server.close();
    }
  });

  test('authorizeSync: the first credential present decides, compared in constant time', () => {
    const secret = Buffer.from('s');
    const mac = createHmac('sha256', secret).update('body').digest();
    const signature = `sha256=${mac.toString('hex').toUpperCase()}`;
    assert.deepEqual(authorizeSync({ 'x-hub-signature-256': signature }, mac, secret), { ok: true, proof: 'signature' });
    // A right token beside a wrong signature does not make it good: the signature decides.
    assert.equal(authorizeSync({ 'x-hub-signature-256': signature, 'x-gitlab-token': 's' }, Buffer.alloc(32), secret).ok, false);
    assert.deepEqual(authorizeSync({ 'x-gitlab-token': 's', authorization: 'Bearer no' }, null, secret), { ok: true, proof: 'gitlab-token' });
    assert.deepEqual(authorizeSync({ authorization: 'Bearer s' }, null, secret), { ok: true, proof: 'bearer' });
    assert.equal(authorizeSync({ 'x-hub-signature-256': signature }, null, secret).ok, false, 'a signature without a body MAC is not checked as good');
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
