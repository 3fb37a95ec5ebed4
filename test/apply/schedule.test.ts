import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chainPriorities, holdServiceWrites, stepCost } from '../../src/apply/schedule.js';
import type { ContainerSpec, ServiceSpec } from '../../src/model/desired.js';
import type { Step } from '../../src/plan/steps.js';

const plain = (key: string, after: string[] = []): Step => ({ key, after, object: `network/${key}`, op: 'network.remove', engineName: key, id: key });

describe('the order of ready steps', () => {
  test("a step's priority is its cost plus the costliest chain waiting for it", () => {
    const steps = [plain('a'), plain('b', ['a']), plain('c', ['b']), plain('d', ['a']), plain('e')];
    const cost = (s: Step): number => ({ a: 1, b: 2, c: 30, d: 10, e: 4 })[s.key] ?? 0;
    assert.deepEqual(Object.fromEntries(chainPriorities(steps, cost)), { a: 33, b: 32, c: 30, d: 10, e: 4 });
  });

  test('a very long depends_on chain is computed without recursion', () => {
    const steps = Array.from({ length: 50_000 }, (_, i) => plain(`s${i}`, i === 0 ? [] : [`s${i - 1}`]));
    const priorities = chainPriorities(steps, () => 1);
    assert.equal(priorities.get('s0'), 50_000);
    assert.equal(priorities.get('s49999'), 1);
  });

  test('a step waiting for a step not in the list, or on a cycle, gets its own cost', () => {
    const steps = [plain('x', ['missing']), plain('p', ['q']), plain('q', ['p'])];
    assert.deepEqual(Object.fromEntries(chainPriorities(steps, () => 7)), { x: 7, p: 7, q: 7 });
  });

  const service = (key: string): Step => ({ key, after: [], object: `service/${key}`, op: 'service.create', engineName: key, spec: {} as ServiceSpec });
  const container = (name: string): Step[] => [
    { key: `container/${name}:create`, after: [], object: `container/${name}`, op: 'container.create', name, engineName: name, spec: {} as ContainerSpec, replaces: null },
    { key: `container/${name}:start`, after: [`container/${name}:create`], object: `container/${name}`, op: 'container.start', engineName: name },
  ];

  test('a container to start goes before a service create, unless the caller waits for the rollouts', () => {
    const steps = [service('svc'), ...container('ctr')];
    const returnSoon = chainPriorities(steps, (s) => stepCost(s, false));
    const converge = chainPriorities(steps, (s) => stepCost(s, true));
    assert.ok((returnSoon.get('container/ctr:create') ?? 0) > (returnSoon.get('svc') ?? 0));
    assert.ok((converge.get('svc') ?? 0) > (converge.get('container/ctr:create') ?? 0));
  });

  test('without a wait for rollouts, service writes are held until the container starts settle', () => {
    const update: Step = { key: 'upd', after: [], object: 'service/upd', op: 'service.update', engineName: 'upd', id: 'u1', version: 3, spec: {} as ServiceSpec };
    const steps = [service('svc'), update, ...container('a'), ...container('b'), plain('net')];
    assert.deepEqual(holdServiceWrites(steps, false), { held: new Set(['svc', 'upd']), until: new Set(['container/a:start', 'container/b:start']) });
    assert.equal(holdServiceWrites(steps, true), null);
  });

  test('a container start that waits for a service write is not held for; with nothing to hold for, nothing is held', () => {
    const [create, start] = container('late');
    const steps = [service('svc'), create as Step, { ...(start as Step), after: ['container/late:create', 'svc'] }, ...container('early')];
    assert.deepEqual(holdServiceWrites(steps, false), { held: new Set(['svc']), until: new Set(['container/early:start']) });
    assert.equal(holdServiceWrites([service('svc'), create as Step, { ...(start as Step), after: ['svc'] }], false), null);
    assert.equal(holdServiceWrites([...container('only')], false), null);
  });

  test('a container start behind a depends_on wait is not held for: the wait may be long', () => {
    const [create, start] = container('web');
    const wait: Step = { key: 'container/db:wait', after: ['container/db:start'], object: 'container/db', op: 'container.wait', engineName: 'db', condition: 'service_healthy' };
    const steps = [service('svc'), ...container('db'), wait, create as Step, { ...(start as Step), after: ['container/web:create', 'container/db:wait'] }];
    assert.deepEqual(holdServiceWrites(steps, false), { held: new Set(['svc']), until: new Set(['container/db:start']) });
  });
});
