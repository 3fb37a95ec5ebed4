// Research B1-B5: concurrent writers. Another client changes a service between moor's plan and its
// update; Swarm keeps bumping the version; two applies run at once (on one host: the lock; on two
// hosts: no shared lock, only the Engine's own checks); creates race with a winner that is moor's
// own or somebody else's; the Engine lets two networks of one name exist.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { networkBody } from '../../src/convert/to-engine.js';
import { networkSpec } from '../support/model.js';
import { call, hold, respond, type FaultProxy } from '../support/fault-proxy.js';
import { assertConverged, moorIn, outputOf, startMoor, useTrustRun } from '../support/trust.js';

const run = useTrustRun('race');

/** A fault that first has moor on another host (its own lock folder) apply the manifest of `dir`. */
const anotherHostAppliesFirst = (dir: string) =>
  call(async () => {
    const other = await moorIn(dir, ['apply', '--yes'], { MOOR_LOCK_DIR: join(dir, '.other-host-locks') });
    assert.equal(other.code, 0, outputOf(other));
  });

/** A project with one service whose environment the test changes: `MODE`. */
function serviceProject(mode: string): { dir: string; project: string; set(mode: string): void } {
  const project = run.newProject();
  const dir = mkdtempSync(join(tmpdir(), 'moor-trust-race-'));
  const set = (m: string): void =>
    writeFileSync(join(dir, 'moor.yaml'), `project: ${project}
services:
  api: { image: moor/busybox:latest, command: ["sleep", "3600"], stop_grace_period: 1s, environment: { MODE: "${m}" } }
`);
  set(mode);
  return { dir, project, set };
}

const updates = (p: FaultProxy) => p.writes().filter((w) => w.method === 'POST' && /^\/services\/[^/]+\/update$/.test(w.path));
const envOf = async (service: string): Promise<unknown> => (await run.direct.services.inspect(service)).Spec.TaskTemplate.ContainerSpec?.['Env'];

describe('a service changed by someone else between plan and update (research B1, B2)', { timeout: 240_000 }, () => {
  test('another client updates it: the Engine answers "update out of sequence", moor reads it again and retries with the fresh version; the manifest wins', async () => {
    const s = serviceProject('a');
    assert.equal((await moorIn(s.dir, ['apply', '--yes'])).code, 0);
    s.set('b');
    const p = await run.proxy();
    const name = `${s.project}_api`;
    p.add({
      method: 'POST',
      path: '/services/*/update',
      on: 1,
      fault: call(async () => {
        // A second writer (a person with the docker CLI, a CI job) changes the service first.
        const live = await run.direct.services.inspect(name);
        await run.direct.services.update(live.ID, live.Version.Index, { ...live.Spec, Labels: { ...live.Spec.Labels, 'other.writer': 'was here' } });
      }),
    });
    const r = await moorIn(s.dir, ['apply', '--yes', '-H', p.host]);
    assert.equal(r.code, 0, outputOf(r));
    assert.deepEqual(updates(p).map((u) => u.engineStatus), [500, 200], 'the stale update was refused by the Engine, the fresh one accepted');
    assert.deepEqual(await envOf(name), ['MODE=b']);
    const labels = (await run.direct.services.inspect(name)).Spec.Labels ?? {};
    assert.equal(labels['other.writer'], undefined, 'moor owns the whole spec of its service: the other writer\'s label is not kept');
    assert.equal((await moorIn(s.dir, ['plan', '--detailed-exitcode'])).code, 0);
  });

  test('the other writer already made the same change (a second moor): moor reads it again, sees it is done, and sends nothing more', async () => {
    const s = serviceProject('a');
    assert.equal((await moorIn(s.dir, ['apply', '--yes'])).code, 0);
    s.set('b');
    const p = await run.proxy();
    p.add({ method: 'POST', path: '/services/*/update', on: 1, fault: anotherHostAppliesFirst(s.dir) });
    const r = await moorIn(s.dir, ['apply', '--yes', '-H', p.host]);
    assert.equal(r.code, 0, outputOf(r));
    assert.deepEqual(updates(p).map((u) => u.engineStatus), [500], 'one refused update, and no second one');
    assert.deepEqual(await envOf(`${s.project}_api`), ['MODE=b']);
  });

  test('the version keeps moving (a rolling update that never settles): 5 attempts, each after a fresh read, then a clear error, exit 1', async () => {
    const s = serviceProject('a');
    assert.equal((await moorIn(s.dir, ['apply', '--yes'])).code, 0);
    s.set('b');
    const p = await run.proxy();
    p.add({ method: 'POST', path: '/services/*/update', fault: respond(500, 'rpc error: code = Unknown desc = update out of sequence') });
    const r = await startMoor(s.dir, ['apply', '--yes', '-H', p.host]).done;
    assert.equal(r.code, 1, outputOf(r));
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
    assert.equal(updates(p).length, 5);
    assert.match(r.stdout, /FAILED {2}update service \S+: service \S+ kept changing while moor updated it \(5 attempts ended in "update out of sequence"\); it may be in a rolling update: try again later/);
    const id = (await run.direct.services.inspect(`${s.project}_api`)).ID;
    const reads = p.requests.filter((q) => q.method === 'GET' && q.path === `/services/${id}`);
    assert.equal(reads.length, 5, 'a fresh read after each refusal');
    assert.deepEqual(await envOf(`${s.project}_api`), ['MODE=a'], 'nothing was half-applied');
  });
});

describe('two applies at once (research B3)', { timeout: 240_000 }, () => {
  test('on one host: the second is refused at once, naming the holder; the first completes', async () => {
    const s = run.scenario();
    const p = await run.proxy();
    const first = p.add({ method: 'write', on: 1, fault: hold('before') });
    const one = startMoor(s.dir, ['apply', '--yes', '-H', p.host]);
    const held = await first.held();
    // The lock is per project and Engine endpoint: the second apply goes to the same endpoint.
    const two = await startMoor(s.dir, ['apply', '--yes', '-H', p.host]).done;
    held.release();
    const r = await one.done;
    assert.equal(r.code, 0, outputOf(r));
    assert.equal(two.code, 1);
    assert.match(two.stderr, new RegExp(`project ${s.project} is being reconciled by moor apply \\(pid ${one.child.pid} on `));
    assert.equal(two.stdout, '', 'it planned nothing');
    await assertConverged(run.direct, s.project, 1);
  });

  test('on two hosts (no shared lock), both planned from nothing and released together: each finishes or fails cleanly, the next apply converges, nothing is duplicated', async () => {
    const s = run.scenario();
    // Each through its own proxy, held at its first write until both have planned: a true race.
    const hosts = await Promise.all(['a', 'b'].map(async (host) => {
      const p = await run.proxy();
      const first = p.add({ method: 'write', on: 1, fault: hold('before') });
      const moor = startMoor(s.dir, ['apply', '--yes', '-H', p.host], { MOOR_LOCK_DIR: join(s.dir, `.host-${host}`) });
      return { held: await first.held(), moor };
    }));
    for (const h of hosts) h.held.release();
    for (const r of await Promise.all(hosts.map((h) => h.moor.done))) {
      assert.ok(r.code === 0 || /Apply failed/.test(r.stdout), outputOf(r));
      assert.doesNotMatch(r.stderr, /internal error/);
    }
    const again = await moorIn(s.dir, ['apply', '--yes']);
    assert.equal(again.code, 0, outputOf(again));
    await assertConverged(run.direct, s.project, 1);
  });
});

describe('a create meets an object of the same name that appeared since the plan (research B5)', { timeout: 240_000 }, () => {
  test("moor's own (made by a racing moor from the same manifest): it is taken as done", async () => {
    const s = serviceProject('a');
    const p = await run.proxy();
    p.add({ method: 'POST', path: '/services/create', on: 1, fault: anotherHostAppliesFirst(s.dir) });
    const r = await moorIn(s.dir, ['apply', '--yes', '-H', p.host]);
    assert.equal(r.code, 0, outputOf(r));
    assert.deepEqual(p.writes().filter((w) => w.path.startsWith('/services')).map((w) => `${w.path} ${w.engineStatus}`), ['/services/create 409']);
    assert.equal((await run.direct.services.list({ filters: { label: [`io.moor.project=${s.project}`] } })).length, 1);
  });

  test('a container create that lost the race while the winner cannot be inspected yet (the Engine reserves the name first): moor looks again, and goes on', async () => {
    const s = run.scenario();
    const p = await run.proxy();
    // The twin lands (made from moor's own request: same labels, same spec), moor is told 409, and
    // the first two reads by name find nothing yet. (From nothing, no other container is read.)
    p.add({ method: 'POST', path: '/containers/create', on: 1, fault: respond(409, 'Conflict. The container name is already in use by container "0123". You have to remove (or rename) that container to be able to reuse that name.', 'after') });
    p.add({ method: 'GET', path: '/containers/*/json', on: [1, 2], fault: respond(404, 'No such container') });
    const r = await moorIn(s.dir, ['apply', '--yes', '--concurrency', '1', '-H', p.host]);
    assert.equal(r.code, 0, outputOf(r));
    assert.equal(p.requests.filter((q) => q.fault === 'respond-404').length, 2);
    assert.equal(p.writes().filter((w) => w.path === '/containers/create').length, 2, 'one create per container: the lost race is not sent again');
    await assertConverged(run.direct, s.project, 1);
  });

  test('somebody else\'s (no project label): the step fails saying so, and that object is never changed or removed', async () => {
    const s = run.scenario();
    const name = `${s.project}_tool`;
    let foreignId = '';
    const p = await run.proxy();
    p.add({
      method: 'POST',
      path: '/containers/create',
      fault: call(async (req) => {
        if (!req.query.includes(encodeURIComponent(name)) || foreignId !== '') return;
        foreignId = (await run.direct.containers.create({ Image: 'moor/busybox:latest', Cmd: ['sleep', '3600'], Labels: { 'io.moor.test': s.project } }, { name })).id;
      }),
    });
    const r = await moorIn(s.dir, ['apply', '--yes', '-H', p.host]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`FAILED {2}create container ${name}: container ${name} already exists and is not managed by project ${s.project}; moor leaves it alone`));
    try {
      const plan = await moorIn(s.dir, ['plan']);
      assert.equal(plan.code, 1);
      assert.match(plan.stdout, new RegExp(`container ${name} already exists and was not created by moor; moor will not take it over`));
      assert.equal((await moorIn(s.dir, ['destroy', '--yes'])).code, 0);
      assert.equal((await run.direct.containers.inspect(name)).Id, foreignId, 'still there, untouched, after apply, plan and destroy');
    } finally {
      await run.direct.containers.remove(foreignId, { force: true });
    }
  });
});

describe('two networks of one name (Engine 20.10 lets racing creates both succeed)', { timeout: 240_000 }, () => {
  test('a duplicate of an owned network (same name, same labels) is removed by id, and containers attach to the one kept', async () => {
    const s = run.scenario();
    const engineName = `${s.project}_default`;
    // What a racing create leaves: a second network with the very labels moor gives it.
    const body = networkBody(engineName, networkSpec(), { project: s.project, name: 'default' });
    const first = await run.direct.networks.create({ ...body, CheckDuplicate: false });
    const second = await run.direct.networks.create({ ...body, CheckDuplicate: false });
    const plan = await moorIn(s.dir, ['plan']);
    assert.match(plan.stdout, new RegExp(`- network default \\(${engineName}\\): a second network of the same name`));
    const r = await moorIn(s.dir, ['apply', '--yes']);
    assert.equal(r.code, 0, outputOf(r));
    const left = (await run.direct.networks.list({ filters: { name: [engineName] } })).filter((n) => n.Name === engineName);
    assert.deepEqual(left.map((n) => n.Id), [first.id], 'the oldest is kept');
    assert.notEqual(first.id, second.id);
    await assertConverged(run.direct, s.project, 1);
  });
});
