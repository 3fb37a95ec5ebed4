import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEngineError } from '../../src/engine/index.js';
import type { RequestEvent, ServiceSpec } from '../../src/engine/index.js';
import { TEST_IMAGE, collectLogs, useEngineRun, waitFor } from '../support/engine.js';

const requests: RequestEvent[] = [];
const run = useEngineRun({ onRequest: (event) => requests.push(event) });

function serviceSpec(suffix: string, command: string[], replicas = 1): ServiceSpec {
  return {
    Name: run.name(suffix),
    Labels: run.labels,
    TaskTemplate: {
      ContainerSpec: { Image: TEST_IMAGE, Command: command, Labels: run.labels, StopGracePeriod: 0 },
      RestartPolicy: { Condition: 'none' },
    },
    Mode: { Replicated: { Replicas: replicas } },
  };
}

test('swarm inspect and the node list describe this single-node Swarm', async () => {
  const swarm = await run.engine.swarm.inspect();
  assert.equal(typeof swarm.Version.Index, 'number');
  const nodes = await run.engine.nodes.list();
  assert.equal(nodes.length, 1);
  assert.equal(nodes[0]?.Spec.Role, 'manager');
  assert.equal((await run.engine.nodes.list({ filters: { role: 'worker' } })).length, 0);
});

test('a secret is created, listed by label, relabelled with its version, and removed; its data never leaves', async () => {
  const data = Buffer.from(`s3cret-${run.runId}`).toString('base64');
  const name = run.name('secret');
  const { id } = await run.engine.secrets.create({ Name: name, Labels: run.labels, Data: data });
  const listed = await run.engine.secrets.list({ filters: { label: run.filter.label, name } });
  assert.deepEqual(
    listed.map((s) => s.ID),
    [id],
  );
  const secret = await run.engine.secrets.inspect(id);
  assert.equal(secret.Spec.Data, undefined);
  await run.engine.secrets.update(id, secret.Version.Index, { Name: name, Labels: { ...run.labels, rotated: 'yes' } });
  const relabelled = await run.engine.secrets.inspect(id);
  assert.equal(relabelled.Spec.Labels?.['rotated'], 'yes');
  assert.ok(relabelled.Version.Index > secret.Version.Index);

  // a stale version is an out-of-sequence conflict, whatever status it comes with
  await assert.rejects(run.engine.secrets.update(id, secret.Version.Index, { Name: name, Labels: run.labels }), (err: unknown) => isEngineError(err, 'out-of-sequence'));
  // a name conflict, with the data in the body: the error must not echo it
  await assert.rejects(run.engine.secrets.create({ Name: name, Labels: run.labels, Data: data }), (err: unknown) => {
    assert.ok(isEngineError(err, 'conflict'));
    assert.doesNotMatch(`${err.message}${JSON.stringify(err)}`, new RegExp(data));
    return true;
  });
  assert.doesNotMatch(JSON.stringify(requests), new RegExp(`${data}|s3cret`));
  await run.engine.secrets.remove(id);
  await assert.rejects(run.engine.secrets.inspect(id), (err: unknown) => isEngineError(err, 'not-found'));
});

test('a config is created, read back with its data, relabelled, and removed', async () => {
  const name = run.name('config');
  const data = Buffer.from('listen 80;\n').toString('base64');
  const { id } = await run.engine.configs.create({ Name: name, Labels: run.labels, Data: data });
  const config = await run.engine.configs.inspect(id);
  assert.equal(config.Spec.Data, data);
  assert.deepEqual(
    (await run.engine.configs.list({ filters: run.filter })).map((c) => c.ID),
    [id],
  );
  await run.engine.configs.update(id, config.Version.Index, { ...config.Spec, Labels: { ...run.labels, v: '2' } });
  assert.equal((await run.engine.configs.inspect(id)).Spec.Labels?.['v'], '2');
  await assert.rejects(run.engine.configs.update(id, config.Version.Index, config.Spec), (err: unknown) => isEngineError(err, 'out-of-sequence'));
  await run.engine.configs.remove(id);
});

test('a secret used by a service cannot be removed (in-use)', async () => {
  const { id: secret } = await run.engine.secrets.create({ Name: run.name('used'), Labels: run.labels, Data: Buffer.from('x').toString('base64') });
  const spec = serviceSpec('secret-user', ['sleep', '300'], 0);
  const withSecret: ServiceSpec = {
    ...spec,
    TaskTemplate: {
      ...spec.TaskTemplate,
      ContainerSpec: {
        ...spec.TaskTemplate.ContainerSpec,
        Secrets: [{ SecretID: secret, SecretName: run.name('used'), File: { Name: 'used', UID: '0', GID: '0', Mode: 0o400 } }],
      },
    },
  };
  await run.engine.services.create(withSecret);
  await assert.rejects(run.engine.secrets.remove(secret), (err: unknown) => {
    assert.ok(isEngineError(err, 'in-use'));
    assert.match(err.message, /is in use by the following service/);
    return true;
  });
});

test('a service is created, listed with its status, updated with its version, rolled back, and removed', async () => {
  const { id } = await run.engine.services.create(serviceSpec('svc', ['sleep', '300'], 0));
  const created = await run.engine.services.inspect(id);
  assert.equal(created.Spec.Name, run.name('svc'));

  const [listed] = await run.engine.services.list({ filters: { label: run.filter.label, name: run.name('svc') } });
  assert.equal(listed?.ID, id);
  assert.equal(listed?.ServiceStatus?.DesiredTasks, 0);

  await run.engine.services.update(id, created.Version.Index, { ...created.Spec, Labels: { ...run.labels, step: 'two' } });
  const updated = await run.engine.services.inspect(id);
  assert.equal(updated.Spec.Labels?.['step'], 'two');
  assert.equal(updated.PreviousSpec?.Labels?.['step'], undefined);

  await assert.rejects(run.engine.services.update(id, created.Version.Index, created.Spec), (err: unknown) => {
    assert.ok(isEngineError(err, 'out-of-sequence'));
    assert.equal(err.status, 500);
    assert.match(err.message, new RegExp(`POST /services/${id}/update failed \\(500\\): .*update out of sequence`));
    return true;
  });

  await run.engine.services.update(id, updated.Version.Index, updated.Spec, { rollback: 'previous', registryAuthFrom: 'previous-spec' });
  const rolledBack = await run.engine.services.inspect(id);
  assert.equal(rolledBack.Spec.Labels?.['step'], undefined);

  await run.engine.services.remove(id);
  await assert.rejects(run.engine.services.inspect(id), (err: unknown) => isEngineError(err, 'not-found'));
});

test('renaming a service is not implemented by the Engine (501)', async () => {
  const { id } = await run.engine.services.create(serviceSpec('norename', ['sleep', '300'], 0));
  const service = await run.engine.services.inspect(id);
  await assert.rejects(run.engine.services.update(id, service.Version.Index, { ...service.Spec, Name: run.name('renamed') }), (err: unknown) =>
    isEngineError(err, 'not-implemented'),
  );
});

test("a service's tasks are listed by service, and its logs are demultiplexed", async () => {
  const { id } = await run.engine.services.create(serviceSpec('logger', ['sh', '-c', 'echo svc-out; echo svc-err >&2; sleep 300']));
  const task = await waitFor(
    'a running task',
    async () => (await run.engine.tasks.list({ filters: { service: id, 'desired-state': 'running' } })).find((t) => t.Status.State === 'running'),
    60_000,
  );
  assert.equal(task.ServiceID, id);
  const logs = await waitFor(
    'the service logs',
    async () => {
      const got = await collectLogs(await run.engine.services.logs(id));
      return got.stdout.includes('svc-out') && got.stderr.includes('svc-err') ? got : undefined;
    },
    30_000,
    500,
  );
  assert.equal(logs.stdout, 'svc-out\n');
  assert.equal(logs.stderr, 'svc-err\n');
});
