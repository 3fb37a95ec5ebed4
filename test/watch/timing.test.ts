import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Backoff, backoffCeiling, backoffDelay } from '../../src/watch/backoff.js';
import { Debouncer } from '../../src/watch/debounce.js';
import { ReconcileLoop, type CycleRequest, type Trigger } from '../../src/watch/loop.js';
import { FakeClock, settle } from '../support/fake-clock.js';

describe('backoff', () => {
  test('each delay lies in [ceiling/2, ceiling], the ceiling doubles from base and never passes the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 100 }), (attempt, r, base, factor) => {
        const policy = { baseMs: base, maxMs: base * factor };
        const ceiling = backoffCeiling(attempt, policy);
        const delay = backoffDelay(attempt, policy, () => r);
        assert.ok(ceiling <= policy.maxMs);
        assert.equal(ceiling, Math.min(policy.maxMs, base * 2 ** attempt));
        assert.ok(delay >= Math.floor(ceiling / 2) && delay <= ceiling, `${delay} outside [${ceiling / 2}, ${ceiling}]`);
      }),
    );
  });

  test('the jitter spreads retries: the lowest and highest draws differ by half the ceiling', () => {
    const policy = { baseMs: 1000, maxMs: 8000 };
    assert.equal(backoffDelay(2, policy, () => 0), 2000);
    assert.equal(backoffDelay(2, policy, () => 0.999999), 4000);
  });

  test('a Backoff counts attempts up to the cap, and reset starts over', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000 }, () => 0.999999);
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000, 1000]);
    assert.equal(b.attempts, 6);
    b.reset();
    assert.equal(b.next(), 100);
  });

  test('bad policies are refused with the field named', () => {
    assert.throws(() => new Backoff({ baseMs: 0, maxMs: 10 }), /baseMs must be a positive number/);
    assert.throws(() => new Backoff({ baseMs: 10, maxMs: 5 }), /maxMs must be at least baseMs/);
  });
});

describe('debounce', () => {
  test('a burst fires once, a quiet period after the last poke', async () => {
    const clock = new FakeClock();
    let fired = 0;
    const d = new Debouncer(clock, { quietMs: 1000, maxDelayMs: 5000 }, () => fired++);
    d.poke();
    await clock.advance(600);
    d.poke();
    await clock.advance(600);
    d.poke();
    await clock.advance(999);
    assert.equal(fired, 0);
    await clock.advance(1);
    assert.equal(fired, 1);
    assert.equal(d.pending, false);
  });

  test('a steady trickle cannot postpone the batch past the maximum delay', async () => {
    const clock = new FakeClock();
    const firedAt: number[] = [];
    const start = clock.now();
    const d = new Debouncer(clock, { quietMs: 1000, maxDelayMs: 3000 }, () => firedAt.push(clock.now() - start));
    for (let i = 0; i < 10; i++) {
      d.poke();
      await clock.advance(500);
    }
    assert.deepEqual(firedAt, [3000]);
  });

  test('cancel drops the waiting batch', async () => {
    const clock = new FakeClock();
    let fired = 0;
    const d = new Debouncer(clock, { quietMs: 100, maxDelayMs: 100 }, () => fired++);
    d.poke();
    d.cancel();
    await clock.advance(1000);
    assert.equal(fired, 0);
  });

  test('a maximum delay shorter than the quiet period is refused', () => {
    assert.throws(() => new Debouncer(new FakeClock(), { quietMs: 100, maxDelayMs: 50 }, () => undefined), /maxDelayMs must be at least quietMs/);
  });
});

/** A loop whose cycles take `cycleMs` of fake time, recording what each was given. */
function harness(options: { cycleMs?: number; intervalMs?: number; retryInMs?: (n: number) => number | null } = {}) {
  const clock = new FakeClock();
  const calls: { at: number; triggers: string[] }[] = [];
  let running = 0;
  let maxRunning = 0;
  const start = clock.now();
  const loop = new ReconcileLoop({
    clock,
    intervalMs: options.intervalMs ?? 60_000,
    debounce: { quietMs: 1000, maxDelayMs: 4000 },
    run: async ({ triggers }: CycleRequest) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      calls.push({ at: clock.now() - start, triggers: triggers.map((t: Trigger) => (t.detail === null ? t.kind : `${t.kind}:${t.detail}`)) });
      await new Promise<void>((resolve) => clock.setTimer(options.cycleMs ?? 0, resolve));
      running -= 1;
      return { retryInMs: options.retryInMs?.(calls.length) ?? null };
    },
    onCrash: (err) => {
      throw err;
    },
  });
  return { clock, loop, calls, maxRunning: () => maxRunning };
}

describe('the reconcile loop', () => {
  test('starts with one cycle, then resyncs every interval after the end of the last cycle', async () => {
    const { clock, loop, calls } = harness({ cycleMs: 500, intervalMs: 10_000 });
    loop.start();
    await clock.advance(25_000);
    assert.deepEqual(calls, [
      { at: 0, triggers: ['start'] },
      { at: 10_500, triggers: ['interval'] },
      { at: 21_000, triggers: ['interval'] },
    ]);
    await loop.stop();
  });

  test('other cycles do not postpone the interval: a steady stream of events cannot starve the resync', async () => {
    const { clock, loop, calls } = harness({ cycleMs: 100, intervalMs: 10_000 });
    loop.start();
    for (let t = 0; t < 25_000; t += 2000) {
      loop.notify({ kind: 'event', detail: 'crash-looping container died' });
      await clock.advance(2000);
    }
    const intervals = calls.filter((c) => c.triggers.includes('interval')).map((c) => c.at);
    assert.ok(intervals.length === 2, JSON.stringify(calls));
    assert.ok(intervals.every((at, i) => at <= (i + 1) * 10_200 + 100), JSON.stringify(intervals));
    await loop.stop();
  });

  test('events are debounced into one cycle', async () => {
    const { clock, loop, calls } = harness();
    loop.start();
    await clock.advance(10);
    for (const d of ['a', 'b', 'c']) {
      loop.notify({ kind: 'event', detail: d });
      await clock.advance(300);
    }
    await clock.advance(5000);
    assert.deepEqual(calls.map((c) => c.triggers), [['start'], ['event:a', 'event:b', 'event:c']]);
    assert.equal(calls[1]?.at, 10 + 600 + 1000);
    await loop.stop();
  });

  test('cycles never overlap: triggers during a cycle make exactly one follow-up cycle', async () => {
    const { clock, loop, calls, maxRunning } = harness({ cycleMs: 5000 });
    loop.start();
    await clock.advance(100);
    loop.notify({ kind: 'sync', detail: null });
    loop.notify({ kind: 'event', detail: 'x' });
    loop.notify({ kind: 'file', detail: 'm.yaml' });
    loop.notify({ kind: 'sync', detail: null });
    await clock.advance(20_000);
    assert.equal(maxRunning(), 1);
    assert.deepEqual(calls.map((c) => [c.at, c.triggers]), [
      [0, ['start']],
      [5000, ['sync', 'event:x', 'file:m.yaml', 'sync']],
    ]);
    await loop.stop();
  });

  test('a direct request waits while a file write is being debounced, so a half-written manifest is not read', async () => {
    const { clock, loop, calls } = harness();
    loop.start();
    await clock.advance(10);
    loop.notify({ kind: 'file', detail: 'm.yaml' }); // truncated
    await clock.advance(50);
    loop.notify({ kind: 'verify', detail: null });
    loop.notify({ kind: 'sync', detail: null });
    await clock.advance(100);
    assert.deepEqual(calls.map((c) => c.triggers), [['start']], 'no cycle while the file is still being written');
    loop.notify({ kind: 'file', detail: 'm.yaml' }); // filled
    await clock.advance(5000);
    assert.deepEqual(calls.map((c) => [c.at, c.triggers]), [
      [0, ['start']],
      [10 + 150 + 1000, ['file:m.yaml', 'verify', 'sync', 'file:m.yaml']],
    ]);
    await loop.stop();
  });

  test('a stream of file writes holds direct requests back no longer than the maximum delay', async () => {
    const { clock, loop, calls } = harness();
    loop.start();
    await clock.advance(10);
    loop.notify({ kind: 'file', detail: 'm.yaml' });
    loop.notify({ kind: 'sync', detail: null });
    for (let t = 0; t < 6000; t += 500) {
      await clock.advance(500);
      loop.notify({ kind: 'file', detail: 'm.yaml' });
    }
    assert.equal(calls[1]?.at, 10 + 4000);
    assert.ok(calls[1]?.triggers.includes('sync'));
    await loop.stop();
  });

  test('a requested retry runs after its delay, and another cycle supersedes it', async () => {
    const { clock, loop, calls } = harness({ retryInMs: (n) => (n === 1 ? 7000 : null) });
    loop.start();
    await clock.advance(8000);
    assert.deepEqual(calls.map((c) => [c.at, c.triggers]), [[0, ['start']], [7000, ['retry']]]);
    await loop.stop();

    const second = harness({ retryInMs: (n) => (n === 1 ? 7000 : null) });
    second.loop.start();
    await second.clock.advance(1000);
    second.loop.notify({ kind: 'sync', detail: null });
    await second.clock.advance(20_000);
    assert.deepEqual(second.calls.map((c) => c.triggers), [['start'], ['sync']]);
    await second.loop.stop();
  });

  test('stop waits for the running cycle, aborts its signal and takes no new work', async () => {
    const clock = new FakeClock();
    let signal: AbortSignal | null = null;
    let cycles = 0;
    const loop = new ReconcileLoop({
      clock,
      intervalMs: 1000,
      debounce: { quietMs: 10, maxDelayMs: 10 },
      run: async (request) => {
        cycles += 1;
        signal = request.signal;
        await new Promise<void>((resolve) => clock.setTimer(3000, resolve));
        return { retryInMs: 1 };
      },
      onCrash: () => undefined,
    });
    loop.start();
    await settle();
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await settle();
    assert.equal((signal as AbortSignal | null)?.aborted, true);
    assert.equal(stopped, false);
    await clock.advance(3000);
    await stopping;
    loop.notify({ kind: 'sync', detail: null });
    await clock.advance(10_000);
    assert.equal(cycles, 1);
    assert.deepEqual(clock.pending, []);
  });

  test('a cycle that throws is reported and the loop goes on', async () => {
    const clock = new FakeClock();
    const crashes: unknown[] = [];
    let n = 0;
    const loop = new ReconcileLoop({
      clock,
      intervalMs: 1000,
      debounce: { quietMs: 10, maxDelayMs: 10 },
      run: async () => {
        n += 1;
        if (n === 1) throw new Error('boom');
        return { retryInMs: null };
      },
      onCrash: (err) => crashes.push(err),
    });
    loop.start();
    await clock.advance(1000);
    assert.equal(n, 2);
    assert.equal(crashes.length, 1);
    await loop.stop();
  });
});
