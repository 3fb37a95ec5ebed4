import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_MAX_API_VERSION } from '../../src/engine/index.js';
import type { EngineEvent, RequestEvent } from '../../src/engine/index.js';
import { TEST_IMAGE, connectTestEngine, useEngineRun } from '../support/engine.js';

const requests: RequestEvent[] = [];
const run = useEngineRun({ onRequest: (event) => requests.push(event) });

test('connect negotiates API 1.41 and ping reports the Engine headers', async () => {
  assert.equal(run.engine.apiVersion, CLIENT_MAX_API_VERSION);
  const ping = await run.engine.system.ping();
  assert.match(ping.apiVersion, /^1\.\d+$/);
  assert.equal(ping.osType, 'linux');
  assert.ok(ping.swarm === null || ping.swarm === 'active/manager');
});

test('version and info describe the Engine', async () => {
  const version = await run.engine.system.version();
  assert.match(version.Version, /^\d+\.\d+/);
  assert.match(version.ApiVersion, /^1\.\d+$/);
  const info = await run.engine.system.info();
  assert.equal(info.Swarm?.LocalNodeState, 'active');
  assert.equal(info.Swarm?.ControlAvailable, true);
});

test('the events stream sees a container start, and ends quietly when its signal fires', async () => {
  const controller = new AbortController();
  const events = await run.engine.events({ filters: { type: 'container', event: ['create', 'start'], label: run.filter.label }, signal: controller.signal });
  // The subscription is live once events() resolved: nothing created from here on is missed.
  const { id } = await run.engine.containers.create({ Image: TEST_IMAGE, Cmd: ['sleep', '300'], Labels: run.labels, StopSignal: 'SIGKILL' }, { name: run.name('evented') });
  await run.engine.containers.start(id);
  const seen: EngineEvent[] = [];
  for await (const event of events) {
    seen.push(event);
    if (event.Action === 'start') controller.abort();
  }
  assert.deepEqual(
    seen.map((e) => [e.Type, e.Action, e.Actor.ID]),
    [
      ['container', 'create', id],
      ['container', 'start', id],
    ],
  );
  assert.equal(seen[1]?.Actor.Attributes['io.moor.test'], run.runId);
  assert.equal(typeof seen[1]?.timeNano, 'number');
});

test('an events stream with since and until replays past events and ends by itself', async () => {
  const since = new Date(Date.now() - 1000);
  const { id } = await run.engine.containers.create({ Image: TEST_IMAGE, Cmd: ['true'], Labels: run.labels }, { name: run.name('replayed') });
  await run.engine.containers.remove(id);
  const until = new Date(Date.now() + 500);
  const actions: string[] = [];
  for await (const event of await run.engine.events({ since, until, filters: { container: id } })) actions.push(event.Action);
  assert.deepEqual(actions, ['create', 'destroy']);
});

test('close() ends an open events stream', async () => {
  const events = await run.engine.events({ filters: { label: run.filter.label, type: 'volume' } });
  setTimeout(() => events.close(), 100);
  const seen: EngineEvent[] = [];
  for await (const event of events) seen.push(event);
  assert.deepEqual(seen, []);
});

test('closing the client ends its open streams instead of waiting for them', async () => {
  const engine = await connectTestEngine();
  const events = await engine.events({ filters: { label: run.filter.label, type: 'volume' } });
  const consumed = (async () => {
    for await (const _ of events) void _;
  })();
  await engine.close();
  await consumed;
});

test('the request hook sees method, path, route, status and timing, never headers or bodies; counters add up', async () => {
  const engine = await connectTestEngine({ onRequest: (event) => requests.push(event) });
  try {
    requests.length = 0;
    await engine.containers.list({ all: true, filters: run.filter });
    await engine.containers.inspect(`missing-${run.runId}`).catch(() => undefined);
    await engine.secrets.create({ Name: run.name('hooked'), Labels: run.labels, Data: Buffer.from('hook-secret').toString('base64') });
    assert.deepEqual(
      requests.map((r) => [r.method, r.route, r.status, r.error]),
      [
        ['GET', '/containers/json', 200, null],
        ['GET', '/containers/{id}/json', 404, 'not-found'],
        ['POST', '/secrets/create', 201, null],
      ],
    );
    for (const event of requests) assert.deepEqual(Object.keys(event).sort(), ['attempt', 'durationMs', 'error', 'method', 'path', 'route', 'status']);
    assert.doesNotMatch(JSON.stringify(requests), /hook-secret|aG9vay1zZWNyZXQ/);
    const counters = engine.counters();
    assert.equal(counters.requests.GET, 3); // the ping of connect, the list, the inspect
    assert.equal(counters.errors.GET, 1);
    assert.equal(counters.requests.POST, 1);
  } finally {
    await engine.close();
  }
});
