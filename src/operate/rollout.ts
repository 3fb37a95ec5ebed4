// waitForRollout: `moor apply --wait` after the steps, on a real Engine. Waits for what the plan
// changed (wait.ts, reading with observe/runtime.ts), then records every rollout Swarm rolled
// back (apply/rollout-record.ts), so that no later plan sends that spec again unasked.
import type { ApplyReport } from '../apply/execute.js';
import { recordFailedRollout } from '../apply/rollout-record.js';
import type { EngineClient } from '../engine/client.js';
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
