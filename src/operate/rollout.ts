// waitForRollout: `moor apply --wait` after the steps, on a real Engine. Waits for what the plan
// changed (wait.ts, reading with observe/runtime.ts), then records every rollout Swarm rolled
// back (apply/rollout-record.ts), so that no later plan sends that spec again unasked.
import type { ApplyReport } from '../apply/execute.js';
import { recordFailedRollout } from '../apply/rollout-record.js';
import type { EngineClient } from '../engine/client.js';
import { MoorError } from '../errors.js';
import { observeRuntime } from '../observe/runtime.js';
import type { Plan } from '../plan/build.js';
import { waitForConvergence, waitTargets, type WaitOptions, type WaitResult } from './wait.js';

export interface RolloutOptions extends Omit<WaitOptions, 'read'> {
  /** Record rollbacks on the services (flap protection); default true. */
  readonly recordRollbacks?: boolean;
}

export interface RolloutResult extends WaitResult {
  /** Logical names of the services whose rolled-back spec was recorded. */
  readonly recorded: readonly string[];
}

export async function waitForRollout(engine: EngineClient, plan: Plan, report: ApplyReport | undefined, options: RolloutOptions): Promise<RolloutResult> {
  const targets = waitTargets(plan, report);
  const signal = options.signal;
  const result = await waitForConvergence(targets, {
    ...options,
    read: (open) =>
      observeRuntime(engine, plan.project, {
        containers: open.filter((t) => t.kind === 'container').map((t) => t.engineName),
        services: open.filter((t) => t.kind === 'service').map((t) => t.engineName),
        ...(signal === undefined ? {} : { signal }),
      }),
  });
  const recorded: string[] = [];
  if (options.recordRollbacks !== false) {
    for (const s of result.statuses) {
      if (s.rollback === null || s.target.specHash === null) continue;
      if (await recordFailedRollout(engine, plan.project, s.target.engineName, { specHash: s.target.specHash, message: s.rollback })) recorded.push(s.target.name);
    }
  }
  return { ...result, recorded };
}

/**
 * What did not converge, as an error (code WAIT_FAILED): `moor apply --wait` throws it, and so may
 * a library caller that wants a failed rollout to be an exception. The message counts; `details()`
 * gives a line per object that failed or timed out, with the failing tasks' errors under it.
 */
export class WaitFailedError extends MoorError {
  readonly result: RolloutResult;

  constructor(result: RolloutResult) {
    const bad = result.statuses.filter((s) => s.phase !== 'converged');
    const total = result.statuses.length;
    const what = result.outcome === 'cancelled' ? 'the wait was interrupted' : result.outcome === 'timeout' ? 'the wait timed out' : 'the rollout failed';
    super('WAIT_FAILED', `${what}: ${bad.length} of ${total} object${total === 1 ? '' : 's'} did not converge`);
    this.result = result;
  }

  override details(): readonly string[] {
    const lines: string[] = [];
    for (const s of this.result.statuses) {
      if (s.phase === 'converged') continue;
      lines.push(`${s.target.kind} ${s.target.name}: ${s.summary}${s.reason === null ? '' : `: ${s.reason}`}`);
      for (const d of s.details) lines.push(`  ${d}`);
      if (this.result.recorded.includes(s.target.name)) {
        lines.push('  moor recorded this spec as rolled back: later applies hold it back until the manifest changes (or use --retry-failed)');
      }
    }
    return lines;
  }
}
