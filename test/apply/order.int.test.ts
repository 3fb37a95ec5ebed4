// The order in which an apply sends its steps to the real Engine (schedule.ts): without a wait for
// the rollouts, the service writes go once the containers have started, so that Swarm's task
// starts do not compete with them; with the wait (apply --wait, watch), the services go first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyPlan } from '../../src/apply/apply.js';
import type { ApplyEvent } from '../../src/apply/execute.js';
import type { DesiredProject } from '../../src/model/desired.js';
import { ctr, net, project, svc } from '../support/model.js';
import { failures, planAgainst, renameProject, useProject } from '../support/project.js';

const run = useProject('order');

/** A bridge network with two containers on it, and two services with no network: ready at once. */
function containersAndServices(name: string): DesiredProject {
  return renameProject(project({
    networks: [net('default')],
    containers: [ctr('a', { init: true }), ctr('b', { init: true })],
    services: [svc('one', { networks: {}, stopGracePeriod: 1e9 }), svc('two', { networks: {}, stopGracePeriod: 1e9 })],
  }), name);
}

/** Applies a new project and returns its events as `start|done <op> <key>`, in the order seen. */
async function applyLog(awaitRollouts: boolean): Promise<string[]> {
  const desired = containersAndServices(run.newProject());
  const { plan, observed } = await planAgainst(run.engine, desired);
  const log: string[] = [];
  const onEvent = (e: ApplyEvent): void => {
    if (e.type === 'step-start' || e.type === 'step-done') log.push(`${e.type === 'step-start' ? 'start' : 'done'} ${e.step.op}`);
  };
  const report = await applyPlan(run.engine, desired, observed, plan, { onEvent, awaitRollouts });
  assert.deepEqual(failures(report), []);
  return log;
}

describe('the order of an apply on the Engine', () => {
  test('without a wait for rollouts, no service write starts before every container has started', async () => {
    const log = await applyLog(false);
    const lastStarted = log.lastIndexOf('done container.start');
    const firstService = log.indexOf('start service.create');
    assert.equal(log.filter((l) => l === 'done container.start').length, 2);
    assert.ok(firstService > lastStarted, log.join('\n'));
  });

  test('with a wait for rollouts, the service writes go first', async () => {
    const log = await applyLog(true);
    assert.equal(log.filter((l) => l === 'done service.create').length, 2);
    assert.ok(log.lastIndexOf('start service.create') < log.indexOf('start container.start'), log.join('\n'));
  });
});
