import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assessContainer, assessService, constraintMatches, desiredTasks, type WaitTarget } from '../../src/operate/converge.js';
import { PROJECT, serviceSpec } from '../support/model.js';
import { containerRuntime, node, serviceRuntime, task } from '../support/runtime.js';

const api: WaitTarget = { kind: 'service', name: 'api', engineName: `${PROJECT}_api`, action: 'update', specHash: 'hash-sent' };

describe('containers', () => {
  test('a running container without healthcheck is converged once it stays up a second', () => {
    const a = assessContainer(containerRuntime('web'));
    assert.equal(a.phase, 'converged');
    assert.equal(a.settleMs, 1000);
  });

  test('a container that has restarted must stay up ten seconds, not one: a crash loop of short runs does not pass between two crashes', () => {
    const a = assessContainer(containerRuntime('loop', { restartCount: 1 }, { restart: 'always' }));
    assert.equal(a.phase, 'converged');
    assert.equal(a.summary, 'running, 1 restart');
    assert.equal(a.settleMs, 10_000);
    assert.equal(assessContainer(containerRuntime('loop', { restartCount: 2, health: 'healthy' }, { restart: 'always' })).settleMs, 10_000);
  });

  test('a healthcheck that has not passed yet is pending, an unhealthy container failed with its last check', () => {
    assert.equal(assessContainer(containerRuntime('web', { health: 'healthy' })).phase, 'converged');
    const starting = assessContainer(containerRuntime('web', { health: 'starting' }));
    assert.equal(starting.phase, 'pending');
    const sick = assessContainer(containerRuntime('web', { health: 'unhealthy' }, { healthOutput: 'wget: connection refused' }));
    assert.equal(sick.phase, 'failed');
    assert.equal(sick.reason, 'its healthcheck fails; last check: wget: connection refused');
  });

  test('a one-shot container that exited 0 is converged; one that exited 1 with restart no failed', () => {
    assert.equal(assessContainer(containerRuntime('migrate', { running: false, status: 'exited', exitCode: 0 })).phase, 'converged');
    const failed = assessContainer(containerRuntime('migrate', { running: false, status: 'exited', exitCode: 1, finishedAt: '2026-01-01T00:00:09Z' }));
    assert.equal(failed.phase, 'failed');
    assert.equal(failed.reason, 'it exited with code 1 at 2026-01-01T00:00:09Z');
  });

  test('a container Docker restarts is pending, until on-failure has used up its retries', () => {
    assert.equal(assessContainer(containerRuntime('web', { running: false, status: 'restarting', exitCode: 2, restartCount: 3 }, { restart: 'always' })).phase, 'pending');
    assert.equal(assessContainer(containerRuntime('web', { running: false, status: 'exited', exitCode: 2, restartCount: 1 }, { restart: 'on-failure', maxRetries: 3 })).phase, 'pending');
    assert.equal(assessContainer(containerRuntime('web', { running: false, status: 'exited', exitCode: 2, restartCount: 3 }, { restart: 'on-failure', maxRetries: 3 })).phase, 'failed');
  });

  test('a restart changes what must stay stable during the settle window', () => {
    const first = assessContainer(containerRuntime('web', { restartCount: 0 }));
    const again = assessContainer(containerRuntime('web', { restartCount: 1, startedAt: '2026-01-01T00:00:05Z' }));
    assert.notEqual(first.stability, again.stability);
  });
});

describe('services', () => {
  test('all wanted tasks running on the current spec is converged, watched for its update monitor', () => {
    const rt = serviceRuntime('api', [task(), task({ slot: 2 })], { spec: { replicas: 2, updateConfig: { parallelism: 1, delay: 0, failureAction: 'rollback', monitor: 2e9, maxFailureRatio: 0, order: 'stop-first' } } });
    const a = assessService(api, rt, []);
    assert.equal(a.phase, 'converged');
    assert.equal(a.summary, '2/2 tasks running');
    assert.equal(a.settleMs, 2000);
  });

  test('an update Swarm reports completed needs no settle window of moor\'s own', () => {
    const a = assessService(api, serviceRuntime('api', [task()], { updateStatus: { state: 'completed', message: 'update completed' } }), []);
    assert.equal(a.phase, 'converged');
    assert.equal(a.settleMs, 0);
  });

  test('a service that wants 0 tasks is converged at once, with no settle window', () => {
    const scaledDown = assessService(api, serviceRuntime('api', [], { spec: { replicas: 0 } }), []);
    assert.equal(scaledDown.phase, 'converged');
    assert.equal(scaledDown.summary, '0/0 tasks running');
    assert.equal(scaledDown.settleMs, 0);
    const nowhere = assessService(api, serviceRuntime('api', [], { spec: { mode: 'global', replicas: null, placement: { constraints: ['node.role==worker'], preferences: [], maxReplicas: null } } }), [node('n1')]);
    assert.equal(nowhere.phase, 'converged');
    assert.equal(nowhere.settleMs, 0);
  });

  test('tasks of the previous spec do not count', () => {
    const a = assessService(api, serviceRuntime('api', [task({ upToDate: false }), task({ state: 'starting', slot: 1 })]), []);
    assert.equal(a.phase, 'pending');
    assert.equal(a.summary, '0/1 task running');
    assert.equal(a.reason, '1 task starting');
  });

  test('a task Swarm shut down itself is not a failure, whatever its exit code', () => {
    const a = assessService(api, serviceRuntime('api', [task({ state: 'shutdown', desiredState: 'shutdown', exitCode: 137, upToDate: false }), task({ state: 'starting' })]), []);
    assert.deepEqual(a.details, []);
    assert.equal(a.reason, '1 task starting');
  });

  test('a task that keeps failing is named with its error and exit code', () => {
    const rt = serviceRuntime('api', [task({ id: 'abcdefabcdef99', state: 'failed', desiredState: 'shutdown', error: 'task: non-zero exit (1)', exitCode: 1, timestamp: '2026-01-01T00:01:00Z' }), task({ slot: 2 })], { spec: { replicas: 3 } });
    const a = assessService(api, rt, []);
    assert.equal(a.phase, 'pending');
    assert.equal(a.summary, '1/3 tasks running');
    assert.equal(a.reason, 'last task error: task abcdefabcdef (slot 1) failed: task: non-zero exit (1), exit code 1');
  });

  test('0 wanted tasks is converged', () => {
    assert.equal(assessService(api, serviceRuntime('api', [], { spec: { replicas: 0 } }), []).phase, 'converged');
    assert.equal(assessService(api, serviceRuntime('api', [], { spec: { mode: 'global', replicas: null, placement: { constraints: ['node.role==worker'], preferences: [], maxReplicas: null } } }), [node('n1')]).phase, 'converged');
  });

  test('a completed rollback is a failure that keeps the reason Swarm gave while it ran', () => {
    const rt = serviceRuntime('api', [task({ state: 'failed', desiredState: 'shutdown', upToDate: false, error: 'task: non-zero exit (1)', exitCode: 1 })], {
      specHash: 'hash-before',
      updateStatus: { state: 'rollback_completed', message: 'rollback completed' },
    });
    const a = assessService(api, rt, [], 'update rolled back due to failure or early termination of task t1');
    assert.equal(a.phase, 'failed');
    assert.equal(a.rollback, 'update rolled back due to failure or early termination of task t1 (rollback completed)');
    assert.match(a.details[0] ?? '', /failed: task: non-zero exit \(1\), exit code 1$/);
  });

  test('paused and rollback_paused are failures, updating and rollback_started are pending', () => {
    const status = (state: 'paused' | 'rollback_paused' | 'updating' | 'rollback_started') => assessService(api, serviceRuntime('api', [task()], { updateStatus: { state, message: `${state} because` } }), []);
    assert.equal(status('paused').phase, 'failed');
    assert.equal(status('paused').reason, 'Swarm paused the update: paused because');
    assert.equal(status('rollback_paused').phase, 'failed');
    assert.equal(status('updating').phase, 'pending');
    assert.equal(status('rollback_started').phase, 'pending');
    assert.equal(status('rollback_started').rollback, null);
  });

  test('a spec other than the one apply sent, without a rollback, was changed by someone else', () => {
    const a = assessService(api, serviceRuntime('api', [task()], { specHash: 'hash-other' }), []);
    assert.equal(a.phase, 'failed');
    assert.match(a.reason ?? '', /changed by someone else/);
  });
});

describe('global services and placement', () => {
  const nodes = [node('m1', { role: 'manager', labels: { zone: 'a' } }), node('w1', { role: 'worker', labels: { zone: 'b' } }), node('w2', { role: 'worker', availability: 'drain' }), node('w3', { role: 'worker', state: 'down' })];

  test('a global service wants one task per ready, active node its constraints allow', () => {
    const spec = (constraints: string[]) => serviceSpec('agent', { mode: 'global', replicas: null, placement: { constraints, preferences: [], maxReplicas: null } });
    assert.equal(desiredTasks(spec([]), nodes), 2);
    assert.equal(desiredTasks(spec(['node.role==worker']), nodes), 1);
    assert.equal(desiredTasks(spec(['node.labels.zone!=a']), nodes), 1);
    assert.equal(desiredTasks(spec(['node.role == manager', 'node.labels.zone==A']), nodes), 1);
  });

  test('a constraint on an unknown key or a missing label matches as swarmkit does', () => {
    assert.equal(constraintMatches('node.color==red', nodes[0]!), false);
    assert.equal(constraintMatches('node.labels.rack==r1', nodes[0]!), false);
    assert.equal(constraintMatches('node.labels.rack!=r1', nodes[0]!), true);
    assert.equal(constraintMatches(`node.hostname==${'M1'}`, nodes[0]!), true);
  });
});
