// The executor's walk of the plan DAG: runs each step once all the steps it waits for succeeded,
// independent steps in parallel (p-queue, bounded), and never decides anything itself.
//
//   - a failed step fails alone: the steps that (transitively) wait for it are skipped, every
//     other step still runs, and the report says which did what;
//   - a cancelled run (signal aborted, e.g. SIGTERM) starts no new step, lets the running ones
//     finish, and reports the rest as not run;
//   - steps that only wait (passive) take no slot of the concurrency limit;
//   - of the steps ready at once, the one with the costliest chain of work behind it starts first,
//     and held steps start once the steps they are held for have settled (schedule.ts); order
//     never changes what runs, only when.
import PQueue from 'p-queue';
import type { Step } from '../plan/steps.js';
import { chainPriorities, dependantsOf, type Hold } from './schedule.js';

export type StepStatus = 'done' | 'failed' | 'skipped' | 'cancelled';

export interface StepOutcome {
  readonly step: Step;
  readonly status: StepStatus;
  /** For failed steps, the error; for skipped ones, the key of the failed step that caused it. */
  readonly error?: unknown;
  readonly cause?: string;
  readonly durationMs: number;
}

export type ApplyEvent =
  | { readonly type: 'step-start'; readonly step: Step }
  | { readonly type: 'step-done'; readonly step: Step; readonly durationMs: number }
  | { readonly type: 'step-failed'; readonly step: Step; readonly error: unknown; readonly durationMs: number }
  | { readonly type: 'step-skipped'; readonly step: Step; readonly cause: string };

export interface ApplyReport {
  /** In plan order. */
  readonly outcomes: readonly StepOutcome[];
  readonly counts: Readonly<Record<StepStatus, number>>;
  readonly ok: boolean;
}

/** Runs one step against the Engine. Throws on failure. */
export type StepRunner = (step: Step, signal: AbortSignal) => Promise<void>;

export interface ExecuteOptions {
  /** How many steps may run at once. */
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: ApplyEvent) => void;
  /** Estimated cost of a step, for the order of ready steps (default: every step costs 1). */
  readonly cost?: (step: Step) => number;
  /**
   * Steps that start only once others have settled, whatever their outcome (never a dependency:
   * a failure does not skip them). Should the run go idle with held steps ready, they start then.
   */
  readonly hold?: Hold | null;
  /**
   * Steps that only wait (for a container to turn healthy...) and so take none of the
   * `concurrency` slots: a slow healthcheck does not hold up the steps that do the work.
   */
  readonly passive?: (step: Step) => boolean;
  /** Milliseconds clock, injectable for tests. */
  readonly now?: () => number;
}

export async function executeSteps(steps: readonly Step[], run: StepRunner, options: ExecuteOptions): Promise<ApplyReport> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number of at least 1, got ${String(options.concurrency)}`);
  }
  const now = options.now ?? (() => performance.now());
  const emit = options.onEvent ?? (() => undefined);
  const signal = options.signal ?? new AbortController().signal;
  const outcomes = new Map<string, StepOutcome>();
  const waiting = new Map(steps.map((s) => [s.key, new Set(s.after)]));
  const dependants = dependantsOf(steps);
  const queue = new PQueue({ concurrency: options.concurrency });
  const priorities = chainPriorities(steps, options.cost ?? (() => 1));

  const hold = options.hold ?? null;
  let holdFor = hold === null ? 0 : [...hold.until].filter((key) => waiting.has(key)).length;
  const parked: Step[] = [];
  const settle = (outcome: StepOutcome): void => {
    outcomes.set(outcome.step.key, outcome);
    if (hold?.until.has(outcome.step.key) === true && holdFor > 0) {
      holdFor -= 1;
      if (holdFor === 0) startAll(parked.splice(0));
    }
  };

  const skip = (step: Step, cause: string): void => {
    if (outcomes.has(step.key)) return;
    settle({ step, status: 'skipped', cause, durationMs: 0 });
    emit({ type: 'step-skipped', step, cause });
    for (const next of dependants.get(step.key) ?? []) skip(next, cause);
  };

  const passive = options.passive ?? (() => false);
  /** Passive steps under way (they never reject: a failure is an outcome). */
  const passiveRuns = new Set<Promise<void>>();
  const start = (step: Step): void => {
    const task = async (): Promise<void> => {
      if (signal.aborted) return; // reported as cancelled below
      const began = now();
      emit({ type: 'step-start', step });
      try {
        await run(step, signal);
      } catch (error: unknown) {
        const durationMs = now() - began;
        emit({ type: 'step-failed', step, error, durationMs });
        settle({ step, status: 'failed', error, durationMs });
        for (const next of dependants.get(step.key) ?? []) skip(next, step.key);
        return;
      }
      const durationMs = now() - began;
      emit({ type: 'step-done', step, durationMs });
      const ready: Step[] = [];
      for (const next of dependants.get(step.key) ?? []) {
        const left = waiting.get(next.key) as Set<string>;
        left.delete(step.key);
        if (left.size === 0 && !outcomes.has(next.key)) ready.push(next);
      }
      settle({ step, status: 'done', durationMs });
      startAll(ready);
    };
    if (passive(step)) {
      const under = task();
      passiveRuns.add(under);
      void under.finally(() => passiveRuns.delete(under));
    } else {
      void queue.add(task, { priority: priority(step) });
    }
  };
  /** Until nothing runs any more: the queue idle and no passive step under way (each may start more). */
  const idle = async (): Promise<void> => {
    for (;;) {
      await queue.onIdle();
      if (passiveRuns.size === 0) return;
      await Promise.all([...passiveRuns]);
    }
  };
  // The queue runs a step at once while it has a free slot: steps that become ready together are
  // added costliest first, so that the free slots go to them (the sort is stable: plan order
  // among equals).
  const priority = (step: Step): number => priorities.get(step.key) ?? 0;
  const startAll = (ready: Step[]): void => {
    for (const step of ready.sort((a, b) => priority(b) - priority(a))) {
      if (holdFor > 0 && hold?.held.has(step.key) === true) parked.push(step);
      else start(step);
    }
  };

  startAll(steps.filter((step) => step.after.length === 0));
  await idle();
  // Held for steps that can no longer settle (they wait for a held step): never stall on them.
  while (parked.length > 0 && !signal.aborted) {
    holdFor = 0;
    startAll(parked.splice(0));
    await idle();
  }

  const ordered = steps.map((step) => outcomes.get(step.key) ?? { step, status: 'cancelled' as const, durationMs: 0 });
  const counts = { done: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const o of ordered) counts[o.status] += 1;
  return { outcomes: ordered, counts, ok: counts.done === steps.length };
}
