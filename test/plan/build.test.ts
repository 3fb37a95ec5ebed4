import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildPlan, DEFAULT_PLAN_OPTIONS, type Plan, type PlanOptions } from '../../src/plan/build.js';
import type { Step } from '../../src/plan/steps.js';
import type { DesiredProject } from '../../src/model/desired.js';
import type { ObservedProject } from '../../src/model/observed.js';
import { saltedFingerprint, specHash } from '../../src/model/hash.js';
import {
  config,
  ctr,
  emptyObserved,
  foreignUser,
  IMAGE,
  net,
  observeAsApplied,
  project,
  secret,
  sequentialIds,
  svc,
  unowned,
  vol,
  withForeign,
} from '../support/model.js';

function plan(desired: DesiredProject, observed: ObservedProject, over: Partial<PlanOptions> = {}): Plan {
  return buildPlan(desired, observed, { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds('n'), ...over });
}

const keys = (p: Plan): string[] => p.steps.map((s) => s.key);
const step = (p: Plan, key: string): Step => {
  const s = p.steps.find((x) => x.key === key);
  assert.ok(s, `no step ${key} in ${keys(p).join(', ')}`);
  return s;
};
/** Asserts `before` runs before `after` and that `after` (transitively) waits for it. */
function assertOrdered(p: Plan, before: string, after: string): void {
  const ks = keys(p);
  assert.ok(ks.indexOf(before) !== -1 && ks.indexOf(before) < ks.indexOf(after), `${before} should come before ${after}: ${ks.join(', ')}`);
  const seen = new Set<string>();
  const waitsFor = (key: string): boolean => {
    if (seen.has(key)) return false;
    seen.add(key);
    return step(p, key).after.some((d) => d === before || waitsFor(d));
  };
  assert.ok(waitsFor(after), `${after} does not wait for ${before}`);
}
const changeOf = (p: Plan, id: string) => p.changes.find((c) => `${c.kind}/${c.name}` === id);
const errors = (p: Plan): string[] => p.problems.filter((x) => x.severity === 'error').map((x) => x.message);

function fullProject(): DesiredProject {
  return project({
    networks: [net('default'), net('backend', { driver: 'overlay', attachable: true })],
    volumes: [vol('data')],
    secrets: [secret('db_pw', 'hunter2')],
    configs: [config('site', 'listen 80\n')],
    containers: [
      ctr('db', { mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false, noCopy: false }] }),
      ctr('web', {}, { db: { condition: 'service_started' } }),
    ],
    services: [
      svc('api', {
        secrets: [{ source: 'db_pw', target: 'db_pw', uid: '0', gid: '0', mode: 0o444 }],
        configs: [{ source: 'site', target: '/site', uid: '0', gid: '0', mode: 0o444 }],
      }),
      svc('agent', { mode: 'global', replicas: null }),
    ],
  });
}

describe('a plan from an empty Engine', () => {
  const desired = fullProject();
  const p = plan(desired, emptyObserved());

  test('creates every object once and counts them', () => {
    assert.deepEqual(p.summary, { create: 9, update: 0, replace: 0, delete: 0 });
    assert.deepEqual(p.problems, []);
    assert.deepEqual(
      p.changes.map((c) => `${c.action} ${c.kind}/${c.name}`),
      ['create network/backend', 'create network/default', 'create volume/data', 'create secret/db_pw', 'create config/site', 'create container/db', 'create container/web', 'create service/agent', 'create service/api'],
    );
  });

  test('creates networks, volumes, secrets and configs before what uses them', () => {
    assertOrdered(p, 'network/default:create', 'container/db:create');
    assertOrdered(p, 'volume/data:create', 'container/db:create');
    assertOrdered(p, 'network/backend:create', 'service/api:create');
    assertOrdered(p, 'secret/db_pw:create@shop_db_pw_n0000001', 'service/api:create');
    assertOrdered(p, `config/site:create@${(changeOf(p, 'config/site') ?? { engineName: '' }).engineName}`, 'service/api:create');
  });

  test('starts a container after the containers it depends on have started', () => {
    assertOrdered(p, 'container/db:start', 'container/web:start');
    assertOrdered(p, 'container/web:create', 'container/web:start');
  });

  test('names secret versions with a random id and configs with a content hash', () => {
    assert.equal(changeOf(p, 'secret/db_pw')?.engineName, 'shop_db_pw_n0000001');
    assert.match(changeOf(p, 'config/site')?.engineName ?? '', /^shop_site_[0-9a-f]{8}$/);
  });

  test('never puts secret bytes in changes or steps', () => {
    assert.ok(!JSON.stringify(p).includes('hunter2'));
    assert.deepEqual(changeOf(p, 'secret/db_pw')?.fields[0], { path: 'content', after: '(sensitive)' });
  });

  test('is deterministic', () => {
    assert.deepEqual(plan(desired, emptyObserved()), p);
  });
});

describe('a plan against the state its own apply left', () => {
  test('is empty: no changes, no steps, no problems', () => {
    const desired = fullProject();
    const p = plan(desired, observeAsApplied(desired));
    assert.deepEqual(p.changes, []);
    assert.deepEqual(p.steps, []);
    assert.deepEqual(p.problems, []);
    assert.deepEqual(p.summary, { create: 0, update: 0, replace: 0, delete: 0 });
  });

  test('does not pull an image that went missing for objects that do not change', () => {
    const desired = fullProject();
    const p = plan(desired, { ...observeAsApplied(desired), images: new Map() });
    assert.deepEqual(p.steps, []);
  });
});

describe('services', () => {
  test('a one-field change updates only that service, with the version it was planned from', () => {
    const desired = fullProject();
    const observed = observeAsApplied(desired);
    const changed = project({ ...asObjects(desired), services: [svc('api', { ...desired.services.api!.spec, environment: { MODE: 'fast' } }), desired.services.agent!] });
    const p = plan(changed, observed);
    assert.deepEqual(p.summary, { create: 0, update: 1, replace: 0, delete: 0 });
    const c = changeOf(p, 'service/api');
    assert.equal(c?.action, 'update');
    assert.deepEqual(c?.fields, [{ path: 'environment.MODE', after: 'fast' }]);
    assert.deepEqual(keys(p), ['service/api:update']);
    const s = step(p, 'service/api:update');
    assert.ok(s.op === 'service.update' && s.version === 100 && s.spec.environment.MODE === 'fast');
  });

  test('a mode change replaces the service: remove, then create', () => {
    const desired = project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('api')] });
    const observed = observeAsApplied(desired);
    const p = plan(project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('api', { mode: 'global', replicas: null })] }), observed);
    assert.equal(changeOf(p, 'service/api')?.action, 'replace');
    assert.match(changeOf(p, 'service/api')?.reason ?? '', /mode changes from replicated to global/);
    assertOrdered(p, 'service/api:remove-old', 'service/api:create');
  });

  test('a service no longer in the manifest is removed before the network it used', () => {
    const before = project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('api')] });
    const p = plan(project({}), observeAsApplied(before));
    assert.deepEqual(p.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['delete network/backend', 'delete service/api']);
    assertOrdered(p, 'service/api:remove', 'network/backend:remove');
  });

  test('services are removed in reverse dependency order', () => {
    const before = project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('db'), svc('api', {}, ['db'])] });
    const p = plan(project({ networks: [net('backend', { driver: 'overlay' })] }), observeAsApplied(before));
    assertOrdered(p, 'service/api:remove', 'service/db:remove');
  });
});

describe('services Swarm rolled back or paused (flap protection)', () => {
  const before = project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('api'), svc('db')] });
  const failing = project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('api', { command: ['sh', '-c', 'exit 1'] }), svc('db', { replicas: 2 })] });
  /** The live state after Swarm rolled api back to `before`, with what moor recorded then. */
  function rolledBack(recorded: 'recorded' | 'not recorded'): ObservedProject {
    const sent = step(plan(failing, observeAsApplied(before)), 'service/api:update');
    assert.ok(sent.op === 'service.update');
    const observed = observeAsApplied(before);
    return {
      ...observed,
      services: observed.services.map((s) => s.name !== 'api' ? s : recorded === 'recorded'
        ? { ...s, failedRollout: { specHash: specHash(sent.spec), message: 'update rolled back due to failure or early termination of task t1' } }
        : { ...s, updateStatus: { state: 'rollback_completed' as const, message: 'rollback completed' } }),
    };
  }

  test('the exact spec Swarm rolled back is held back with a warning, and other changes still go ahead', () => {
    const p = plan(failing, rolledBack('recorded'));
    assert.deepEqual(p.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['update service/db']);
    assert.deepEqual(keys(p), ['service/db:update']);
    assert.equal(errors(p).length, 0);
    const held = p.problems.find((x) => x.object === 'service/api');
    assert.equal(held?.code, 'rollout-held');
    assert.match(held?.message ?? '', /last rollout of this exact spec was rolled back by Swarm: update rolled back due to failure .*--retry-failed/);
  });

  test('--replace does not get past a held-back update, and says so', () => {
    const p = plan(failing, rolledBack('recorded'), { replace: ['service/api'] });
    assert.equal(changeOf(p, 'service/api'), undefined);
    assert.ok(p.problems.some((x) => x.message === '--replace service/api: not done: its update is held back (see the other warning); add --retry-failed to send it anyway'), JSON.stringify(p.problems));
  });

  test('--retry-failed sends the rolled-back spec again', () => {
    const p = plan(failing, rolledBack('recorded'), { retryFailed: true });
    assert.equal(changeOf(p, 'service/api')?.action, 'update');
    assert.ok(!p.problems.some((x) => x.code === 'rollout-held'));
  });

  test('a manifest changed since the rollback is sent: only the exact failed spec is held back', () => {
    const fixed = project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('api', { command: ['sh', '-c', 'exec sleep 3600'] }), svc('db')] });
    const p = plan(fixed, rolledBack('recorded'));
    assert.equal(changeOf(p, 'service/api')?.action, 'update');
    assert.deepEqual(p.problems, []);
  });

  test('a rollback moor did not record is sent again, with a warning that says so', () => {
    const p = plan(failing, rolledBack('not recorded'));
    assert.equal(changeOf(p, 'service/api')?.action, 'update');
    assert.match(p.problems.find((x) => x.object === 'service/api')?.message ?? '', /Swarm rolled back its last rollout \(rollback completed\); this spec is sent again/);
  });

  test('a rollback Swarm paused, or is still running, that moor did not record: the spec is sent again, with a warning that says so', () => {
    for (const [state, said] of [['rollback_paused', 'paused the rollback of'], ['rollback_started', 'is rolling back']] as const) {
      const observed = rolledBack('not recorded');
      const live = { ...observed, services: observed.services.map((s) => (s.name === 'api' ? { ...s, updateStatus: { state, message: 'update rolled back' } } : s)) };
      const p = plan(failing, live);
      assert.equal(changeOf(p, 'service/api')?.action, 'update');
      assert.equal(p.problems.find((x) => x.object === 'service/api')?.message, `Swarm ${said} its last rollout (update rolled back); this spec is sent again, which ends that rollback`);
    }
  });

  test('a paused rollout is reported, and --retry-failed restarts it by bumping ForceUpdate', () => {
    const observed = observeAsApplied(before);
    const paused: ObservedProject = {
      ...observed,
      services: observed.services.map((s) => (s.name === 'api' ? { ...s, updateStatus: { state: 'paused' as const, message: 'update paused due to failure or early termination of task t2' } } : s)),
    };
    const p = plan(before, paused);
    assert.deepEqual(p.steps, []);
    assert.equal(p.problems[0]?.code, 'rollout-paused');
    assert.match(p.problems[0]?.message ?? '', /Swarm paused the rollout of this service: update paused due to failure/);
    const retried = plan(before, paused, { retryFailed: true });
    assert.deepEqual(keys(retried), ['service/api:update']);
    const s = step(retried, 'service/api:update');
    assert.ok(s.op === 'service.update' && s.bumpForceUpdate === true);
    assert.match(changeOf(retried, 'service/api')?.reason ?? '', /paused rollout is restarted \(--retry-failed\)/);
  });
});

describe('containers', () => {
  const base = (): DesiredProject => project({ networks: [net('default')], volumes: [vol('data')], containers: [ctr('db', { mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false, noCopy: false }] })] });

  test('an immutable field change replaces it by create-then-swap, keeping the volume', () => {
    const desired = base();
    const observed = observeAsApplied(desired);
    const old = observed.containers[0]!;
    const changed = project({ ...asObjects(desired), containers: [ctr('db', { ...desired.containers.db!.spec, environment: { A: '1' } })] });
    const p = plan(changed, observed);
    assert.equal(changeOf(p, 'container/db')?.action, 'replace');
    assert.match(changeOf(p, 'container/db')?.reason ?? '', /environment changed/);
    // The old one is stopped and renamed aside, and removed only once the new one has started.
    assert.deepEqual(keys(p), ['container/db:create', 'container/db:stop-old', 'container/db:rename-old', 'container/db:rename', 'container/db:start', 'container/db:remove-old']);
    const create = step(p, 'container/db:create');
    assert.ok(create.op === 'container.create' && create.engineName === `${old.id.slice(0, 12)}_shop_db` && create.replaces === old.id);
    const aside = step(p, 'container/db:rename-old');
    assert.ok(aside.op === 'container.rename' && aside.from === 'shop_db' && aside.to === `${old.id.slice(0, 12)}_previous_shop_db`);
    const removal = step(p, 'container/db:remove-old');
    assert.ok(removal.op === 'container.remove-previous');
    assert.deepEqual(removal.replacement, {
      engineName: 'shop_db',
      temporaryName: `${old.id.slice(0, 12)}_shop_db`,
      previousName: `${old.id.slice(0, 12)}_previous_shop_db`,
      previousId: old.id,
      previousRunning: true,
      stopTimeout: null,
    });
    assert.ok(!keys(p).some((k) => k.startsWith('volume/')));
  });

  test("a replacement takes over the replaced container's anonymous volumes, says so, and the removals take the rest", () => {
    const anon = (target: string) => ({ type: 'volume' as const, source: '', target, readOnly: false, noCopy: false });
    const desired = project({ networks: [net('default')], volumes: [vol('data')], containers: [ctr('db', { mounts: [anon('/a'), anon('/b')] })] });
    const applied = observeAsApplied(desired);
    const volumes = { '/a': 'a'.repeat(64), '/b': 'b'.repeat(64), '/img': 'c'.repeat(64) };
    const observed = { ...applied, containers: applied.containers.map((c) => ({ ...c, anonymousVolumes: volumes })) };
    // /a stays anonymous, /b becomes the named volume `data`, /img (an image VOLUME) is not mounted by the manifest.
    const changed = project({ ...asObjects(desired), containers: [ctr('db', { mounts: [anon('/a'), { type: 'volume', source: 'data', target: '/b', readOnly: false, noCopy: false }], environment: { A: '1' } })] });
    const p = plan(changed, observed);
    const create = step(p, 'container/db:create');
    assert.ok(create.op === 'container.create');
    assert.deepEqual(create.carried, [
      { target: '/a', volume: 'a'.repeat(64), ifImageDeclares: false },
      { target: '/img', volume: 'c'.repeat(64), ifImageDeclares: true },
    ]);
    const removal = step(p, 'container/db:remove-old');
    assert.ok(removal.op === 'container.remove-previous');
    assert.deepEqual(removal.volumes, Object.values(volumes), 'all of them: those taken over are in use then and stay');
    const replaced = changeOf(p, 'container/db');
    assert.ok(replaced?.action === 'replace' && replaced.dataLoss, 'the volume at /b is lost');
    assert.deepEqual(changeOf(p, 'container/db')?.notes, [
      'anonymous volume at /a (aaaaaaaaaaaa): carried over to the new container',
      'anonymous volume at /b (bbbbbbbbbbbb): removed with the previous container (the manifest mounts something else there)',
      `anonymous volume at /img (cccccccccccc): carried over to the new container if image ${IMAGE} declares VOLUME /img, else removed with the previous container`,
    ]);

    // Deleted: kept, unless --prune-volumes.
    const gone = project({ networks: [net('default')], volumes: [vol('data')] });
    const kept = plan(gone, observed);
    const remove = step(kept, 'container/db:remove');
    assert.ok(remove.op === 'container.remove' && remove.volumes === undefined);
    assert.deepEqual(changeOf(kept, 'container/db')?.notes, ['/a', '/b', '/img'].map((t, i) => `anonymous volume at ${t} (${'abc'[i]!.repeat(12)}): kept, unused`));
    const pruned = plan(gone, observed, { pruneVolumes: true });
    const prune = step(pruned, 'container/db:remove');
    assert.ok(prune.op === 'container.remove');
    assert.deepEqual(prune.volumes, Object.values(volumes));
    assert.match(changeOf(pruned, 'container/db')?.notes?.[0] ?? '', /: removed with the container$/);
    // Carried over, or maybe (an image's VOLUME): no data loss.
    const carriedOnly = { ...observed, containers: observed.containers.map((c) => ({ ...c, anonymousVolumes: { '/a': 'a'.repeat(64), '/img': 'c'.repeat(64) } })) };
    const keeping = changeOf(plan(changed, carriedOnly), 'container/db');
    assert.ok(keeping?.action === 'replace' && !keeping.dataLoss);
    // A container without anonymous volumes has no notes, and its replacement carries nothing over.
    const plain = plan(changed, applied);
    assert.equal(changeOf(plain, 'container/db')?.notes, undefined);
    const plainCreate = step(plain, 'container/db:create');
    assert.ok(plainCreate.op === 'container.create' && plainCreate.carried === undefined);
  });

  test('a restart policy change updates it in place', () => {
    const desired = base();
    const changed = project({ ...asObjects(desired), containers: [ctr('db', { ...desired.containers.db!.spec, restart: { name: 'always', maxRetries: 0 } })] });
    const p = plan(changed, observeAsApplied(desired));
    assert.equal(changeOf(p, 'container/db')?.action, 'update');
    assert.deepEqual(keys(p), ['container/db:update']);
  });

  describe('memory and CPU limits', () => {
    const MiB = 1024 * 1024;
    const withLimits = (memLimit: number | null, cpus: number | null): DesiredProject =>
      project({ ...asObjects(base()), containers: [ctr('db', { ...base().containers.db!.spec, memLimit, cpus })] });

    test('a raised memory limit updates it in place, and the plan says the swap limit goes with it', () => {
      const p = plan(withLimits(256 * MiB, 5e8), observeAsApplied(withLimits(64 * MiB, 5e8)));
      assert.equal(changeOf(p, 'container/db')?.action, 'update');
      assert.deepEqual(changeOf(p, 'container/db')?.notes, ['swap limit set to 512MiB with it (twice memLimit, as a create sets it)']);
      assert.deepEqual(keys(p), ['container/db:update']);
      const update = step(p, 'container/db:update');
      assert.ok(update.op === 'container.update' && update.memLimit === 256 * MiB && update.cpus === 5e8);
    });

    test('a limit set where there was none, or a changed CPU limit, updates it in place', () => {
      for (const [from, to] of [[withLimits(null, null), withLimits(64 * MiB, 5e8)], [withLimits(64 * MiB, 5e8), withLimits(64 * MiB, 1e9)]] as const) {
        const p = plan(to, observeAsApplied(from));
        assert.equal(changeOf(p, 'container/db')?.action, 'update');
        assert.deepEqual(keys(p), ['container/db:update']);
      }
      // Only the CPU limit changed: the swap limit is not mentioned.
      assert.equal(changeOf(plan(withLimits(64 * MiB, 1e9), observeAsApplied(withLimits(64 * MiB, 5e8))), 'container/db')?.notes, undefined);
    });

    test('a memory limit the manifest no longer sets replaces the container, and says the Engine cannot drop it in place', () => {
      const p = plan(withLimits(null, 5e8), observeAsApplied(withLimits(128 * MiB, 5e8)));
      assert.equal(changeOf(p, 'container/db')?.action, 'replace');
      assert.equal(changeOf(p, 'container/db')?.reason, 'memLimit removed (a container cannot drop its memory limit in place)');
      assert.deepEqual(keys(p), ['container/db:create', 'container/db:stop-old', 'container/db:rename-old', 'container/db:rename', 'container/db:start', 'container/db:remove-old']);
    });

    test('limits set by hand (docker update) on a container the manifest leaves unlimited replace it, naming both; with another change, all reasons are given', () => {
      const p = plan(withLimits(null, null), observeAsApplied(withLimits(128 * MiB, 5e8)));
      assert.equal(changeOf(p, 'container/db')?.action, 'replace');
      assert.equal(changeOf(p, 'container/db')?.reason, 'memLimit and cpus removed (a container cannot drop its memory or CPU limit in place)');
      const alsoEnv = project({ ...asObjects(base()), containers: [ctr('db', { ...base().containers.db!.spec, environment: { A: '1' }, cpus: null })] });
      const q = plan(alsoEnv, observeAsApplied(withLimits(null, 5e8)));
      assert.equal(changeOf(q, 'container/db')?.reason, 'environment changed (a container cannot change it in place); cpus removed (a container cannot drop its CPU limit in place)');
    });
  });

  test('a container stopped by hand is started again', () => {
    const desired = base();
    const observed = observeAsApplied(desired);
    const stopped = { ...observed, containers: observed.containers.map((c) => ({ ...c, state: { ...c.state, status: 'exited', running: false, exitCode: 137 } })) };
    const p = plan(desired, stopped);
    assert.match(changeOf(p, 'container/db')?.reason ?? '', /exited \(exit code 137\)/);
    assert.deepEqual(keys(p), ['container/db:start']);
    // One created and never started (its start failed: a port taken) says so.
    const created = { ...observed, containers: observed.containers.map((c) => ({ ...c, state: { ...c.state, status: 'created', running: false, exitCode: 0 } })) };
    assert.equal(changeOf(plan(desired, created), 'container/db')?.reason, 'the container was created but never started');
  });

  test('a one-shot container that completed successfully is left alone', () => {
    const desired = base();
    const observed = observeAsApplied(desired);
    const done = { ...observed, containers: observed.containers.map((c) => ({ ...c, state: { ...c.state, status: 'exited', running: false, exitCode: 0 } })) };
    assert.deepEqual(plan(desired, done).steps, []);
  });

  test('a container removed by hand is created again', () => {
    const desired = base();
    const p = plan(desired, { ...observeAsApplied(desired), containers: [] });
    assert.deepEqual(p.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['create container/db']);
  });

  test('a leftover of an interrupted replace is removed and one container remains', () => {
    const desired = base();
    const observed = observeAsApplied(desired);
    const live = observed.containers[0]!;
    const leftover = { ...live, id: 'ffffffffffff0000', engineName: `${live.id.slice(0, 12)}_shop_db`, replaces: live.id };
    const p = plan(desired, { ...observed, containers: [live, leftover] });
    assert.deepEqual(p.changes.map((c) => `${c.action} ${c.engineName}`), [`delete ${leftover.engineName}`]);
    assert.deepEqual(keys(p), ['container/db:stop-leftover-ffffffffffff', 'container/db:remove-leftover-ffffffffffff']);
    assert.equal(p.changes[0]?.reason, 'leftover of an interrupted replace');
    // The previous container, set aside under a name made of its own id, is one too.
    const aside = { ...live, id: 'eeeeeeeeeeee0000', engineName: 'eeeeeeeeeeee_previous_shop_db', replaces: null };
    assert.equal(plan(desired, { ...observed, containers: [live, aside] }).changes[0]?.reason, 'leftover of an interrupted replace');
  });

  test('a container of the project renamed by hand is said to be so, not taken for a leftover of a replace', () => {
    const desired = base();
    const observed = observeAsApplied(desired);
    const renamed = { ...observed.containers[0]!, engineName: 'my-db' };
    const p = plan(desired, { ...observed, containers: [renamed] });
    assert.deepEqual(p.changes.map((c) => `${c.action} ${c.engineName}: ${c.reason}`), ['delete my-db: renamed by hand (the manifest names it shop_db)', 'create shop_db: not found on the Engine']);
  });

  test('a replace interrupted after its create: the leftover holding the temporary name is removed before the new replacement is created', () => {
    const desired = base();
    const observed = observeAsApplied(desired);
    const live = observed.containers[0]!;
    const leftover = { ...live, id: 'ffffffffffff0000', engineName: `${live.id.slice(0, 12)}_shop_db`, replaces: live.id };
    const changed = project({ ...asObjects(desired), containers: [ctr('db', { ...desired.containers.db!.spec, environment: { A: '1' } })] });
    const p = plan(changed, { ...observed, containers: [live, leftover] });
    const create = step(p, 'container/db:create');
    assert.ok(create.op === 'container.create' && create.engineName === leftover.engineName, 'the new replacement gets the same temporary name');
    assertOrdered(p, 'container/db:remove-leftover-ffffffffffff', 'container/db:create');
    assertOrdered(p, 'container/db:create', 'container/db:stop-old');
  });

  test('service_healthy makes the dependant wait for health', () => {
    const desired = project({ networks: [net('default')], containers: [ctr('db'), ctr('web', {}, { db: { condition: 'service_healthy' } })] });
    const p = plan(desired, emptyObserved());
    assertOrdered(p, 'container/db:start', 'container/db:wait-healthy');
    assertOrdered(p, 'container/db:wait-healthy', 'container/web:start');
    const w = step(p, 'container/db:wait-healthy');
    assert.ok(w.op === 'container.wait' && w.condition === 'service_healthy');
  });

  test('a dependency the plan does not start is waited for too (it may be unhealthy or still starting); one that only needs to be started is not', () => {
    const desired = project({ networks: [net('default')], containers: [ctr('db'), ctr('web', {}, { db: { condition: 'service_healthy' } })] });
    const onlyDb = observeAsApplied(project({ networks: [net('default')], containers: [ctr('db')] }));
    const p = plan(desired, onlyDb);
    assert.deepEqual(keys(p), ['container/db:wait-healthy', 'container/web:create', 'container/web:start']);
    assertOrdered(p, 'container/db:wait-healthy', 'container/web:start');
    const started = project({ networks: [net('default')], containers: [ctr('db'), ctr('web', {}, { db: { condition: 'service_started' } })] });
    assert.deepEqual(keys(plan(started, onlyDb)), ['container/web:create', 'container/web:start']);
    assert.deepEqual(plan(desired, observeAsApplied(desired)).steps, [], 'nothing to start: nothing to wait for');
  });

  test('a container that takes over a host port from a container the plan removes (a rename) starts once that one is stopped', () => {
    const port = { target: 80, published: 8080, hostIp: '', protocol: 'tcp' } as const;
    const before = project({ networks: [net('default')], containers: [ctr('web', { ports: [port] }), ctr('other', { ports: [{ ...port, published: 9090 }] })] });
    const after = project({ networks: [net('default')], containers: [ctr('web_1', { ports: [port] }), ctr('other', { ports: [{ ...port, published: 9090 }] })] });
    const p = plan(after, observeAsApplied(before));
    assertOrdered(p, 'container/web:stop', 'container/web_1:start');
    assert.ok(!step(p, 'container/web_1:create').after.includes('container/web:stop'), 'only the start needs the port');
  });

  test('a host port moved from a replaced container to another: that one starts once the old holder is stopped', () => {
    const port = { target: 80, published: 8080, hostIp: '', protocol: 'tcp' } as const;
    const before = project({ networks: [net('default')], containers: [ctr('web', { ports: [port] })] });
    const after = project({ networks: [net('default')], containers: [ctr('web', { ports: [{ ...port, published: 9090 }] }), ctr('proxy', { ports: [port] })] });
    const p = plan(after, observeAsApplied(before));
    assert.equal(changeOf(p, 'container/web')?.action, 'replace');
    assertOrdered(p, 'container/web:stop-old', 'container/proxy:start');
  });

  test('containers no longer in the manifest stop in reverse dependency order', () => {
    const before = project({ networks: [net('default')], containers: [ctr('db'), ctr('web', {}, { db: { condition: 'service_started' } })] });
    const p = plan(project({ networks: [net('default')] }), observeAsApplied(before));
    assertOrdered(p, 'container/web:remove', 'container/db:stop');
  });

  test('a missing image is pulled before the container is created', () => {
    const desired = project({ networks: [net('default')], containers: [ctr('db', { image: 'example/app:1' })] });
    const p = plan(desired, emptyObserved());
    assertOrdered(p, 'container/db:pull:example/app:1', 'container/db:create');
    const never = plan(desired, emptyObserved(), { pull: 'never' });
    assert.deepEqual(errors(never), ['image example/app:1 is not present on the Engine and pulling is disabled (--pull never)']);
  });

  test('an image tag that now points to another image replaces the container', () => {
    const desired = base();
    const observed = { ...observeAsApplied(desired), images: new Map([[IMAGE, 'sha256:newer']]) };
    const p = plan(desired, observed);
    assert.equal(changeOf(p, 'container/db')?.action, 'replace');
    assert.match(changeOf(p, 'container/db')?.reason ?? '', /now refers to another image/);
  });
});

describe('host ports held by what moor does not manage (a start would fail: "port is already allocated")', () => {
  const web = (hostIp: string, published: number, protocol: 'tcp' | 'udp' = 'tcp') => project({ networks: [net('default')], containers: [ctr('web', { ports: [{ target: 80, published, hostIp, protocol }] })] });
  const held = (observed: ObservedProject, ...ports: { hostIp: string; port: number; protocol?: 'tcp' | 'udp'; holder?: string }[]): ObservedProject =>
    withForeign(observed, { ports: ports.map((p) => ({ holder: foreignUser('container', p.holder ?? 'foreign'), mode: 'bind' as const, hostIp: p.hostIp, port: p.port, protocol: p.protocol ?? 'tcp' })) });

  test('a container moved onto a port a foreign container holds: the plan is refused, naming it, before the running container is stopped', () => {
    const observed = held(observeAsApplied(web('127.0.0.1', 18931)), { hostIp: '127.0.0.1', port: 18932 });
    const p = plan(web('127.0.0.1', 18932), observed);
    assert.deepEqual(errors(p), ['host port 127.0.0.1:18932/tcp is held by container foreign, which moor does not manage: the container could not start ("port is already allocated"); stop or remove that container, or publish another port']);
    assert.equal(p.problems[0]?.object, 'container/web');
    assert.deepEqual(errors(plan(web('127.0.0.1', 18932), held(emptyObserved(), { hostIp: '127.0.0.1', port: 18932 }))).length, 1, 'a new container too');
  });

  test('every address (0.0.0.0, ::, or none given) overlaps any; distinct specific addresses, and udp against tcp, do not clash', () => {
    const clashes = (wanted: string, holder: string, protocol: 'tcp' | 'udp' = 'tcp'): boolean =>
      errors(plan(web(wanted, 18932), held(emptyObserved(), { hostIp: holder, port: 18932, protocol }))).length > 0;
    assert.ok(clashes('', '127.0.0.1'));
    assert.ok(clashes('127.0.0.1', '0.0.0.0'));
    assert.ok(clashes('127.0.0.1', '::'));
    assert.ok(clashes('0.0.0.0', '::'));
    assert.ok(clashes('127.0.0.1', '127.0.0.1'));
    assert.ok(!clashes('127.0.0.1', '127.0.0.2'));
    assert.ok(!clashes('', '0.0.0.0', 'udp'));
    assert.ok(errors(plan(web('', 18933), held(emptyObserved(), { hostIp: '0.0.0.0', port: 18932 }))).length === 0, 'another port');
  });

  test('a holder on two addresses (0.0.0.0 and ::) is named once; a container the plan does not start is no concern', () => {
    const p = plan(web('', 18932), held(emptyObserved(), { hostIp: '0.0.0.0', port: 18932 }, { hostIp: '::', port: 18932 }, { hostIp: '::', port: 18932, holder: 'other' }));
    assert.match(errors(p)[0] ?? '', /^host port 18932\/tcp is held by container foreign, container other, which/);
    const unchanged = held(observeAsApplied(web('', 18932)), { hostIp: '127.0.0.1', port: 18932 });
    assert.deepEqual(plan(web('', 18932), unchanged).problems, []);
  });

  test("a foreign service's port on the routing mesh is a warning: the Engine lets the container bind it too", () => {
    const mesh = withForeign(emptyObserved(), { ports: [{ holder: foreignUser('service', 'mesh'), mode: 'ingress', hostIp: '', port: 18932, protocol: 'tcp' }] });
    const p = plan(web('127.0.0.1', 18932), mesh);
    assert.deepEqual(errors(p), []);
    assert.deepEqual(p.problems.map((x) => `${x.severity} ${x.object}: ${x.message}`), [
      "warning container/web: host port 127.0.0.1:18932/tcp is published on Swarm's routing mesh by service mesh, which moor does not manage: the Engine lets the container bind it too, but then both compete for that port's traffic; publish another port, or change the service's",
    ]);
  });
});

describe('secrets and configs', () => {
  const stack = (pw: string, site: string): DesiredProject =>
    project({
      networks: [net('backend', { driver: 'overlay' })],
      secrets: [secret('db_pw', pw)],
      configs: [config('site', site)],
      services: [svc('api', {
        secrets: [{ source: 'db_pw', target: 'db_pw', uid: '0', gid: '0', mode: 0o400 }],
        configs: [{ source: 'site', target: '/site', uid: '0', gid: '0', mode: 0o444 }],
      })],
    });

  test('a content change creates a new version, moves the service, and keeps the old one as its rollback target', () => {
    const observed = observeAsApplied(stack('hunter2', 'a\n'));
    const oldSecret = observed.secrets[0]!;
    const oldConfig = observed.configs[0]!;
    const p = plan(stack('hunter3', 'b\n'), observed);
    assert.deepEqual(p.summary, { create: 0, update: 1, replace: 2, delete: 0 });
    const s = changeOf(p, 'secret/db_pw');
    assert.ok(s?.action === 'replace' && s.engineName === oldSecret.engineName && s.newEngineName === 'shop_db_pw_n0000001');
    const c = changeOf(p, 'config/site');
    assert.ok(c?.action === 'replace');
    assert.deepEqual(c.fields[0], { path: 'content', before: '(2 bytes)', after: '(2 bytes)', text: { before: 'a\n', after: 'b\n' } });
    assertOrdered(p, 'secret/db_pw:create@shop_db_pw_n0000001', 'service/api:update');
    const update = step(p, 'service/api:update');
    assert.ok(update.op === 'service.update' && update.spec.secrets[0]?.source === 'shop_db_pw_n0000001' && update.spec.secrets[0].target === 'db_pw');
    // Swarm keeps the old spec as the rollback target: the old versions must stay for now.
    assert.ok(!keys(p).some((k) => k.includes(`remove@${oldSecret.engineName}`) || k.includes(`remove@${oldConfig.engineName}`)));
    assert.ok(!JSON.stringify(p).includes('hunter'));
  });

  test('two versions of the same content (two applies raced): the one the service uses is kept, the other removed, the service left alone', () => {
    const observed = observeAsApplied(stack('hunter2', 'a\n'));
    const used = observed.secrets[0]!;
    const twin = { ...used, id: 'twin00000001', engineName: 'shop_db_pw_twin0001', createdAt: '2027-01-01T00:00:00Z' };
    const p = plan(stack('hunter2', 'a\n'), { ...observed, secrets: [used, twin] });
    assert.deepEqual(p.changes.map((c) => `${c.action} ${c.engineName}`), ['delete shop_db_pw_twin0001']);
    assert.deepEqual(keys(p), ['secret/db_pw:remove@shop_db_pw_twin0001']);
  });

  /** The state after rotating "one" to "two": the service uses v2, its previous spec uses v1. */
  const rotatedOnce = () => {
    const v1 = observeAsApplied(stack('one', 'a\n'));
    const v1Secret = v1.secrets[0]!;
    const v2 = observeAsApplied(stack('two', 'a\n'), sequentialIds('b'));
    const v2Secret = { ...v2.secrets[0]!, createdAt: '2026-02-01T00:00:00Z' };
    const service = { ...v2.services[0]!, previousSpecRefs: { secrets: [v1Secret.engineName], configs: [] } };
    return { v1, v1Secret, v2Secret, observed: { ...v2, secrets: [v1Secret, v2Secret], services: [service] } };
  };

  test('the next rotation deletes the version nothing refers to any more, after the service moved', () => {
    const { v1Secret, v2Secret, observed } = rotatedOnce();
    assert.deepEqual(plan(stack('two', 'a\n'), observed).steps, [], 'same content again: nothing to do');
    const p = plan(stack('three', 'a\n'), observed);
    assertOrdered(p, 'service/api:update', `secret/db_pw:remove@${v1Secret.engineName}`);
    assert.ok(!keys(p).includes(`secret/db_pw:remove@${v2Secret.engineName}`), 'v2 becomes the rollback target');
    // Every removal is listed and counted: the rotation replaces v2; v1's removal is a change of its own.
    assert.deepEqual(p.changes.filter((c) => c.kind === 'secret').map((c) => `${c.action} ${c.engineName}: ${c.reason}`), [
      `delete ${v1Secret.engineName}: old version, no longer used`,
      `replace ${v2Secret.engineName}: content changed (secrets are immutable: a new version is created and the services using it move to it)`,
    ]);
    assert.equal(p.summary.delete, 1);
  });

  test('a version a service moor does not manage uses is kept, with a warning naming it, and the rest of the plan goes on (Swarm refuses its removal)', () => {
    const { v1, v1Secret, v2Secret, observed: rotated } = rotatedOnce();
    const observed = withForeign(rotated, { secrets: new Map([[v1Secret.engineName, [foreignUser('service', 'foreign-svc')]]]) });
    const p = plan(stack('three', 'a\n'), observed);
    assert.deepEqual(errors(p), []);
    assert.deepEqual(p.problems.map((x) => `${x.severity} ${x.object}: ${x.message}`), [
      `warning secret/db_pw: secret ${v1Secret.engineName} is no longer needed but is kept: service foreign-svc, which moor does not manage, uses it (Swarm will not remove it); a later apply removes it once nothing uses it`,
    ]);
    assert.ok(!keys(p).some((k) => k.includes(`remove@${v1Secret.engineName}`)));
    assert.deepEqual(p.changes.filter((c) => c.kind === 'secret').map((c) => `${c.action} ${c.engineName}`), [`replace ${v2Secret.engineName}`], 'no deletion listed');
    assert.ok(keys(p).includes('service/api:update'), 'the rest goes on');

    // A config no longer in the manifest (or the project destroyed): the same.
    const used = withForeign(v1, { configs: new Map([[v1.configs[0]!.engineName, [foreignUser('service', 'other', { ownerProject: 'blog' })]]]) });
    const destroyed = plan(project({}), used, { teardown: true });
    assert.ok(!keys(destroyed).some((k) => k.startsWith('config/')));
    assert.match(destroyed.problems.map((x) => x.message).join('\n'), new RegExp(`config ${v1.configs[0]!.engineName} is no longer needed but is kept: service other \\(of moor project blog\\), which`));
  });

  test('a new version whose name an object moor does not own holds is a plan error, not a create that fails half-way', () => {
    const observed = observeAsApplied(stack('hunter2', 'a\n'));
    const next = changeOf(plan(stack('hunter2', 'b\n'), observed), 'config/site');
    assert.ok(next?.action === 'replace');
    const taken = { ...observed, unowned: unowned('config', next.newEngineName) };
    assert.deepEqual(errors(plan(stack('hunter2', 'b\n'), taken)), [
      `the new version of config site is named ${next.newEngineName} (from its content), but a config of that name already exists and was not created by moor; moor will not take it over (remove it, or rename the config)`,
    ]);
    const another = { ...observed, unowned: unowned('config', next.newEngineName, 'blog') };
    assert.match(errors(plan(stack('hunter2', 'b\n'), another))[0] ?? '', /already exists and belongs to moor project blog/);
    assert.deepEqual(errors(plan(stack('hunter2', 'a\n'), { ...observed, unowned: unowned('config', 'shop_site_other') })), [], 'another name: no conflict');
  });

  test('a label-only change updates the secret in place', () => {
    const observed = observeAsApplied(stack('x', 'a\n'));
    const desired = project({ ...asObjects(stack('x', 'a\n')), secrets: [secret('db_pw', 'x', { team: 'ops' })] });
    const p = plan(desired, observed);
    assert.deepEqual(keys(p), [`secret/db_pw:update@${observed.secrets[0]!.engineName}`]);
  });

  test('an existing version with the same content is reused whatever its salt', () => {
    const observed = observeAsApplied(stack('same', 'a\n'));
    const resalted = { ...observed, secrets: observed.secrets.map((s) => ({ ...s, fingerprint: saltedFingerprint(Buffer.from('same'), 'other-salt') })) };
    assert.deepEqual(plan(stack('same', 'a\n'), resalted).steps, []);
  });

  test('a secret no longer in the manifest is deleted once no service uses it', () => {
    const observed = observeAsApplied(stack('x', 'a\n'));
    const desired = project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('api')], configs: [config('site', 'a\n')] });
    const withConfig = project({ ...asObjects(desired), services: [svc('api', { configs: stack('x', 'a\n').services.api!.spec.configs })] });
    const p = plan(withConfig, { ...observed, services: observed.services.map((s) => ({ ...s, previousSpecRefs: { secrets: [], configs: [] } })) });
    // The service drops the secret in this plan, so its old spec (the rollback target) still uses it: kept.
    assert.ok(!keys(p).some((k) => k.startsWith('secret/db_pw:remove')));
    const later = plan(withConfig, { ...observeAsApplied(withConfig), secrets: observed.secrets });
    assert.deepEqual(later.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['delete secret/db_pw']);
  });
});

describe('networks and volumes', () => {
  test('a changed network is replaced and its containers reconnected, not recreated', () => {
    const desired = project({ networks: [net('default')], containers: [ctr('web')] });
    const observed = observeAsApplied(desired);
    const changed = project({ networks: [net('default', { internal: true })], containers: [ctr('web')] });
    const p = plan(changed, observed);
    assert.deepEqual(p.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['replace network/default', 'update container/web']);
    assertOrdered(p, 'container/web:disconnect:shop_default', 'network/default:remove-old');
    assertOrdered(p, 'network/default:remove-old', 'network/default:create');
    assertOrdered(p, 'network/default:create', 'container/web:connect:shop_default');
  });

  test('a service on a replaced network is moved off it and back', () => {
    const desired = project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('api')] });
    const observed = observeAsApplied(desired);
    const p = plan(project({ networks: [net('backend', { driver: 'overlay', labels: { tier: 'x' } })], services: [svc('api')] }), observed);
    assertOrdered(p, 'service/api:detach', 'network/backend:remove-old');
    assertOrdered(p, 'network/backend:create', 'service/api:update');
    const update = step(p, 'service/api:update');
    assert.ok(update.op === 'service.update' && update.version === null);
  });

  test('a network whose pools the Engine filled in is not a change', () => {
    const desired = project({ networks: [net('default', { ipam: { driver: 'default', config: [{ subnet: '10.9.0.0/24', ipRange: null, gateway: null }] } })] });
    const observed = observeAsApplied(desired);
    const filled = { ...observed, networks: observed.networks.map((n) => ({ ...n, spec: { ...n.spec, ipam: { driver: 'default', config: [{ subnet: '10.9.0.0/24', ipRange: null, gateway: '10.9.0.1' }] } } })) };
    assert.deepEqual(plan(desired, filled).steps, []);
  });

  test('a changed volume needs --replace-volumes, and then its containers are recreated around it', () => {
    const mk = (opts: Record<string, string>) => project({ networks: [net('default')], volumes: [vol('data', { driverOpts: opts })], containers: [ctr('db', { mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false, noCopy: false }] })] });
    const observed = observeAsApplied(mk({}));
    const refused = plan(mk({ type: 'tmpfs', device: 'tmpfs' }), observed);
    assert.equal(errors(refused).length, 1);
    assert.match(errors(refused)[0]!, /volume shop_data: driverOpts changed.*--replace-volumes/);
    const allowed = plan(mk({ type: 'tmpfs', device: 'tmpfs' }), observed, { replaceVolumes: true });
    assert.deepEqual(errors(allowed), []);
    const v = changeOf(allowed, 'volume/data');
    assert.ok(v?.action === 'replace' && v.dataLoss);
    assertOrdered(allowed, 'container/db:remove-old', 'volume/data:remove-old');
    assertOrdered(allowed, 'volume/data:create', 'container/db:create');
  });

  test('a container replaced remove-first (around a recreated volume) still takes over its anonymous volumes, and the plan says it is removed first', () => {
    const anon = { type: 'volume' as const, source: '', target: '/anon', readOnly: false, noCopy: false };
    const mk = (opts: Record<string, string>) => project({ networks: [net('default')], volumes: [vol('data', { driverOpts: opts })], containers: [ctr('db', { mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false, noCopy: false }, anon] })] });
    const applied = observeAsApplied(mk({}));
    const observed = { ...applied, containers: applied.containers.map((c) => ({ ...c, anonymousVolumes: { '/anon': 'e'.repeat(64) } })) };
    const p = plan(mk({ type: 'tmpfs', device: 'tmpfs' }), observed, { replaceVolumes: true });
    const remove = step(p, 'container/db:remove-old');
    assert.ok(remove.op === 'container.remove' && remove.volumes === undefined, 'the anonymous volume is not removed with the old container');
    const create = step(p, 'container/db:create');
    assert.ok(create.op === 'container.create');
    assert.deepEqual(create.carried, [{ target: '/anon', volume: 'e'.repeat(64), ifImageDeclares: false }]);
    assertOrdered(p, 'container/db:remove-old', 'container/db:create');
    assert.deepEqual(changeOf(p, 'container/db')?.notes, [
      'removed before the new one is created: a network or volume it uses is recreated',
      'anonymous volume at /anon (eeeeeeeeeeee): carried over to the new container',
    ]);
  });

  describe('a volume that containers moor does not manage mount (the Engine will not remove it: "volume is in use")', () => {
    const mount = { type: 'volume' as const, source: 'data', target: '/data', readOnly: false, noCopy: false };
    const mk = (opts: Record<string, string>) => project({ networks: [net('default')], volumes: [vol('data', { driverOpts: opts })], containers: [ctr('db', { mounts: [mount] })] });
    const mounted = (observed: ObservedProject): ObservedProject =>
      withForeign(observed, { volumes: new Map([['shop_data', [foreignUser('container', 'foreign'), foreignUser('container', 'x.1.abc', { taskOf: 'x' }), foreignUser('container', 'blog_db', { ownerProject: 'blog' })]]]) });

    test('to be recreated (--replace-volumes): the plan is refused, naming them, before the containers that mount it are touched', () => {
      const p = plan(mk({ type: 'tmpfs', device: 'tmpfs' }), mounted(observeAsApplied(mk({}))), { replaceVolumes: true });
      assert.deepEqual(errors(p), [
        'volume shop_data must be recreated, but containers moor does not manage mount it (container foreign, container x.1.abc (a task of service x), container blog_db (of moor project blog)), and the Engine will not remove a volume in use, even by a stopped container: remove them first (a task\'s container: change or remove its service)',
      ]);
      assert.equal(p.problems.find((x) => x.severity === 'error')?.object, 'volume/data');
    });

    test('to be deleted (--prune-volumes, destroy --volumes): refused the same way; kept, it is no error', () => {
      const observed = mounted(observeAsApplied(project({ volumes: [vol('data')] })));
      assert.match(errors(plan(project({}), observed, { pruneVolumes: true }))[0] ?? '', /^volume shop_data must be deleted, but containers moor does not manage mount it \(container foreign, /);
      assert.equal(errors(plan(project({}), observed, { teardown: true, pruneVolumes: true })).length, 1);
      assert.deepEqual(errors(plan(project({}), observed)), []);
      assert.deepEqual(errors(plan(project({}), observed, { teardown: true })), []);
    });

    test('an unchanged volume they mount is no concern', () => {
      const observed = mounted(observeAsApplied(mk({})));
      assert.deepEqual(plan(mk({}), observed).problems, []);
    });
  });

  describe('two networks of one name (creates that raced: the Engine allows it on API 1.41)', () => {
    const withDuplicate = (desired: DesiredProject, attached: boolean): ObservedProject => {
      const observed = observeAsApplied(desired);
      const live = observed.networks.find((n) => n.name === 'default')!;
      const dup = { ...live, id: 'dddddddddddd0000', created: '2026-01-01T00:00:01.5Z', containerIds: attached ? ['other0000000000'] : [] };
      return { ...observed, networks: [{ ...live, created: '2026-01-01T00:00:01.25Z' }, ...observed.networks.filter((n) => n !== live), dup] };
    };

    test('the one without containers (else the younger) is removed before anything uses the name', () => {
      const desired = project({ networks: [net('default')], containers: [ctr('web')] });
      const p = plan(project({ networks: [net('default')], containers: [ctr('web', { environment: { A: '1' } })] }), withDuplicate(desired, false));
      assert.deepEqual(p.changes.map((c) => `${c.action} ${c.kind}/${c.name}${c.action === 'delete' ? ` ${c.id}` : ''}`), ['delete network/default dddddddddddd0000', 'replace container/web']);
      assertOrdered(p, 'network/default:remove-duplicate-dddddddddddd', 'container/web:create');
      const remove = step(p, 'network/default:remove-duplicate-dddddddddddd');
      assert.ok(remove.op === 'network.remove' && remove.id === 'dddddddddddd0000', 'removed by id, never by the shared name');
      assert.deepEqual(errors(p), []);
    });

    test('when both have containers attached, the plan is refused with what to do', () => {
      const desired = project({ networks: [net('default')], containers: [ctr('web')] });
      const p = plan(desired, withDuplicate(desired, true));
      assert.match(errors(p).join('\n'), /two networks named shop_default have containers attached .*disconnect the containers from network/);
    });

    test('no longer in the manifest: both are removed, each by id', () => {
      const observed = withDuplicate(project({ networks: [net('default')] }), false);
      const p = plan(project({}), observed);
      assert.deepEqual(p.steps.map((s) => (s.op === 'network.remove' ? s.id : s.op)).sort(), observed.networks.map((n) => n.id).sort());
    });
  });

  test('a volume no longer in the manifest is kept unless --prune-volumes', () => {
    const observed = observeAsApplied(project({ volumes: [vol('data')] }));
    const kept = plan(project({}), observed);
    assert.deepEqual(kept.steps, []);
    assert.match(kept.problems[0]?.message ?? '', /shop_data is no longer in the manifest; kept/);
    const pruned = plan(project({}), observed, { pruneVolumes: true });
    assert.deepEqual(keys(pruned), ['volume/data:remove']);
  });

  test("a teardown (moor destroy) says so in its reasons, and names destroy's own --volumes", () => {
    const observed = observeAsApplied(project({ networks: [net('default')], volumes: [vol('data')], containers: [ctr('web')] }));
    const kept = plan(project({}), observed, { teardown: true });
    assert.deepEqual(kept.changes.map((c) => `${c.kind} ${c.name}: ${c.reason}`), ['network default: the project is destroyed', 'container web: the project is destroyed']);
    assert.deepEqual(kept.problems.map((p) => p.message), ['volume shop_data is kept with its data (moor destroy --volumes deletes it)']);
    const pruned = plan(project({}), observed, { teardown: true, pruneVolumes: true });
    assert.equal(pruned.changes.find((c) => c.kind === 'volume')?.reason, 'the project is destroyed (--volumes: its data is deleted)');
  });
});

describe('ownership and pre-flight', () => {
  test('a name held by an object moor does not own is refused at plan time', () => {
    const desired = project({ networks: [net('default')], containers: [ctr('web')] });
    const p = plan(desired, emptyObserved({ unowned: unowned('container', 'shop_web') }));
    assert.deepEqual(errors(p), ['container shop_web already exists and was not created by moor; moor will not take it over (rename the container, or remove the existing one)']);
    const other = plan(desired, emptyObserved({ unowned: unowned('container', 'shop_web', 'blog') }));
    assert.match(errors(other)[0]!, /belongs to moor project blog/);
  });

  test('a volume moor does not own (one docker compose down left) is refused with the way to keep its data, never with removing it', () => {
    const desired = project({ networks: [net('default')], volumes: [vol('data')], containers: [ctr('web')] });
    const p = plan(desired, emptyObserved({ unowned: unowned('volume', 'shop_data') }));
    assert.deepEqual(errors(p), ['volume shop_data already exists and was not created by moor; moor will not take it over: to keep using it and its data, declare it `external: true` with `name: shop_data` (see "Coming from Compose" in moor\'s README), or give the project\'s volume another name']);
    assert.doesNotMatch(errors(p)[0]!, /remove/);
  });

  test('the create of a name held by an object moor does not own gives a reason that agrees with the error', () => {
    const desired = project({ networks: [net('extra', { driver: 'overlay' })], volumes: [vol('data')], containers: [ctr('web', { networks: {} })], services: [svc('api', { networks: {} })] });
    const held = new Map([
      ['network/extra', unowned('network', 'shop_extra')],
      ['volume/data', unowned('volume', 'shop_data')],
      ['container/web', unowned('container', 'shop_web')],
      ['service/api', unowned('service', 'shop_api', 'blog')],
    ]);
    for (const [id, foreign] of held) {
      const p = plan(desired, emptyObserved({ unowned: foreign }));
      assert.equal(errors(p).length, 1, id);
      const expected = id === 'service/api' ? 'its name is held by an object of moor project blog (see the error)' : 'its name is held by an object moor does not own (see the error)';
      assert.equal(changeOf(p, id)?.reason, expected, id);
      const others = p.changes.filter((c) => `${c.kind}/${c.name}` !== id);
      assert.ok(others.every((c) => c.reason === 'not found on the Engine'), id);
    }
  });

  test('objects of other projects are never part of a plan', () => {
    const desired = project({ networks: [net('default')] });
    const p = plan(desired, emptyObserved({ unowned: unowned('network', 'blog_default', 'blog') }));
    assert.ok(!JSON.stringify(p.steps).includes('blog_default'));
  });

  test('a missing external object is an error', () => {
    const desired = project({ networks: [{ kind: 'network', name: 'proxy', external: true, engineName: 'traefik' }] });
    assert.deepEqual(errors(plan(desired, emptyObserved())), ['external network traefik does not exist on the Engine']);
    assert.deepEqual(errors(plan(desired, emptyObserved({ unowned: unowned('network', 'traefik') }))), []);
  });

  test('Swarm objects on an Engine without Swarm are refused before anything runs', () => {
    const desired = project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('api')] });
    const p = plan(desired, emptyObserved({ engine: { apiVersion: '1.41', engineVersion: '20.10', swarm: 'inactive', swarmManager: false } }));
    assert.match(errors(p)[0]!, /Swarm is inactive on this Engine/);
  });
});

function asObjects(d: DesiredProject) {
  return {
    networks: Object.values(d.networks),
    volumes: Object.values(d.volumes),
    secrets: Object.values(d.secrets),
    configs: Object.values(d.configs),
    containers: Object.values(d.containers),
    services: Object.values(d.services),
  };
}

describe('the fingerprint a saved plan is checked against', () => {
  test('moves with the project and the images it names, not with anything else on the Engine', () => {
    const desired = project({ networks: [net('default')], containers: [ctr('web')] });
    const observed = observeAsApplied(desired);
    const base = plan(desired, observed).observedFingerprint;
    const otherImage = { ...observed, images: new Map([...observed.images, ['other/app:1', 'sha256:other']]) };
    assert.equal(plan(desired, otherImage).observedFingerprint, base, 'an unrelated image');
    assert.equal(plan(desired, { ...observed, unowned: unowned('network', 'blog_default', 'blog') }).observedFingerprint, base, 'another project');
    const moved = { ...observed, images: new Map([[IMAGE, 'sha256:newer']]) };
    assert.notEqual(plan(desired, moved).observedFingerprint, base, 'the image the manifest names');
    const stopped = { ...observed, containers: observed.containers.map((c) => ({ ...c, state: { ...c.state, status: 'exited', running: false } })) };
    assert.notEqual(plan(desired, stopped).observedFingerprint, base, 'a container of the project');
  });
});

describe('adopting a service moor did not make (--adopt)', () => {
  const desired = () => project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('api', { environment: { MODE: 'fast' } })] });
  /** The Engine as `docker stack deploy shop` left it: service shop_api, without moor's labels. */
  const stackMade = (environment: Record<string, string>): ObservedProject => {
    const made = observeAsApplied(project({ networks: [net('backend', { driver: 'overlay' })], services: [svc('api', { environment })] }));
    const service = { ...made.services[0]!, id: 'stackmadeid0001', version: 42 };
    return { ...made, services: [], unowned: unowned('service', 'shop_api'), adoptable: [service] };
  };
  const warnings = (p: Plan): string[] => p.problems.filter((x) => x.severity === 'warning').map((x) => x.message);

  test('without --adopt, the name conflict is an error that says how to take the service over', () => {
    assert.deepEqual(errors(plan(desired(), stackMade({ MODE: 'fast' }))), [
      "service shop_api already exists and was not created by moor; moor will not take it over (rename the service, or remove the existing one; to take it over, updating it to the manifest's spec, run with --adopt service/api)",
    ]);
  });

  test('with --adopt, it is updated in place, versioned, even when its spec already matches (it gets moor\'s labels)', () => {
    const same = plan(desired(), stackMade({ MODE: 'fast' }), { adopt: ['api'] });
    assert.deepEqual(same.problems, []);
    assert.deepEqual(same.changes.map((c) => `${c.action} ${c.kind}/${c.name}: ${c.reason}`), [
      "update service/api: adopted (--adopt): it was not made by moor; its spec is the manifest's already (only moor's labels are added)",
    ]);
    const update = step(same, 'service/api:update');
    assert.ok(update.op === 'service.update' && update.id === 'stackmadeid0001' && update.version === 42);

    const changed = plan(desired(), stackMade({ MODE: 'slow' }), { adopt: ['api'] });
    assert.deepEqual(changed.changes.map((c) => [c.action, c.reason, c.fields.map((f) => `${f.path}: ${String(f.before)} -> ${String(f.after)}`)]), [
      ['update', 'adopted (--adopt): it was not made by moor; environment changed', ['environment.MODE: slow -> fast']],
    ]);
  });

  test('a saved plan that adopts is stale once the service to adopt changed', () => {
    const observed = stackMade({ MODE: 'fast' });
    const base = plan(desired(), observed, { adopt: ['api'] }).observedFingerprint;
    const moved = { ...observed, adoptable: observed.adoptable.map((s) => ({ ...s, version: s.version + 1 })) };
    assert.notEqual(plan(desired(), moved, { adopt: ['api'] }).observedFingerprint, base);
  });

  test('a service of another moor project is never adopted; an --adopt with nothing to take over says so', () => {
    const otherProject = { ...stackMade({ MODE: 'fast' }), unowned: unowned('service', 'shop_api', 'blog'), adoptable: [] };
    assert.match(errors(plan(desired(), otherProject, { adopt: ['api'] }))[0]!, /service shop_api already exists and belongs to moor project blog; moor will not take it over/);
    assert.deepEqual(errors(plan(desired(), stackMade({ MODE: 'fast' }), { adopt: ['api', 'web'] })), ['--adopt service/web: the manifest has no service web']);
    const fresh = plan(desired(), emptyObserved(), { adopt: ['api'] });
    assert.deepEqual(warnings(fresh), ['--adopt service/api: no service shop_api exists to adopt; it is created']);
    assert.equal(changeOf(fresh, 'service/api')?.action, 'create');
    const owned = plan(desired(), observeAsApplied(desired()), { adopt: ['api'] });
    assert.deepEqual(warnings(owned), ['--adopt service/api: service shop_api is this project\'s already; nothing to adopt']);
    assert.deepEqual(owned.changes, []);
  });
});

describe('replacing what did not change (--replace)', () => {
  const desired = (restart: 'no' | 'always' = 'no') =>
    project({ networks: [net('backend', { driver: 'overlay' })], containers: [ctr('web', { restart: { name: restart, maxRetries: 0 } })], services: [svc('api', { environment: { MODE: 'fast' } })] });
  const warnings = (p: Plan): string[] => p.problems.filter((x) => x.severity === 'warning').map((x) => x.message);
  const said = (p: Plan): string[] => p.changes.map((c) => `${c.action} ${c.kind}/${c.name}: ${c.reason}`);

  test('an unchanged container is replaced create-then-swap, as for any replacement; an unchanged service gets its tasks restarted, versioned', () => {
    const observed = observeAsApplied(desired());
    assert.deepEqual(plan(desired(), observed).changes, [], 'nothing to do without --replace');
    const p = plan(desired(), observed, { replace: ['container/web', 'service/api'] });
    assert.deepEqual(p.problems, []);
    assert.deepEqual(said(p), [
      'replace container/web: replacement asked for (--replace)',
      'update service/api: every task is replaced (--replace: Swarm restarts them following update_config)',
    ]);
    assert.deepEqual(keys(p).filter((k) => k.startsWith('container/web')), ['container/web:create', 'container/web:stop-old', 'container/web:rename-old', 'container/web:rename', 'container/web:start', 'container/web:remove-old']);
    const update = step(p, 'service/api:update');
    const live = observed.services[0]!;
    assert.ok(update.op === 'service.update' && update.bumpForceUpdate === true && update.version === live.version, JSON.stringify(update));
  });

  test('a container that would be updated in place is replaced instead, with both reasons; a changed service is updated and restarted in one write', () => {
    const observed = observeAsApplied(project({ networks: [net('backend', { driver: 'overlay' })], containers: [ctr('web', { restart: { name: 'no', maxRetries: 0 } })], services: [svc('api', { environment: { MODE: 'slow' } })] }));
    const inPlace = plan(desired('always'), observed);
    assert.equal(changeOf(inPlace, 'container/web')?.action, 'update');
    const p = plan(desired('always'), observed, { replace: ['container/web', 'service/api'] });
    assert.deepEqual(said(p), [
      `replace container/web: replacement asked for (--replace); ${changeOf(inPlace, 'container/web')?.reason ?? ''}`,
      'update service/api: environment changed; every task is replaced (--replace: Swarm restarts them following update_config)',
    ]);
    assert.deepEqual(changeOf(p, 'container/web')?.fields, changeOf(inPlace, 'container/web')?.fields, 'the plan still shows what changes');
    assert.deepEqual(p.steps.filter((s) => s.object === 'service/api').map((s) => s.op), ['service.update']);
  });

  test('an object the manifest lacks is an error; one not on the Engine yet is created, with a warning', () => {
    assert.deepEqual(errors(plan(desired(), observeAsApplied(desired()), { replace: ['container/db', 'service/web'] })), [
      '--replace container/db: the manifest has no container db',
      '--replace service/web: the manifest has no service web',
    ]);
    const fresh = plan(desired(), emptyObserved(), { replace: ['container/web'] });
    assert.deepEqual(warnings(fresh), ['--replace container/web: container shop_web is not on the Engine yet; it is created']);
    assert.equal(changeOf(fresh, 'container/web')?.action, 'create');
  });
});

describe('a plan cut down to some objects (--target)', () => {
  const ids = (p: Plan): string[] => p.changes.map((c) => `${c.action} ${c.kind}/${c.name}`);
  const warnings = (p: Plan): string[] => p.problems.filter((x) => x.severity === 'warning').map((x) => x.message);
  const objectsOf = (p: Plan): string[] => [...new Set(p.steps.map((s) => s.object))].sort();

  test('a target brings what it needs (its network, its volume, what it depends on), nothing else; a warning counts what is left out', () => {
    const p = plan(fullProject(), emptyObserved(), { target: ['container/web'] });
    assert.deepEqual(ids(p), ['create network/default', 'create volume/data', 'create container/db', 'create container/web']);
    assert.deepEqual(objectsOf(p), ['container/db', 'container/web', 'network/default', 'volume/data']);
    assert.deepEqual(p.summary, { create: 4, update: 0, replace: 0, delete: 0 });
    assert.deepEqual(warnings(p), ['--target: only container/web and what it needs are planned; 5 other changes left out (run without --target to see the whole plan)']);
    for (const s of p.steps) for (const dep of s.after) assert.ok(p.steps.some((x) => x.key === dep), `${s.key} waits for ${dep}, which is in the plan`);

    const api = plan(fullProject(), emptyObserved(), { target: ['service/api', 'service/agent'] });
    assert.deepEqual(ids(api), ['create network/backend', 'create secret/db_pw', 'create config/site', 'create service/agent', 'create service/api']);
    assert.match(warnings(api)[0] ?? '', /^--target: only service\/agent, service\/api and what they need are planned; 4 other changes left out/);
  });

  test('an object is in whole or not at all: a replaced network brings every container it must be rid of first', () => {
    const observed = observeAsApplied(project({ networks: [net('default')], containers: [ctr('web'), ctr('db')] }));
    const changed = project({ networks: [net('default', { internal: true })], containers: [ctr('web', { environment: { A: '1' } }), ctr('db')] });
    const p = plan(changed, observed, { target: ['network/default'] });
    assert.deepEqual(ids(p), ['replace network/default', 'update container/db', 'replace container/web']);
    assert.deepEqual(objectsOf(p), ['container/db', 'container/web', 'network/default']);
    assert.deepEqual(p.steps, plan(changed, observed).steps, 'here, the whole plan');
    assert.deepEqual(warnings(p), [], 'nothing left out, nothing to warn about');
  });

  test('a target deletes what the manifest no longer has; the others\' errors do not block it, and are counted', () => {
    const observed = observeAsApplied(project({ volumes: [vol('data')], containers: [ctr('old'), ctr('web')] }));
    const desired = project({ volumes: [vol('data', { driver: 'other' })], containers: [ctr('web', { environment: { A: '2' } })] });
    assert.equal(errors(plan(desired, observed)).length, 1, 'the volume needs --replace-volumes');
    const p = plan(desired, observed, { target: ['container/old'] });
    assert.deepEqual(ids(p), ['delete container/old']);
    assert.deepEqual(errors(p), []);
    assert.deepEqual(warnings(p), ['--target: only container/old and what it needs are planned; 2 other changes and 1 error of other objects left out (run without --target to see the whole plan)']);
  });

  test('a target neither in the manifest nor on the Engine is an error; an unchanged one makes an empty plan', () => {
    const desired = project({ containers: [ctr('web')] });
    assert.deepEqual(errors(plan(desired, emptyObserved(), { target: ['container/nope'] })), ['--target container/nope: neither the manifest nor the project on the Engine has it']);
    const same = plan(desired, observeAsApplied(desired), { target: ['container/web'] });
    assert.deepEqual([same.changes, same.steps, same.problems], [[], [], []]);
  });
});
