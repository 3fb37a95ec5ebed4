// The wait of `apply --wait`: polls the runtime state of what apply changed until every object is
// converged, one failed for good, or the deadline passed. Every wait has a deadline (research
// 4.5): a stuck `updating` or a task that can never be scheduled ends as a timeout that names
// what is not converged and why.
//
// Side effects are injected (the read, the clock, the sleep), so the loop is tested with a fake
// clock and scripted snapshots (test/operate/wait.test.ts). Must not: write to the Engine.
import { isEngineError } from '../engine/errors.js';
import type { ApplyReport } from '../apply/execute.js';
import { specHash } from '../model/hash.js';
import { objectId } from '../model/kinds.js';
import { engineName } from '../model/labels.js';
import type { RuntimeSnapshot } from '../model/runtime.js';
import type { Plan } from '../plan/build.js';
import { assessContainer, assessService, type Assessment, type WaitTarget } from './converge.js';

/** Where a target is: `settling` looks converged and is being watched for the settle window. */
export type TargetPhase = 'pending' | 'settling' | 'converged' | 'failed';

export interface TargetStatus {
  readonly target: WaitTarget;
  readonly phase: TargetPhase;
  readonly summary: string;
  readonly reason: string | null;
  readonly details: readonly string[];
  /** Swarm rolled the service's update back, for this reason; else null. */
  readonly rollback: string | null;
}

export type WaitOutcome = 'converged' | 'failed' | 'timeout' | 'cancelled';

export interface WaitResult {
  /** converged: all of them; failed: at least one failed (the others converged or timed out). */
  readonly outcome: WaitOutcome;
  readonly statuses: readonly TargetStatus[];
  readonly elapsedMs: number;
}

export interface WaitOptions {
  /** Reads the state of the targets (observe/runtime.ts on a real Engine). */
  readonly read: (targets: readonly WaitTarget[]) => Promise<RuntimeSnapshot>;
  readonly timeoutMs: number;
  /** Time between two reads (default 1000 ms). */
  readonly pollMs?: number;
  /** Milliseconds clock (default performance.now). */
  readonly now?: () => number;
  /** Resolves after `ms`, or early when `signal` aborts (default: a timer). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly signal?: AbortSignal;
  /** Called after each read with every target's status, in target order. */
  readonly onProgress?: (statuses: readonly TargetStatus[]) => void;
}

const DEFAULT_POLL_MS = 1_000;

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * What `--wait` waits for after `plan` was applied: every container and service it created,
 * updated or replaced (whose steps all succeeded, when `report` is given), and the services the
 * plan held back (problem `rollout-held` / `rollout-paused`), which are failures from the start.
 */
export function waitTargets(plan: Plan, report?: ApplyReport): WaitTarget[] {
  const notDone = new Set(report?.outcomes.filter((o) => o.status !== 'done').map((o) => o.step.object as string) ?? []);
  const targets: WaitTarget[] = [];
  for (const change of plan.changes) {
    if ((change.kind !== 'container' && change.kind !== 'service') || change.action === 'delete') continue;
    const id = objectId(change.kind, change.name);
    if (notDone.has(id)) continue;
    let hash: string | null = null;
    if (change.kind === 'service') {
      const sent = plan.steps.filter((s) => s.object === id && (s.op === 'service.create' || s.op === 'service.update')).at(-1);
      hash = sent !== undefined && (sent.op === 'service.create' || sent.op === 'service.update') ? specHash(sent.spec) : null;
    }
    targets.push({ kind: change.kind, name: change.name, engineName: change.action === 'replace' ? change.newEngineName : change.engineName, action: change.action, specHash: hash });
  }
  for (const problem of plan.problems) {
    if ((problem.code !== 'rollout-held' && problem.code !== 'rollout-paused') || problem.object === null || !problem.object.startsWith('service/')) continue;
    const name = problem.object.slice('service/'.length);
    if (targets.some((t) => t.kind === 'service' && t.name === name)) continue;
    const held = problem.code === 'rollout-held'
      ? { summary: 'not updated', reason: problem.message.replace(/^not updated: /, '') }
      : { summary: 'rollout paused', reason: problem.message };
    targets.push({ kind: 'service', name, engineName: engineName(plan.project, name), action: 'held', specHash: null, held });
  }
  return targets;
}

interface Track {
  status: TargetStatus;
  final: boolean;
  settleSince: number | null;
  stability: string;
  rollbackMessage: string | null;
}

export async function waitForConvergence(targets: readonly WaitTarget[], options: WaitOptions): Promise<WaitResult> {
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) throw new RangeError(`the wait timeout must be a positive number of milliseconds, got ${String(options.timeoutMs)}`);
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? defaultSleep;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const signal = options.signal ?? new AbortController().signal;
  const started = now();
  const deadline = started + options.timeoutMs;

  const tracks: Track[] = targets.map((target) => {
    const held = target.held;
    return {
      status: { target, phase: held === undefined ? 'pending' : 'failed', summary: held?.summary ?? 'waiting', reason: held?.reason ?? null, details: [], rollback: null },
      final: held !== undefined,
      settleSince: null,
      stability: '',
      rollbackMessage: null,
    };
  });
  const finish = (outcome: WaitOutcome): WaitResult => ({ outcome, statuses: tracks.map((t) => t.status), elapsedMs: now() - started });
  let readError: string | null = null;

  for (;;) {
    const open = tracks.filter((t) => !t.final);
    if (open.length > 0) {
      let snapshot: RuntimeSnapshot | null = null;
      try {
        snapshot = await options.read(open.map((t) => t.status.target));
        readError = null;
      } catch (err: unknown) {
        // The Engine may be restarting: keep trying until the deadline, and say so if it passes.
        if (!isEngineError(err)) throw err;
        readError = err.message;
      }
      if (snapshot !== null) for (const track of open) judge(track, snapshot, now());
      else for (const track of open) track.status = { ...track.status, reason: `cannot read the Engine: ${readError ?? ''}` };
    }
    options.onProgress?.(tracks.map((t) => t.status));
    if (tracks.every((t) => t.final)) return finish(tracks.some((t) => t.status.phase === 'failed') ? 'failed' : 'converged');
    if (signal.aborted) return finish('cancelled');
    const left = deadline - now();
    if (left <= 0) {
      for (const track of tracks.filter((t) => !t.final)) {
        track.status = { ...track.status, phase: 'failed', reason: `not converged within ${Math.round(options.timeoutMs / 1000)}s: ${track.status.reason ?? `${track.status.summary}, still watching it for failures`}` };
      }
      return finish(tracks.some((t) => t.final && t.status.phase === 'failed') ? 'failed' : 'timeout');
    }
    await sleep(Math.min(pollMs, left), signal);
  }
}

function judge(track: Track, snapshot: RuntimeSnapshot, at: number): void {
  const { target } = track.status;
  let a: Assessment;
  if (target.kind === 'container') {
    a = assessContainer(snapshot.containers.find((c) => c.container.engineName === target.engineName));
  } else {
    const rt = snapshot.services.find((s) => s.service.engineName === target.engineName);
    if (rt?.service.updateStatus?.state === 'rollback_started') track.rollbackMessage = rt.service.updateStatus.message;
    a = assessService(target, rt, snapshot.nodes, track.rollbackMessage);
  }
  const base = { target, summary: a.summary, reason: a.reason, details: a.details, rollback: a.rollback };
  if (a.phase === 'failed') {
    track.final = true;
    track.status = { ...base, phase: 'failed' };
    return;
  }
  if (a.phase === 'pending') {
    track.settleSince = null;
    track.status = { ...base, phase: 'pending' };
    return;
  }
  if (track.settleSince === null || track.stability !== a.stability) {
    track.settleSince = at;
    track.stability = a.stability;
  }
  if (at - track.settleSince >= a.settleMs) {
    track.final = true;
    track.status = { ...base, phase: 'converged' };
  } else {
    track.status = { ...base, phase: 'settling' };
  }
}
