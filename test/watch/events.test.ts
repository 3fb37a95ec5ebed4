import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EngineEvent } from '../../src/engine/index.js';
import { classifyEvent, eventFilters, EngineEventWatcher, ObjectIndex } from '../../src/watch/events.js';
import { SelfWriteFilter } from '../../src/watch/self-writes.js';
import { config, ctr, net, observeAsApplied, project, secret, svc, vol } from '../support/model.js';
import { FakeClock, settle } from '../support/fake-clock.js';

function event(Type: string, Action: string, ID: string, Attributes: Record<string, string> = {}): EngineEvent {
  return { Type, Action, Actor: { ID, Attributes }, time: 0, timeNano: 0 };
}

const desired = project({
  networks: [net('front')],
  volumes: [vol('data')],
  secrets: [secret('pw', 'hunter2')],
  configs: [config('site', 'x')],
  containers: [ctr('web')],
  services: [svc('api')],
});
const observed = observeAsApplied(desired);

function index(): ObjectIndex {
  const i = new ObjectIndex('shop');
  i.update(desired, observed);
  return i;
}

describe('which Engine events are hints about the project', () => {
  test('the container stream is filtered by the project label on the Engine; the other kinds by action', () => {
    const f = eventFilters('shop');
    assert.deepEqual(f.containers, { type: 'container', label: 'io.moor.project=shop' });
    assert.deepEqual(f.others.type, ['network', 'volume', 'service', 'secret', 'config']);
    assert.ok(f.others.event?.includes('destroy') && !f.others.event.includes('mount'));
  });

  test('container events name the object by its io.moor.name label; exec and health events say nothing', () => {
    const i = index();
    const attrs = { 'io.moor.project': 'shop', 'io.moor.name': 'web', name: 'shop_web' };
    assert.deepEqual(classifyEvent(event('container', 'destroy', 'c1', attrs), 'shop', i), { object: 'container/web', action: 'destroy' });
    assert.deepEqual(classifyEvent(event('container', 'die', 'c1', attrs), 'shop', i), { object: 'container/web', action: 'die' });
    assert.equal(classifyEvent(event('container', 'exec_start: sh', 'c1', attrs), 'shop', i), null);
    assert.equal(classifyEvent(event('container', 'health_status: healthy', 'c1', attrs), 'shop', i), null);
    assert.equal(classifyEvent(event('container', 'destroy', 'c2', { ...attrs, 'io.moor.project': 'other' }), 'shop', i), null);
  });

  test('networks and volumes (no labels on their events) are matched by id, Engine name or the project prefix', () => {
    const i = index();
    const front = observed.networks[0];
    assert.ok(front !== undefined);
    assert.deepEqual(classifyEvent(event('network', 'destroy', front.id, { name: 'renamed?', type: 'bridge' }), 'shop', i), { object: 'network/front', action: 'destroy' });
    assert.deepEqual(classifyEvent(event('network', 'create', 'n9', { name: 'shop_back', type: 'bridge' }), 'shop', i), { object: 'network/back', action: 'create' });
    assert.equal(classifyEvent(event('network', 'create', 'n9', { name: 'shopping_front', type: 'bridge' }), 'shop', i), null);
    assert.deepEqual(classifyEvent(event('volume', 'destroy', 'shop_data', { driver: 'local' }), 'shop', i), { object: 'volume/data', action: 'destroy' });
    assert.equal(classifyEvent(event('volume', 'mount', 'shop_data', { driver: 'local' }), 'shop', i), null);
  });

  test("network attachments count only for the project's own containers", () => {
    const i = index();
    const web = observed.containers[0];
    assert.ok(web !== undefined);
    assert.deepEqual(classifyEvent(event('network', 'disconnect', 'n1', { container: web.id, name: 'shop_default', type: 'bridge' }), 'shop', i), { object: 'container/web', action: 'network disconnect' });
    assert.equal(classifyEvent(event('network', 'connect', 'n1', { container: 'a-task-container', name: 'shop_front', type: 'overlay' }), 'shop', i), null);
    // A container moor just created is learnt from its create event.
    classifyEvent(event('container', 'create', 'new1', { 'io.moor.project': 'shop', 'io.moor.name': 'worker' }), 'shop', i);
    assert.deepEqual(classifyEvent(event('network', 'connect', 'n1', { container: 'new1', name: 'shop_default' }), 'shop', i), { object: 'container/worker', action: 'network connect' });
  });

  test('services, secrets and configs by name; secret versions are one object; update progress reports say nothing', () => {
    const i = index();
    assert.deepEqual(classifyEvent(event('service', 'update', 's9', { name: 'shop_api', 'replicas.new': '3', 'replicas.old': '1' }), 'shop', i), { object: 'service/api', action: 'update' });
    assert.equal(classifyEvent(event('service', 'update', 's9', { name: 'shop_api', 'updatestate.new': 'completed', 'updatestate.old': 'updating' }), 'shop', i), null);
    assert.deepEqual(classifyEvent(event('service', 'update', 's9', { name: 'shop_api', 'updatestate.new': 'rollback_completed' }), 'shop', i), { object: 'service/api', action: 'update (rollback_completed)' });
    assert.deepEqual(classifyEvent(event('secret', 'remove', 'x1', { name: 'shop_pw_0123abcd' }), 'shop', i), { object: 'secret/pw', action: 'remove' });
    assert.deepEqual(classifyEvent(event('config', 'create', 'x2', { name: 'shop_site_89abcdef' }), 'shop', i), { object: 'config/site', action: 'create' });
    assert.equal(classifyEvent(event('service', 'remove', 's8', { name: 'other_api' }), 'shop', i), null);
    assert.equal(classifyEvent(event('image', 'pull', 'busybox'), 'shop', i), null);
  });
});

describe('the events watcher', () => {
  test('re-subscribes with backoff after the stream is lost, and asks for a resync each time', async () => {
    const clock = new FakeClock();
    const subscriptions: number[] = [];
    const statuses: string[] = [];
    const resyncs: string[] = [];
    const hints: string[] = [];
    let failNext = 0;
    const watcher = new EngineEventWatcher({
      project: 'shop',
      index: index(),
      clock,
      backoff: { baseMs: 1000, maxMs: 8000 },
      random: () => 0.999999,
      subscribe: async (filters, signal) => {
        if (filters['type'] !== 'container') {
          return (async function* () {
            await new Promise((resolve) => signal.addEventListener('abort', resolve));
          })();
        }
        subscriptions.push(clock.now());
        if (failNext > 0) {
          failNext -= 1;
          throw new Error('unreachable');
        }
        return (async function* () {
          yield event('container', 'destroy', 'c1', { 'io.moor.project': 'shop', 'io.moor.name': 'web' });
          // then the stream ends: dockerd went away
        })();
      },
      onHint: (h) => hints.push(h.object),
      onResync: (r) => resyncs.push(r),
      onStatus: (s) => statuses.push(`${s.stream}:${s.up ? 'up' : `down ${s.retryInMs}`}`),
    });
    const t0 = clock.now();
    failNext = 0;
    void watcher.start();
    await settle();
    failNext = 2;
    await clock.advance(1000); // first retry: fails
    await clock.advance(2000); // second: fails
    await clock.advance(4000); // third: works, ends again
    assert.deepEqual(subscriptions.map((t) => t - t0), [0, 1000, 3000, 7000]);
    assert.deepEqual(hints, ['container/web', 'container/web']);
    assert.deepEqual(resyncs, ['events stream (containers) subscribed again']);
    assert.deepEqual(statuses.filter((s) => s.startsWith('containers')), ['containers:up', 'containers:down 1000', 'containers:down 2000', 'containers:down 4000', 'containers:up', 'containers:down 8000']);
    await watcher.stop();
  });
});

describe("echoes of moor's own writes", () => {
  test('events about objects a cycle changes are echoes while it runs and for the settle window after', async () => {
    const clock = new FakeClock();
    const settled: number[] = [];
    const f = new SelfWriteFilter(clock, 3000, (n) => settled.push(n));
    f.writing(['container/web', 'service/api']);
    assert.equal(f.isEcho('container/web'), true);
    assert.equal(f.isEcho('container/db'), false, 'drift of another object during the cycle is not an echo');
    await clock.advance(60_000);
    assert.equal(f.isEcho('service/api'), true, 'still running');
    f.done();
    await clock.advance(2999);
    assert.equal(f.isEcho('service/api'), true);
    assert.deepEqual(settled, []);
    await clock.advance(1);
    assert.equal(f.isEcho('service/api'), false);
    assert.deepEqual(settled, [3], 'one verification cycle once the window closed, for the 3 echoes it swallowed');
  });

  test('a window without echoes asks for no verification; close() cancels pending ones', async () => {
    const clock = new FakeClock();
    const settled: number[] = [];
    const f = new SelfWriteFilter(clock, 1000, (n) => settled.push(n));
    f.writing(['container/web']);
    f.done();
    await clock.advance(2000);
    f.writing(['container/web']);
    f.isEcho('container/web');
    f.done();
    f.close();
    await clock.advance(2000);
    assert.deepEqual(settled, []);
    assert.deepEqual(clock.pending, []);
  });
});
