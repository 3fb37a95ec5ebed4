// applyPlan: runs a plan's steps against the Engine and reports what happened. The pipeline
// function behind `moor apply`, `moor destroy` and each cycle of `moor watch`.
import type { EngineClient } from '../engine/client.js';
import type { PullProgress } from '../engine/types.js';
import { MoorError } from '../errors.js';
import type { DesiredProject } from '../model/desired.js';
import type { ObservedProject } from '../model/observed.js';
import { describeProblem } from '../diff/changes.js';
import type { Plan } from '../plan/build.js';
import { createEngineRunner } from './engine-runner.js';
import { executeSteps, type ApplyEvent, type ApplyReport } from './execute.js';
import { redactingErrors } from './redact.js';
import { holdServiceWrites, stepCost } from './schedule.js';
import type { RegistryAuthLookup } from './registry-auth.js';
import { undoFailedReplacements, verifyReplacements, type UndoneReplacement } from './replacements.js';

export interface ApplyOptions {
  /** Steps that may run at once (default 4: a single Engine gains little beyond that). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: ApplyEvent) => void;
  readonly onPullProgress?: (image: string, progress: PullProgress) => void;
  /** Limit of a depends_on wait (service_healthy / service_completed_successfully). */
  readonly waitTimeoutMs?: number;
  /** Registry credentials for pulls and service writes (see registry-auth.ts). */
  readonly registryAuth?: RegistryAuthLookup;
  /**
   * Whether the caller waits for services to run after the steps (apply --wait, watch), not only
   * for the steps: it decides which of the ready steps go first (see schedule.ts). Default false.
   */
  readonly awaitRollouts?: boolean;
  /**
   * Before removing a container that a new one replaced, wait until the new one runs as the
   * manifest says (healthy, with a healthcheck; at most `waitTimeoutMs`); if it does not, swap the
   * previous one back (apply --wait). Without it, the previous one is swapped back only when the
   * new one does not start. Default false.
   */
  readonly verifyReplacements?: boolean;
  /**
   * Fired when the caller cannot wait much longer (moor watch, as its shutdown bound passes, after
   * `signal`): a container stop in progress ends at once (the container is killed), so that the
   * running steps end and the replacements left half-way are put back without delay.
   */
  readonly hurry?: AbortSignal;
}

/** What applying a plan did: the steps' outcomes, and the replaced containers put back. */
export interface ApplyResult extends ApplyReport {
  /** Replacements undone because the new container did not start (or, verified, did not run as the manifest says). */
  readonly undone: readonly UndoneReplacement[];
}

export const DEFAULT_CONCURRENCY = 4;

/** A plan with errors is never applied: nothing is changed. */
export class PlanBlockedError extends MoorError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('CONFLICT', `the plan has ${problems.length} error${problems.length === 1 ? '' : 's'}; nothing was changed`);
    this.problems = problems;
  }

  override details(): readonly string[] {
    return this.problems;
  }
}

export async function applyPlan(engine: EngineClient, desired: DesiredProject, observed: ObservedProject, plan: Plan, options: ApplyOptions = {}): Promise<ApplyResult> {
  const errors = plan.problems.filter((p) => p.severity === 'error').map(describeProblem);
  if (errors.length > 0) throw new PlanBlockedError(errors);
  const runner = createEngineRunner({
    engine,
    desired,
    observed,
    ...(options.onPullProgress === undefined ? {} : { onPullProgress: options.onPullProgress }),
    ...(options.waitTimeoutMs === undefined ? {} : { waitTimeoutMs: options.waitTimeoutMs }),
    ...(options.registryAuth === undefined ? {} : { registryAuth: options.registryAuth }),
    ...(options.hurry === undefined ? {} : { hurry: options.hurry }),
  });
  const steps = options.verifyReplacements === true ? verifyReplacements(plan.steps) : plan.steps;
  const report = await executeSteps(steps, redactingErrors(runner, desired), {
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    cost: (step) => stepCost(step, options.awaitRollouts ?? false),
    hold: holdServiceWrites(steps, options.awaitRollouts ?? false),
    // A depends_on wait or a replacement's verification may last minutes: it takes no slot.
    passive: (step) => step.op === 'container.wait',
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
  const undone = await undoFailedReplacements(engine, plan.project, report.outcomes, options.signal?.aborted === true);
  return { ...report, undone };
}

