import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findSource, sinceFrom, tailFrom, taskPrefixer } from '../../src/cli/commands/logs.js';
import type { Task } from '../../src/engine/types.js';
import { ctr, project, svc } from '../support/model.js';

describe('moor logs options', () => {
  test('--since takes a duration back from now, a date or Unix seconds', () => {
    const now = Date.parse('2026-01-02T15:00:00Z');
    assert.equal(sinceFrom('10m', now), Date.parse('2026-01-02T14:50:00Z') / 1000);
    assert.equal(sinceFrom('2026-01-02T14:00:00Z', now), Date.parse('2026-01-02T14:00:00Z') / 1000);
    assert.equal(sinceFrom('1767362400.5', now), 1767362400.5);
    assert.throws(() => sinceFrom('yesterday', now), /--since must be a duration \(10m, 1h30m\), a date .* not 'yesterday'/);
  });

  test('--tail takes a number of lines or all', () => {
    assert.equal(tailFrom('20'), 20);
    assert.equal(tailFrom('all'), undefined);
    assert.throws(() => tailFrom('-3'), /--tail must be a number of lines or 'all', not '-3'/);
  });

  test('a name shared by a container and a service must say which', () => {
    const desired = project({ containers: [ctr('web')], services: [svc('web'), svc('api')] });
    assert.throws(() => findSource(desired, 'web'), /both a container and a service are named web: say which, with container\/web or service\/web/);
    assert.equal(findSource(desired, 'service/web').kind, 'service');
    assert.equal(findSource(desired, 'container/web').engineName, 'shop_web');
    assert.equal(findSource(desired, 'api').kind, 'service');
    assert.throws(() => findSource(desired, 'network/web'), /only containers and services have logs/);
  });

  test("a service's lines are named by their task: NAME.SLOT, or NAME.NODE for a global service; a new task makes it read the tasks again, once", async () => {
    const task = (id: string, slot: number | undefined, node: string): Task => ({
      ID: id,
      Version: { Index: 1 },
      ServiceID: 'svc',
      NodeID: node,
      ...(slot === undefined ? {} : { Slot: slot }),
      Spec: {},
      DesiredState: 'running',
      Status: { State: 'running' },
    });
    let known: Task[] = [task('t1', 1, 'node-a'), task('t2', 2, 'node-a')];
    let reads = 0;
    const prefix = taskPrefixer('api', true, async () => {
      reads++;
      return known;
    });
    const show = async (text: string): Promise<string> => {
      const line = await prefix(Buffer.from(text));
      return line.prefix + Buffer.from(line.message).toString();
    };
    assert.equal(await show('2026-01-01T00:00:00Z com.docker.swarm.task.id=t2 hello\n'), 'api.2 | 2026-01-01T00:00:00Z hello\n');
    assert.equal(await show('2026-01-01T00:00:01Z com.docker.swarm.task.id=t1 hi\n'), 'api.1 | 2026-01-01T00:00:01Z hi\n');
    assert.equal(reads, 1);
    known = [...known, task('t3', undefined, 'node-b-0123456789')];
    assert.equal(await show('2026-01-01T00:00:02Z com.docker.swarm.task.id=t3 global\n'), 'api.node-b-01234 | 2026-01-01T00:00:02Z global\n');
    assert.equal(reads, 2);
    assert.equal(await show('2026-01-01T00:00:03Z com.docker.swarm.task.id=gone-task-id-000 late\n'), 'api.gone-task-id | 2026-01-01T00:00:03Z late\n');
    assert.equal(await show('2026-01-01T00:00:04Z com.docker.swarm.task.id=gone-task-id-000 later\n'), 'api.gone-task-id | 2026-01-01T00:00:04Z later\n');
    assert.equal(reads, 3, 'a task still unknown after reading the tasks again is not read for again');
    assert.equal(await show('2026-01-01T00:00:05Z  no task\n'), '2026-01-01T00:00:05Z no task\n');
  });
});
