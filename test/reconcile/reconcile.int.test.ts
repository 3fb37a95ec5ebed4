// The reconciler against the real Engine (Swarm on): issue 4's scenarios, through the library
// pipeline (observe -> plan -> apply). Each test has a project of its own.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collectLogs, waitFor } from '../support/engine.js';
import type { DesiredProject } from '../../src/model/desired.js';
import type { EngineClient } from '../../src/engine/client.js';
import { config, ctr, net, project, secret, svc, vol } from '../support/model.js';
import { applyProject, failures, planAgainst, renameProject, useProject } from '../support/project.js';

const run = useProject('rc');

interface StackOptions {
  readonly dbEnv?: Record<string, string>;
  readonly apiEnv?: Record<string, string>;
  readonly pw?: string;
  readonly site?: string;
  readonly withWeb?: boolean;
  readonly withAgent?: boolean;
  readonly withCache?: boolean;
}

/** Every kind: bridge and overlay networks, a volume, a secret, a config, two containers with
 * depends_on, a replicated and a global service. */
function stack(name: string, o: StackOptions = {}): DesiredProject {
  const dataMount = { type: 'volume' as const, source: 'data', target: '/data', readOnly: false, noCopy: false };
  return renameProject(project({
    networks: [net('default'), net('backend', { driver: 'overlay', attachable: true })],
    volumes: [vol('data'), ...(o.withCache === true ? [vol('cache')] : [])],
    secrets: [secret('db_pw', o.pw ?? 'first-password')],
    configs: [config('site', o.site ?? 'listen 80\n')],
    containers: [
      // Writes a marker into the volume once, and prints what it finds there at every start.
      ctr('db', { init: true, command: ['/bin/sh', '-c', 'cat /data/marker 2>/dev/null || echo none; [ -f /data/marker ] || echo persisted > /data/marker; exec sleep 3600'], mounts: [dataMount], environment: o.dbEnv ?? {} }),
      ...(o.withWeb === false ? [] : [ctr('web', { init: true, networks: { default: { aliases: ['web'], ipv4Address: null }, backend: { aliases: ['web'], ipv4Address: null } } }, { db: { condition: 'service_started' } })]),
    ],
    services: [
      svc('api', {
        environment: o.apiEnv ?? {},
        stopGracePeriod: 1e9,
        secrets: [{ source: 'db_pw', target: 'db_pw', uid: '0', gid: '0', mode: 0o400 }],
        configs: [{ source: 'site', target: '/etc/site.conf', uid: '0', gid: '0', mode: 0o444 }],
      }),
      ...(o.withAgent === false ? [] : [svc('agent', { mode: 'global', replicas: null, stopGracePeriod: 1e9 })]),
    ],
  }), name);
}

function mutating(engine: EngineClient): number {
  const { requests } = engine.counters();
  return Object.entries(requests).filter(([method]) => method !== 'GET' && method !== 'HEAD').reduce((n, [, count]) => n + count, 0);
}

async function applyOk(desired: DesiredProject, over = {}) {
  const result = await applyProject(run.engine, desired, over);
  assert.deepEqual(failures(result.report), []);
  return result;
}

async function logsOf(engine: EngineClient, name: string): Promise<string> {
  return (await collectLogs(await engine.containers.logs(name, { stdout: true, stderr: true }))).stdout;
}

describe('the reconciler on a real Engine', () => {
  test('creates every kind from empty; the next plan is empty and the next apply writes nothing', async () => {
    const name = run.newProject();
    const desired = stack(name);
    const first = await applyOk(desired);
    assert.deepEqual(first.plan.summary, { create: 9, update: 0, replace: 0, delete: 0 });

    const events = await run.engine.events({ filters: { label: [`io.moor.project=${name}`] } });
    const seen: string[] = [];
    const collecting = (async () => {
      for await (const e of events) seen.push(`${e.Type} ${e.Action}`);
    })();
    const before = mutating(run.engine);
    const second = await applyOk(desired);
    assert.deepEqual(second.plan.changes, []);
    assert.equal(mutating(run.engine) - before, 0, 'a second apply makes no mutating Engine call');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await events.close();
    await collecting;
    assert.deepEqual(seen.filter((e) => !/ (exec_|health_status)/.test(e)), [], 'and the Engine saw no change to the project');
  });

  test('a one-field service change updates only that service; the others keep their version', async () => {
    const name = run.newProject();
    await applyOk(stack(name));
    const { observed } = await planAgainst(run.engine, stack(name));
    const versions = new Map(observed.services.map((s) => [s.name, s.version]));
    const before = mutating(run.engine);
    const { plan } = await applyOk(stack(name, { apiEnv: { MODE: 'fast' } }));
    assert.deepEqual(plan.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['update service/api']);
    assert.equal(mutating(run.engine) - before, 1, 'exactly one mutating request');
    const after = (await planAgainst(run.engine, stack(name, { apiEnv: { MODE: 'fast' } }))).observed;
    assert.equal(after.services.find((s) => s.name === 'agent')?.version, versions.get('agent'));
    assert.notEqual(after.services.find((s) => s.name === 'api')?.version, versions.get('api'));
  });

  test('a container change replaces it, and the data in its volume survives', async () => {
    const name = run.newProject();
    await applyOk(stack(name, { withAgent: false }));
    const engineName = `${name}_db`;
    await waitFor('the first db to write its marker', async () => ((await logsOf(run.engine, engineName)).includes('none') ? true : undefined));
    const oldId = (await run.engine.containers.inspect(engineName)).Id;
    const { plan } = await applyOk(stack(name, { withAgent: false, dbEnv: { VERSION: '2' } }));
    assert.deepEqual(plan.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['replace container/db']);
    const fresh = await run.engine.containers.inspect(engineName);
    assert.notEqual(fresh.Id, oldId);
    assert.equal(fresh.State.Running, true);
    await waitFor('the new db to read the marker', async () => ((await logsOf(run.engine, engineName)).includes('persisted') ? true : undefined));
    assert.deepEqual((await planAgainst(run.engine, stack(name, { withAgent: false, dbEnv: { VERSION: '2' } }))).plan.changes, []);
  });

  test('secret and config rotation: new versions, the service moves, the old version stays as its rollback target until the next rotation', async () => {
    const name = run.newProject();
    const v1 = stack(name, { withWeb: false, withAgent: false });
    await applyOk(v1);
    const oldSecret = (await planAgainst(run.engine, v1)).observed.secrets[0]!.engineName;
    const v2 = stack(name, { withWeb: false, withAgent: false, pw: 'second-password', site: 'listen 8080\n' });
    const { plan } = await applyOk(v2);
    assert.deepEqual(plan.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['replace secret/db_pw', 'replace config/site', 'update service/api']);
    const afterV2 = await planAgainst(run.engine, v2);
    assert.deepEqual(afterV2.plan.changes, [], 'a second apply of the same content does nothing');
    const api = afterV2.observed.services.find((s) => s.name === 'api')!;
    const newSecret = api.spec.secrets[0]!.source;
    assert.notEqual(newSecret, oldSecret);
    assert.equal(api.spec.secrets[0]!.target, 'db_pw');
    assert.ok(afterV2.observed.secrets.some((s) => s.engineName === oldSecret), 'the rollback target keeps its secret');
    await applyOk(stack(name, { withWeb: false, withAgent: false, pw: 'third-password', site: 'listen 8080\n' }));
    const afterV3 = (await planAgainst(run.engine, v1)).observed;
    assert.ok(!afterV3.secrets.some((s) => s.engineName === oldSecret), 'the version nothing refers to any more is gone');
    assert.ok(afterV3.secrets.some((s) => s.engineName === newSecret), 'the new rollback target stays');
    assert.equal(afterV3.secrets.length, 2);
  });

  test('out-of-band drift is found and repaired: a removed container, a scaled service, a disconnected network', async () => {
    const name = run.newProject();
    const desired = stack(name, { withAgent: false });
    await applyOk(desired);
    await run.engine.containers.remove(`${name}_db`, { force: true });
    await run.engine.containers.disconnectNetwork(`${name}_web`, `${name}_backend`, { force: true });
    const svcLive = await run.engine.services.inspect(`${name}_api`);
    await run.engine.services.update(svcLive.ID, svcLive.Version.Index, { ...svcLive.Spec, Mode: { Replicated: { Replicas: 0 } } });
    const { plan } = await planAgainst(run.engine, desired);
    assert.deepEqual(plan.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['create container/db', 'update container/web', 'update service/api']);
    assert.deepEqual(plan.changes.find((c) => c.name === 'api')?.fields, [{ path: 'replicas', before: 0, after: 1 }]);
    await applyOk(desired);
    assert.deepEqual((await planAgainst(run.engine, desired)).plan.changes, []);
  });

  test('a deleted network is recreated and its containers are reconnected', async () => {
    const name = run.newProject();
    const desired = stack(name, { withAgent: false });
    await applyOk(desired);
    await run.engine.containers.remove(`${name}_web`, { force: true });
    await run.engine.networks.remove(`${name}_default`).catch(() => undefined);
    await run.engine.containers.disconnectNetwork(`${name}_db`, `${name}_default`, { force: true }).catch(() => undefined);
    await run.engine.networks.remove(`${name}_default`);
    const { plan } = await planAgainst(run.engine, desired);
    assert.deepEqual(plan.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['create network/default', 'update container/db', 'create container/web']);
    await applyOk(desired);
    assert.deepEqual((await planAgainst(run.engine, desired)).plan.changes, []);
  });

  test('objects removed from the manifest are deleted; a volume only with --prune-volumes', async () => {
    const name = run.newProject();
    await applyOk(stack(name, { withCache: true }));
    const smaller = stack(name, { withWeb: false, withAgent: false });
    const { plan } = await applyOk(smaller);
    assert.deepEqual(plan.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['delete container/web', 'delete service/agent']);
    assert.match(plan.problems.map((p) => p.message).join('\n'), new RegExp(`volume ${name}_cache is no longer in the manifest; kept`));
    assert.ok((await run.engine.volumes.list({ filters: { name: [`${name}_cache`] } })).volumes.length === 1);
    const pruned = await applyOk(smaller, { pruneVolumes: true });
    assert.deepEqual(pruned.plan.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['delete volume/cache']);
    assert.deepEqual((await run.engine.volumes.list({ filters: { name: [`${name}_cache`] } })).volumes.filter((v) => v.Name === `${name}_cache`), []);
  });

  test('a name held by an object moor does not own is refused at plan time, before any change', async () => {
    const name = run.newProject();
    await run.engine.networks.create({ Name: `${name}_default`, CheckDuplicate: true, Labels: { 'io.moor.test': name } });
    try {
      const desired = stack(name, { withAgent: false });
      const { plan } = await planAgainst(run.engine, desired);
      assert.match(plan.problems.filter((p) => p.severity === 'error').map((p) => p.message).join('\n'), new RegExp(`network ${name}_default already exists and was not created by moor`));
      const before = mutating(run.engine);
      await assert.rejects(applyProject(run.engine, desired), /the plan has 1 error; nothing was changed/);
      assert.equal(mutating(run.engine) - before, 0);
    } finally {
      await run.engine.networks.remove(`${name}_default`);
    }
  });

  test('destroy removes what the project owns and leaves other objects alone, even with look-alike labels', async () => {
    const name = run.newProject();
    await applyOk(stack(name, { withAgent: false }));
    const bystander = await run.engine.networks.create({ Name: `${name}_bystander`, CheckDuplicate: true, Labels: { 'io.moor.project': `${name}x`, 'io.moor.name': 'bystander' } });
    try {
      const empty = renameProject(project({}), name);
      const { plan } = await applyOk(empty);
      assert.deepEqual(plan.changes.map((c) => `${c.action} ${c.kind}/${c.name}`).sort(), ['delete config/site', 'delete container/db', 'delete container/web', 'delete network/backend', 'delete network/default', 'delete secret/db_pw', 'delete service/api'].sort());
      assert.equal((await run.engine.networks.inspect(bystander.id)).Name, `${name}_bystander`);
      const left = await planAgainst(run.engine, empty);
      assert.deepEqual(left.observed.containers, []);
      assert.deepEqual(left.observed.services, []);
      assert.equal(left.observed.volumes.length, 1, 'the volume stays without --volumes');
    } finally {
      await run.engine.networks.remove(bystander.id);
    }
  });
});
