// The fault proxy itself, in front of the real Engine: each rule does what the trust tests rely on,
// seen through moor's Engine client (so these are also the client's answers to each fault).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EngineClient, isEngineError } from '../../src/engine/index.js';
import { call, compilePathPattern, cut, delay, goDown, hold, reset, respond, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { TEST_IMAGE, createRunId, removeByLabel, connectTestEngine } from '../support/engine.js';

let proxy: FaultProxy;
let engine: EngineClient;
const runId = createRunId();
const labels = { 'io.moor.test': runId };

before(async () => {
  proxy = await startFaultProxy();
  engine = await EngineClient.connect({ env: {}, host: proxy.host, retryDelayMs: 1, timeoutMs: 2000 });
});
after(async () => {
  // (either may be missing when the before hook failed, e.g. the Engine was restarting)
  await (engine as EngineClient | undefined)?.close();
  await (proxy as FaultProxy | undefined)?.close();
  const direct = await connectTestEngine();
  await removeByLabel(direct, runId);
  await direct.close();
});

const name = (suffix: string): string => `moor-${runId}-${suffix}`;

describe('the fault proxy', () => {
  test('path patterns: * is one segment, ** any rest', () => {
    assert.ok(compilePathPattern('/services/*/update').test('/services/abc/update'));
    assert.ok(!compilePathPattern('/services/*/update').test('/services/a/b/update'));
    assert.ok(compilePathPattern('/containers/**').test('/containers/abc/json'));
    assert.ok(compilePathPattern('/containers/**').test('/containers'));
    assert.ok(!compilePathPattern('/containers/create').test('/containers/created'));
  });

  test('forwards untouched and records every request, without the version prefix', async () => {
    const before = proxy.requests.length;
    assert.ok((await engine.system.info()).ServerVersion !== undefined);
    const last = proxy.requests.at(-1);
    assert.equal(proxy.requests.length, before + 1);
    assert.deepEqual({ method: last?.method, path: last?.path, status: last?.status, engineStatus: last?.engineStatus, fault: last?.fault }, { method: 'GET', path: '/info', status: 200, engineStatus: 200, fault: null });
  });

  test('respond on the n-th match only: a 500 on a read is retried (bounded), a 500 on a write is not', async () => {
    const first = proxy.add({ method: 'GET', path: '/info', on: 1, fault: respond(500, 'injected') });
    await engine.system.info();
    assert.equal(first.fired, 1);
    first.remove();
    const always = proxy.add({ method: 'GET', path: '/info', fault: respond(500, 'injected') });
    await assert.rejects(engine.system.info(), (err: unknown) => isEngineError(err, 'server') && /injected/.test(err.message));
    assert.equal(always.fired, 3, 'the first try and two retries');
    always.remove();
    const write = proxy.add({ method: 'POST', path: '/networks/create', fault: respond(500, 'injected') });
    await assert.rejects(engine.networks.create({ Name: name('n500'), CheckDuplicate: true, Labels: labels }), (err: unknown) => isEngineError(err, 'server'));
    assert.equal(write.fired, 1, 'a write is sent once');
    write.remove();
    assert.deepEqual(await engine.networks.list({ filters: { name: [name('n500')] } }), [], 'and never reached the Engine');
  });

  test("reset('after'): the write lands, the client sees a dropped connection", async () => {
    const rule = proxy.add({ method: 'POST', path: '/networks/create', on: 1, fault: reset('after') });
    await assert.rejects(engine.networks.create({ Name: name('nreset'), CheckDuplicate: true, Labels: labels }), (err: unknown) => isEngineError(err, 'unreachable'));
    rule.remove();
    const record = proxy.requests.at(-1);
    assert.equal(record?.status, null);
    assert.equal(record?.engineStatus, 201);
    assert.equal((await engine.networks.list({ filters: { name: [name('nreset')] } })).length, 1);
  });

  test("reset('before'): nothing reaches the Engine", async () => {
    const rule = proxy.add({ method: 'POST', path: '/volumes/create', fault: reset('before') });
    await assert.rejects(engine.volumes.create({ Name: name('vreset'), Labels: labels }), (err: unknown) => isEngineError(err, 'unreachable'));
    rule.remove();
    assert.equal(proxy.requests.at(-1)?.engineStatus, null);
  });

  test("delay('after') past the client's deadline: a timeout, and the write landed", async () => {
    const rule = proxy.add({ method: 'POST', path: '/volumes/create', on: 1, fault: delay(3000, 'after') });
    await assert.rejects(engine.volumes.create({ Name: name('vdelay'), Labels: labels }), (err: unknown) => isEngineError(err, 'timeout'));
    rule.remove();
    assert.ok((await engine.volumes.list({ filters: { name: [name('vdelay')] } })).volumes.some((v) => v.Name === name('vdelay')));
  });

  test('hold parks a request until the test releases it', async () => {
    const rule = proxy.add({ method: 'GET', path: '/version', on: 1, fault: hold('before') });
    const answer = engine.system.version();
    const held = await rule.held();
    assert.equal(held.request.path, '/version');
    held.release();
    assert.ok((await answer).ApiVersion !== undefined);
    rule.remove();
  });

  test('call runs a side effect before forwarding', async () => {
    let seen = '';
    const rule = proxy.add({ method: 'GET', path: '/version', on: 1, fault: call(async (r) => void (seen = `${r.method} ${r.path}`)) });
    await engine.system.version();
    rule.remove();
    assert.equal(seen, 'GET /version');
  });

  test('cut ends a log stream mid-body: the client reports it, it does not hang', async () => {
    const direct = await connectTestEngine();
    try {
      const c = await direct.containers.create({ Image: TEST_IMAGE, Cmd: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do echo line-$i-padding-padding; done'], Labels: labels }, { name: name('logs') });
      await direct.containers.start(c.id);
      await direct.containers.wait(c.id);
      const rule = proxy.add({ method: 'GET', path: '/containers/*/logs', on: 1, fault: cut(50) });
      const stream = await engine.containers.logs(c.id, { stdout: true, tty: false });
      await assert.rejects(
        (async () => {
          for await (const _ of stream) void _;
        })(),
        (err: unknown) => isEngineError(err) && (err.kind === 'protocol' || err.kind === 'unreachable'),
      );
      rule.remove();
    } finally {
      await direct.close();
    }
  });

  test('goDown on a request: the Engine goes away (socket removed), and comes back with up()', async () => {
    const rule = proxy.add({ method: 'GET', path: '/version', on: 1, fault: goDown() });
    await assert.rejects(engine.system.version(), (err: unknown) => isEngineError(err, 'unreachable'));
    await assert.rejects(engine.system.info(), (err: unknown) => isEngineError(err, 'unreachable') && /ENOENT|ECONNREFUSED/.test(err.message));
    rule.remove();
    await proxy.up();
    assert.ok((await engine.system.info()).ServerVersion !== undefined);
  });
});
