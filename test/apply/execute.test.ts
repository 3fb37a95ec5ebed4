import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { executeSteps, type ApplyEvent } from '../../src/apply/execute.js';
import type { Step } from '../../src/plan/steps.js';

const step = (key: string, after: string[] = []): Step => ({ key, after, object: `network/${key}`, op: 'network.remove', engineName: key, id: key });

describe('executing a plan', () => {
  test('runs each step after the steps it waits for, and independent steps in parallel up to the limit', async () => {
    const steps = [step('a'), step('b'), step('c'), step('d', ['a', 'b']), step('e', ['d'])];
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    const report = await executeSteps(steps, async (s) => {
      running += 1;
      peak = Math.max(peak, running);
      log.push(`start ${s.key}`);
      await sleep(s.key === 'a' ? 30 : 5);
      log.push(`end ${s.key}`);
      running -= 1;
    }, { concurrency: 2 });
    assert.equal(report.ok, true);
    assert.deepEqual(report.counts, { done: 5, failed: 0, skipped: 0, cancelled: 0 });
    assert.equal(peak, 2);
    assert.ok(log.indexOf('start d') > log.indexOf('end a') && log.indexOf('start d') > log.indexOf('end b'));
    assert.ok(log.indexOf('start e') > log.indexOf('end d'));
  });

  test('a failed step skips its dependants but every independent step still runs', async () => {
    const steps = [step('net'), step('ctr', ['net']), step('start', ['ctr']), step('vol'), step('other', ['vol'])];
    const events: ApplyEvent[] = [];
    const report = await executeSteps(steps, async (s) => {
      if (s.key === 'net') throw new Error('boom');
    }, { concurrency: 4, onEvent: (e) => events.push(e) });
    assert.equal(report.ok, false);
    assert.deepEqual(report.outcomes.map((o) => `${o.step.key}:${o.status}`), ['net:failed', 'ctr:skipped', 'start:skipped', 'vol:done', 'other:done']);
    assert.equal(report.outcomes[2]?.cause, 'net');
    assert.equal((report.outcomes[0]?.error as Error).message, 'boom');
    assert.deepEqual(events.filter((e) => e.type === 'step-skipped').map((e) => e.step.key), ['ctr', 'start']);
  });

  test('a cancelled run starts nothing new, lets running steps finish, and reports the rest as cancelled', async () => {
    const controller = new AbortController();
    const steps = [step('a'), step('b', ['a']), step('c', ['b'])];
    const finished: string[] = [];
    const report = await executeSteps(steps, async (s) => {
      if (s.key === 'a') controller.abort();
      await sleep(10);
      finished.push(s.key);
    }, { concurrency: 1, signal: controller.signal });
    assert.deepEqual(finished, ['a']);
    assert.deepEqual(report.outcomes.map((o) => o.status), ['done', 'cancelled', 'cancelled']);
  });

  test('an empty plan is a successful no-op', async () => {
    const report = await executeSteps([], async () => assert.fail('nothing to run'), { concurrency: 1 });
    assert.equal(report.ok, true);
  });

  test('of the steps ready at once, the one with the costliest chain behind it starts first', async () => {
    // Plan order lists the cheap step first; 'slow-root' leads to the costly 'slow-end'.
    const steps = [step('cheap'), step('slow-root'), step('slow-end', ['slow-root']), step('mid')];
    const cost = (s: Step): number => ({ cheap: 1, 'slow-root': 1, 'slow-end': 100, mid: 5 })[s.key] ?? 0;
    const started: string[] = [];
    await executeSteps(steps, async (s) => {
      started.push(s.key);
    }, { concurrency: 1, cost });
    assert.deepEqual(started, ['slow-root', 'slow-end', 'mid', 'cheap']);
    // Without costs every step weighs the same: the longest chain still goes first.
    started.length = 0;
    await executeSteps(steps, async (s) => {
      started.push(s.key);
    }, { concurrency: 1 });
    assert.equal(started[0], 'slow-root');
  });

  test('held steps start once the steps they are held for have settled, a failed one included', async () => {
    const steps = [step('svc'), step('net'), step('ctr', ['net']), step('other-ctr'), step('svc-2', ['net'])];
    const hold = { held: new Set(['svc', 'svc-2']), until: new Set(['ctr', 'other-ctr']) };
    const log: string[] = [];
    const report = await executeSteps(steps, async (s) => {
      log.push(`start ${s.key}`);
      await sleep(5);
      log.push(`end ${s.key}`);
      if (s.key === 'other-ctr') throw new Error('no such command');
    }, { concurrency: 4, hold });
    assert.deepEqual(report.outcomes.map((o) => `${o.step.key}:${o.status}`), ['svc:done', 'net:done', 'ctr:done', 'other-ctr:failed', 'svc-2:done']);
    const lastSettled = Math.max(log.indexOf('end ctr'), log.indexOf('end other-ctr'));
    assert.ok(log.indexOf('start svc') > lastSettled && log.indexOf('start svc-2') > lastSettled, log.join(', '));
  });

  test('a step held for a step that waits for it does not stall the run', async () => {
    const steps = [step('svc'), step('ctr', ['svc']), step('free')];
    const started: string[] = [];
    const report = await executeSteps(steps, async (s) => {
      started.push(s.key);
    }, { concurrency: 2, hold: { held: new Set(['svc']), until: new Set(['ctr']) } });
    assert.equal(report.ok, true);
    assert.deepEqual(started, ['free', 'svc', 'ctr']);
  });

  test('held steps of a cancelled run are reported as cancelled', async () => {
    const controller = new AbortController();
    const steps = [step('ctr'), step('svc')];
    const report = await executeSteps(steps, async () => {
      controller.abort();
    }, { concurrency: 2, signal: controller.signal, hold: { held: new Set(['svc']), until: new Set(['ctr']) } });
    assert.deepEqual(report.outcomes.map((o) => o.status), ['done', 'cancelled']);
  });

  test('a nonsensical concurrency is refused with a message that names it', async () => {
    await assert.rejects(executeSteps([], async () => undefined, { concurrency: 0 }), /concurrency must be a whole number of at least 1, got 0/);
  });
});

describe('passive steps', () => {
  test('a step that only waits takes none of the slots: with one slot, the work goes on beside it', async () => {
    const steps = [step('wait'), step('a'), step('b', ['a']), step('after-wait', ['wait'])];
    const log: string[] = [];
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const report = await executeSteps(steps, async (s) => {
      log.push(`start ${s.key}`);
      // Without the passive path the only slot is the wait's, b never runs: fail instead of hanging.
      if (s.key === 'wait') await Promise.race([gate, sleep(2000).then(() => Promise.reject(new Error('b never ran beside the wait')))]);
      if (s.key === 'b') release(); // b could not run if the wait held the only slot
      log.push(`end ${s.key}`);
    }, { concurrency: 1, passive: (s) => s.key === 'wait' });
    assert.equal(report.ok, true);
    assert.ok(log.indexOf('end b') < log.indexOf('end wait'), log.join(', '));
    assert.ok(log.indexOf('start after-wait') > log.indexOf('end wait'), 'what waits for a passive step still waits for it');
  });

  test('a passive step that fails skips its dependants, and the run waits for passive steps before it reports', async () => {
    const steps = [step('wait'), step('next', ['wait']), step('other')];
    const report = await executeSteps(steps, async (s) => {
      if (s.key === 'wait') {
        await sleep(20);
        throw new Error('never healthy');
      }
    }, { concurrency: 1, passive: (s) => s.key === 'wait' });
    assert.deepEqual(report.outcomes.map((o) => `${o.step.key}:${o.status}`), ['wait:failed', 'next:skipped', 'other:done']);
  });
});
