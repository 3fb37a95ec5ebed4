import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEngineError } from '../../src/engine/index.js';
import { TEST_IMAGE, useEngineRun } from '../support/engine.js';

const run = useEngineRun();

test('a network is created, listed by label, inspected, and removed', async () => {
  const name = run.name('net');
  const { id } = await run.engine.networks.create({ Name: name, Driver: 'bridge', Internal: true, Labels: { ...run.labels, role: 'backend' } });
  const listed = await run.engine.networks.list({ filters: { label: [`io.moor.test=${run.runId}`, 'role=backend'] } });
  assert.deepEqual(
    listed.map((n) => n.Name),
    [name],
  );
  const byName = await run.engine.networks.inspect(name);
  assert.equal(byName.Id, id);
  assert.equal(byName.Internal, true);
  assert.equal(byName.Labels?.['role'], 'backend');
  await run.engine.networks.remove(id);
  await assert.rejects(run.engine.networks.inspect(id), (err: unknown) => isEngineError(err, 'not-found'));
});

test('a second network of the same name is refused (CheckDuplicate), as a conflict', async () => {
  const name = run.name('dup');
  await run.engine.networks.create({ Name: name, Labels: run.labels });
  await assert.rejects(run.engine.networks.create({ Name: name, Labels: run.labels }), (err: unknown) => {
    assert.ok(isEngineError(err, 'conflict'));
    return true;
  });
});

test('an overlay network is created as a swarm-scoped, attachable network', async () => {
  const { id } = await run.engine.networks.create({ Name: run.name('overlay'), Driver: 'overlay', Attachable: true, Labels: run.labels });
  const network = await run.engine.networks.inspect(id);
  assert.equal(network.Scope, 'swarm');
  assert.equal(network.Attachable, true);
});

test('a network with an endpoint cannot be removed (in-use); connect and disconnect go through the network', async () => {
  const { id: network } = await run.engine.networks.create({ Name: run.name('busy'), Labels: run.labels });
  const { id: container } = await run.engine.containers.create({ Image: TEST_IMAGE, Cmd: ['sleep', '300'], Labels: run.labels, StopSignal: 'SIGKILL' }, { name: run.name('busy-c') });
  await run.engine.containers.start(container);
  await run.engine.networks.connect(network, { Container: container, EndpointConfig: { Aliases: ['busy'] } });
  const attached = await run.engine.networks.inspect(network);
  assert.ok(Object.keys(attached.Containers ?? {}).includes(container));
  await assert.rejects(run.engine.networks.remove(network), (err: unknown) => {
    assert.ok(isEngineError(err, 'in-use'));
    assert.match(err.message, /has active endpoints/);
    return true;
  });
  await run.engine.networks.disconnect(network, container, { force: true });
  await run.engine.networks.remove(network);
});

test('a volume is created, listed by label, inspected, and removed; in use, it is refused', async () => {
  const name = run.name('vol');
  const created = await run.engine.volumes.create({ Name: name, Labels: run.labels });
  assert.equal(created.Name, name);
  const { volumes } = await run.engine.volumes.list({ filters: run.filter });
  assert.deepEqual(
    volumes.map((v) => v.Name),
    [name],
  );
  assert.equal((await run.engine.volumes.inspect(name)).Labels?.['io.moor.test'], run.runId);

  const { id: container } = await run.engine.containers.create(
    { Image: TEST_IMAGE, Cmd: ['true'], Labels: run.labels, HostConfig: { Mounts: [{ Type: 'volume', Source: name, Target: '/data' }] } },
    { name: run.name('vol-user') },
  );
  await assert.rejects(run.engine.volumes.remove(name), (err: unknown) => {
    assert.ok(isEngineError(err, 'in-use'));
    assert.equal(err.status, 409);
    return true;
  });
  await run.engine.containers.remove(container, { force: true });
  await run.engine.volumes.remove(name);
  await assert.rejects(run.engine.volumes.inspect(name), (err: unknown) => isEngineError(err, 'not-found'));
});
