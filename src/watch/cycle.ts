// One reconcile cycle: load the desired state (keeping the last good one when an edit is invalid),
// observe the Engine, plan, and apply (or only report, with --dry-run). Every outcome is a result,
// never an exception, with what the log line and the metrics need: the triggers, the plan's
// summary and changes with their reasons, failed steps, manifest issues, the commit.
//
// State kept across cycles: the last good desired state, the flap guard, the Engine backoff,
// what the last successful apply was made from (to tell drift repairs from manifest changes), and
// the spec last sent to each service (to tell a rollback of it, which is recorded on the service).
//
// Must not: schedule anything (loop.ts does), print anything (the watcher logs the report).
import { createHash } from 'node:crypto';
import { applyPlan, type ApplyResult } from '../apply/apply.js';
import type { ApplyEvent, ApplyReport } from '../apply/execute.js';
import { describeUndone } from '../apply/replacements.js';
import { imagesNeedingCredentials, type RegistryAuthLookup } from '../apply/registry-auth.js';
import { recordFailedRollout } from '../apply/rollout-record.js';
import type { EngineClient } from '../engine/client.js';
import { isEngineError, type EngineErrorKind } from '../engine/index.js';
import { isMoorError, type MoorError } from '../errors.js';
import { describeProblem } from '../diff/changes.js';
import { formatIssue } from '../manifest/index.js';
import type { DesiredProject } from '../model/desired.js';
import { randomId, specHash, stableStringify } from '../model/hash.js';
import type { FailedRollout, ObservedProject } from '../model/observed.js';
import { observeProject } from '../observe/observe.js';
import { buildPlan, DEFAULT_PLAN_OPTIONS, type Plan, type PlanOptions, type PlanSummary } from '../plan/build.js';
import { countHeldBack, heldBack } from '../plan/render.js';
import { describeStep, sendsSpec } from '../plan/steps.js';
import { Backoff, type BackoffPolicy, type Random } from './backoff.js';
import type { Clock } from './clock.js';
import { FlapGuard, planFingerprint } from './flap.js';
import { errorMessage } from './log.js';
import type { Trigger, TriggerKind } from './loop.js';
import type { SelfWriteFilter } from './self-writes.js';
import type { DesiredSource, SourceLoad } from './source.js';

/** The pipeline a cycle runs; the Engine-backed one in production, fakes in unit tests. */
export interface Pipeline {
  observe(project: string, signal: AbortSignal): Promise<ObservedProject>;
  plan(desired: DesiredProject, observed: ObservedProject): Plan;
  apply(desired: DesiredProject, observed: ObservedProject, plan: Plan, signal: AbortSignal, onEvent: (event: ApplyEvent) => void): Promise<ApplyResult>;
  /**
   * Records a rollout Swarm rolled back on the service (io.moor.failed-* labels, as `apply --wait`
   * does), so that every later plan, in this process or the next, holds that spec back. Returns
   * whether the record is there.
   */
  recordRollback(project: string, engineName: string, failed: FailedRollout): Promise<boolean>;
}

/**
 * Credentials for the registries of these images (the ones a plan's steps need), resolved before
 * the steps run (credential helpers are slow processes).
 */
export type PrepareRegistryAuth = (images: readonly string[], signal: AbortSignal) => Promise<RegistryAuthLookup>;

/**
 * The pipeline on a connected client. `registryAuth` is asked at each apply, so that a new
 * `docker login` is used without a restart.
 */
export function enginePipeline(engine: EngineClient, planOptions: Partial<Omit<PlanOptions, 'newId'>> = {}, registryAuth?: PrepareRegistryAuth, hurry?: AbortSignal): Pipeline {
  return {
    observe: (project, signal) => observeProject(engine, project, { signal }),
    plan: (desired, observed) => buildPlan(desired, observed, { ...DEFAULT_PLAN_OPTIONS, ...planOptions, newId: randomId }),
    apply: async (desired, observed, plan, signal, onEvent) => {
      const lookup = registryAuth === undefined ? undefined : await registryAuth(imagesNeedingCredentials(plan.steps), signal);
      // A replaced container is removed only once its replacement runs as the manifest says, and
      // put back if it does not (the flap guard then holds the plan back).
      return applyPlan(engine, desired, observed, plan, { signal, onEvent, awaitRollouts: true, verifyReplacements: true, ...(lookup === undefined ? {} : { registryAuth: lookup }), ...(hurry === undefined ? {} : { hurry }) });
    },
    recordRollback: (project, engineName, failed) => recordFailedRollout(engine, project, engineName, failed),
  };
}

export const CYCLE_RESULTS = ['ok', 'held', 'drift', 'failed', 'backoff', 'invalid_manifest', 'source_error', 'engine_unreachable', 'cancelled'] as const;
/**
 * ok: the Engine matches the manifest (now). held: the plan's changes were applied (or there were
 * none), but it holds services back, whose rollout Swarm rolled back or paused: the Engine does not
 * match the manifest, and the watcher will not change that by itself. drift: --dry-run found
 * changes. failed: steps failed
 * or the plan has errors. backoff: a plan that failed before was held back. invalid_manifest: the
 * edit was refused (the last good manifest was reconciled). source_error: Git could not be fetched
 * (the last good commit was reconciled; it wins over invalid_manifest).
 * engine_unreachable: no answer from the Engine. cancelled: stopped by a signal.
 */
export type CycleResult = (typeof CYCLE_RESULTS)[number];

const FAILURES: ReadonlySet<CycleResult> = new Set(['held', 'failed', 'backoff', 'invalid_manifest', 'source_error', 'engine_unreachable']);

export function isFailure(result: CycleResult): boolean {
  return FAILURES.has(result);
}

export interface CycleReport {
  readonly triggers: readonly Trigger[];
  readonly result: CycleResult;
  readonly startedAt: number;
  readonly durationMs: number;
  /** The Git commit reconciled (the last good one when the new one is invalid). */
  readonly commit: string | null;
  /** The Git commit whose manifest was refused (invalid), when there is one. */
  readonly refusedCommit: string | null;
  readonly summary: PlanSummary | null;
  /**
   * Services the plan holds back: `held`, their last rollout rolled back by Swarm (rollout-held),
   * `paused`, their rollout paused by Swarm (rollout-paused); and the plan's own words for it
   * (`1 service held back (its last rollout was rolled back); see the warning`, '' for none).
   */
  readonly heldBack: { readonly held: number; readonly paused: number; readonly text: string };
  /** `create container/web: not found on the Engine`, one per change of the plan. */
  readonly changes: readonly string[];
  readonly applied: boolean;
  /** The desired state was the one last applied: the changes were drift. */
  readonly drift: boolean;
  /** Objects changed by a drift repair, by kind. */
  readonly repaired: Readonly<Record<string, number>>;
  readonly failedSteps: readonly string[];
  /** Replaced containers put back because their replacement did not start or run (apply/replacements.ts). */
  readonly putBack: readonly string[];
  /** Plan errors (they block the apply). */
  readonly problems: readonly string[];
  /** Why the manifest was refused, `file:line:col: message`. */
  readonly issues: readonly string[];
  /** The manifest's warnings (`file:line:col: message`), then the plan's (`service/api: message`). */
  readonly warnings: readonly string[];
  readonly error: string | null;
  /** Why the cycle held back or will back off. */
  readonly note: string | null;
  readonly retryInMs: number | null;
  /** Whether the Engine answered (null: the cycle did not get to ask). */
  readonly engineUp: boolean | null;
  /** Files whose change must trigger a cycle. */
  readonly watch: readonly string[];
}

export interface ReconcilerOptions {
  readonly source: DesiredSource;
  /**
   * Makes the pipeline ready for the project the first good manifest names: takes the project
   * lock, connects to the Engine, subscribes to its events (each once; later calls are cheap).
   * An EngineError (no Engine yet) makes the cycle's result; any other error (the lock is held)
   * is thrown out of `run`: the watcher cannot go on.
   */
  readonly connect: (desired: DesiredProject, signal: AbortSignal) => Promise<Pipeline>;
  /** Called with each observed state (the event matcher learns the project's objects). */
  readonly onObserved?: (desired: DesiredProject, observed: ObservedProject) => void;
  readonly dryRun: boolean;
  readonly clock: Clock;
  readonly random?: Random;
  /** Retries after the Engine could not be reached. */
  readonly engineBackoff: BackoffPolicy;
  /** Holds of a plan that failed (flap guard). */
  readonly failureBackoff: BackoffPolicy;
  readonly selfWrites: SelfWriteFilter;
  /** Progress of the apply's steps (the watcher logs them at debug level). */
  readonly onStep?: (event: ApplyEvent) => void;
}

/** Kinds that mean the Engine is not answering (yet): retried with backoff. */
const UNREACHABLE: ReadonlySet<EngineErrorKind> = new Set(['unreachable', 'timeout']);
/** Triggers after which a Git source is fetched (hints are about the Engine or local files). */
const REFRESH: ReadonlySet<TriggerKind> = new Set(['interval', 'sync', 'retry']);
/** Swarm's verdicts on an update that did not take (research §1.2). */
const NOT_TAKEN: ReadonlySet<string> = new Set(['paused', 'rollback_started', 'rollback_paused', 'rollback_completed']);

type Outcome = Pick<CycleReport, 'result' | 'summary' | 'heldBack' | 'warnings' | 'changes' | 'applied' | 'drift' | 'repaired' | 'failedSteps' | 'putBack' | 'problems' | 'error' | 'note' | 'retryInMs' | 'engineUp'>;

const NOTHING: Outcome = { result: 'ok', summary: null, heldBack: { held: 0, paused: 0, text: '' }, warnings: [], changes: [], applied: false, drift: false, repaired: {}, failedSteps: [], putBack: [], problems: [], error: null, note: null, retryInMs: null, engineUp: null };

/** What the desired state says, secrets included (kept in memory only, never printed). */
function desiredFingerprint(desired: DesiredProject): string {
  // Source positions change with every edit that moves lines; they change nothing on the Engine.
  const hash = createHash('sha256').update(stableStringify({ ...desired, locations: {} }));
  for (const s of Object.values(desired.secrets)) if (!s.external) hash.update(`\u0000${s.name}\u0000`).update(s.data.reveal());
  return hash.digest('hex');
}

export class Reconciler {
  readonly #o: ReconcilerOptions;
  readonly #engineBackoff: Backoff;
  readonly #flap: FlapGuard;
  #good: { readonly desired: DesiredProject; readonly commit: string | null } | null = null;
  /** The project of the first good manifest: the one this watcher holds the lock of. */
  #project: string | null = null;
  #watch: readonly string[] = [];
  /** What the last successful apply (or empty plan) was made from. */
  #convergedDesired: string | null = null;
  /**
   * Per service: the hash of the spec this watcher last sent it, and the reason Swarm gave while
   * it rolled that spec back (once done, Swarm only says "rollback completed"). In memory only:
   * what must outlive the process, a rollback, is recorded on the service itself.
   */
  readonly #sent = new Map<string, { readonly specHash: string; reason: string | null }>();

  constructor(options: ReconcilerOptions) {
    this.#o = options;
    this.#engineBackoff = new Backoff(options.engineBackoff, options.random);
    this.#flap = new FlapGuard({ clock: options.clock, backoff: options.failureBackoff, ...(options.random === undefined ? {} : { random: options.random }) });
  }

  /** The project being reconciled (null until a manifest was valid). */
  get project(): string | null {
    return this.#project;
  }

  /** Files to watch (after the last load). */
  get watch(): readonly string[] {
    return this.#watch;
  }

  async run(triggers: readonly Trigger[], signal: AbortSignal): Promise<CycleReport> {
    const startedAt = this.#o.clock.now();
    const refresh = triggers.some((t) => REFRESH.has(t.kind));
    let load: SourceLoad;
    try {
      load = await this.#o.source.load({ refresh, signal });
    } catch (err: unknown) {
      load = { manifest: null, commit: null, fetchError: errorMessage(err), watch: this.#watch };
    }
    this.#watch = load.watch;
    const issues: string[] = [];
    let warnings: readonly string[] = [];
    if (load.manifest?.ok === true) {
      const named = load.manifest.desired.project;
      this.#project ??= named;
      if (named !== this.#project) {
        issues.push(`the manifest now names project ${named}, but this watcher reconciles project ${this.#project} (its lock is for that project): restart moor watch to switch projects`);
      } else {
        this.#good = { desired: load.manifest.desired, commit: load.commit };
        warnings = load.manifest.warnings.map(formatIssue);
      }
    } else if (load.manifest?.ok === false) {
      issues.push(...load.manifest.issues.map(formatIssue));
    }

    const good = this.#good;
    let outcome: Outcome;
    if (good === null) {
      outcome = { ...NOTHING, result: load.fetchError === null ? 'invalid_manifest' : 'source_error', error: load.fetchError };
    } else {
      outcome = await this.#reconcile(good.desired, signal);
      // A failed fetch or a refused edit is the cycle's result when reconciling itself went well.
      // The fetch first: while it fails, a fix pushed for the refused commit cannot arrive.
      if (outcome.result === 'ok' || outcome.result === 'held' || outcome.result === 'drift') {
        const note = issues.length > 0 ? 'the last good manifest stays in force' : outcome.note;
        if (load.fetchError !== null) outcome = { ...outcome, result: 'source_error', error: load.fetchError, note };
        else if (issues.length > 0) outcome = { ...outcome, result: 'invalid_manifest', note };
      }
    }
    const commit = good?.commit ?? load.commit;
    const refusedCommit = issues.length > 0 && load.commit !== commit ? load.commit : null;
    return { ...outcome, triggers, startedAt, durationMs: this.#o.clock.now() - startedAt, commit, refusedCommit, issues, warnings: [...warnings, ...outcome.warnings], watch: this.#watch };
  }

  async #reconcile(desired: DesiredProject, signal: AbortSignal): Promise<Outcome> {
    let pipeline: Pipeline;
    let observed: ObservedProject;
    try {
      pipeline = await this.#o.connect(desired, signal);
    } catch (err: unknown) {
      if (!isEngineError(err)) throw err;
      return this.#engineTrouble(err, signal);
    }
    try {
      observed = await pipeline.observe(desired.project, signal);
    } catch (err: unknown) {
      if (!isMoorError(err)) throw err;
      return this.#engineTrouble(err, signal);
    }
    this.#engineBackoff.reset();
    this.#o.onObserved?.(desired, observed);
    let plan = pipeline.plan(desired, observed);
    this.#noteRollbackReasons(observed);
    const rolledBack = this.#o.dryRun ? [] : this.#rolledBack(plan, observed);
    const recorded: string[] = [];
    if (rolledBack.length > 0) {
      // Swarm rolled back a spec this watcher sent, and the plan would send it again: record it on
      // the service, as apply --wait does, and plan again. The planner then holds that spec back
      // (a rollout-held warning) while the rest of the plan, drift repairs included, goes on; the
      // record outlives this process, so a restarted watcher holds it back too.
      this.#o.selfWrites.writing(rolledBack.map((r) => `service/${r.name}`));
      try {
        for (const r of rolledBack) {
          if (await pipeline.recordRollback(desired.project, r.engineName, r.failed)) recorded.push(r.name);
          this.#sent.delete(r.name);
        }
        observed = await pipeline.observe(desired.project, signal);
      } catch (err: unknown) {
        if (!isMoorError(err)) throw err;
        return this.#engineTrouble(err, signal);
      } finally {
        this.#o.selfWrites.done();
      }
      this.#o.onObserved?.(desired, observed);
      plan = pipeline.plan(desired, observed);
    }
    const desiredNow = desiredFingerprint(desired);
    const drift = this.#convergedDesired === desiredNow;
    const held = countHeldBack(plan.problems);
    const base: Outcome = {
      ...NOTHING,
      // What is left of the plan once applied (failures and dry runs say otherwise below).
      result: held.held + held.paused > 0 ? 'held' : 'ok',
      engineUp: true,
      drift,
      summary: plan.summary,
      heldBack: { ...held, text: heldBack(plan.problems) },
      warnings: plan.problems.filter((p) => p.severity === 'warning').map(describeProblem),
      changes: plan.changes.map((c) => `${c.action} ${c.kind}/${c.name}: ${c.reason}`),
      problems: plan.problems.filter((p) => p.severity === 'error').map(describeProblem),
      note: recorded.length === 0 ? null : `Swarm rolled back the last update of ${recorded.map((n) => `service ${n}`).join(', ')}: recorded on the service, so that spec is held back until the manifest changes (moor apply --retry-failed sends it again)`,
    };
    const fingerprint = planFingerprint(plan, desired);
    const decision = this.#flap.check(fingerprint);
    if (base.problems.length > 0) {
      // Found again while held back, it is not another failure: it would double the hold at every
      // event or interval cycle.
      if (decision.hold) return { ...base, result: 'backoff', note: decision.reason, retryInMs: decision.retryInMs };
      const hold = this.#flap.failed(fingerprint, 'the plan has errors');
      return { ...base, result: 'failed', note: hold.reason, retryInMs: hold.retryInMs };
    }
    if (plan.steps.length === 0) {
      this.#convergedDesired = desiredNow;
      return base;
    }
    if (this.#o.dryRun) return { ...base, result: plan.changes.length > 0 ? 'drift' : base.result, note: 'dry run: nothing was changed' };
    if (decision.hold) return { ...base, result: 'backoff', note: decision.reason, retryInMs: decision.retryInMs };
    const notTaken = this.#notTaken(plan, observed);
    if (notTaken.length > 0) {
      // Swarm is undoing (or paused) an update this watcher sent, and the plan would send that spec
      // again: that would flap, or end the rollback (research §1.2). Once the rollback is complete,
      // it is recorded (above) and only that service is held back.
      const hold = this.#flap.failed(fingerprint, `Swarm did not take the last update: ${notTaken.join('; ')}`);
      return { ...base, result: 'failed', note: hold.reason, retryInMs: hold.retryInMs };
    }

    this.#o.selfWrites.writing(plan.changes.map((c) => `${c.kind}/${c.name}`));
    let report: ApplyResult;
    try {
      report = await pipeline.apply(desired, observed, plan, signal, this.#o.onStep ?? (() => undefined));
    } catch (err: unknown) {
      if (!isMoorError(err)) throw err;
      const hold = this.#flap.failed(fingerprint, err.message);
      return { ...base, result: 'failed', error: err.message, note: hold.reason, retryInMs: hold.retryInMs };
    } finally {
      this.#o.selfWrites.done();
    }
    this.#noteSent(report);
    const failedSteps = report.outcomes.filter((o) => o.status === 'failed').map((o) => `${describeStep(o.step)}: ${errorMessage(o.error)}`);
    if (!report.ok) {
      const putBack = report.undone.map(describeUndone);
      if (failedSteps.length === 0 && signal.aborted) return { ...base, result: 'cancelled', applied: true, putBack, note: `${report.counts.cancelled} step(s) not run: stopping` };
      const hold = this.#flap.failed(fingerprint, `${failedSteps.length} step(s) failed, ${report.counts.skipped} skipped`);
      return { ...base, result: 'failed', applied: true, failedSteps, putBack, retryInMs: hold.retryInMs, note: hold.reason };
    }
    this.#convergedDesired = desiredNow;
    const hold = this.#flap.succeeded(fingerprint, drift);
    return { ...base, applied: true, repaired: drift ? repairedByKind(plan, report) : {}, note: hold?.reason ?? base.note };
  }

  /** The Engine could not be reached, or failed a read: retried with the Engine backoff. */
  #engineTrouble(err: MoorError, signal: AbortSignal): Outcome {
    if (signal.aborted) return { ...NOTHING, result: 'cancelled' };
    const unreachable = isEngineError(err) && UNREACHABLE.has(err.kind);
    return { ...NOTHING, result: unreachable ? 'engine_unreachable' : 'failed', error: err.message, retryInMs: this.#engineBackoff.next(), engineUp: unreachable ? false : null };
  }

  /** Services the plan would send again the spec this watcher last sent them, whose update Swarm paused or rolled back. */
  #notTaken(plan: Plan, observed: ObservedProject): string[] {
    return plan.changes.flatMap((c) => {
      if (c.kind !== 'service' || c.action !== 'update' || !this.#resends(plan, c.name)) return [];
      const status = observed.services.find((s) => s.name === c.name)?.updateStatus;
      return status !== undefined && status !== null && NOT_TAKEN.has(status.state) ? [`service ${c.name} is ${status.state}${status.message === '' ? '' : ` (${status.message})`}`] : [];
    });
  }

  /** Of those, the ones whose rollback is complete: the rollout to record on the service. */
  #rolledBack(plan: Plan, observed: ObservedProject): { readonly name: string; readonly engineName: string; readonly failed: FailedRollout }[] {
    return plan.changes.flatMap((c) => {
      const live = observed.services.find((s) => s.name === c.name);
      const sent = this.#sent.get(c.name);
      if (c.kind !== 'service' || c.action !== 'update' || live?.updateStatus?.state !== 'rollback_completed' || sent === undefined || !this.#resends(plan, c.name)) return [];
      return [{ name: c.name, engineName: live.engineName, failed: { specHash: sent.specHash, message: sent.reason ?? live.updateStatus.message } }];
    });
  }

  /** Whether the plan sends service `name` exactly the spec this watcher last sent it. */
  #resends(plan: Plan, name: string): boolean {
    const step = plan.steps.filter(sendsSpec).filter((s) => s.op === 'service.update' && s.object === `service/${name}`).at(-1);
    const sent = this.#sent.get(name);
    return step !== undefined && sent !== undefined && specHash(step.spec) === sent.specHash;
  }

  /** Keeps Swarm's reason for rolling back a spec this watcher sent, while it still gives one. */
  #noteRollbackReasons(observed: ObservedProject): void {
    for (const s of observed.services) {
      const sent = this.#sent.get(s.name);
      const status = s.updateStatus;
      if (sent !== undefined && status !== null && (status.state === 'rollback_started' || status.state === 'rollback_paused') && status.message !== '') sent.reason = status.message;
    }
  }

  /** Remembers the specs the apply sent to services (their steps done). */
  #noteSent(report: ApplyReport): void {
    for (const o of report.outcomes) {
      if (o.status !== 'done' || (o.step.op !== 'service.update' && o.step.op !== 'service.create')) continue;
      this.#sent.set(o.step.object.slice('service/'.length), { specHash: specHash(o.step.spec), reason: null });
    }
  }
}

/** Objects whose steps all succeeded, by kind. */
function repairedByKind(plan: Plan, report: ApplyReport): Record<string, number> {
  const failed = new Set(report.outcomes.filter((o) => o.status !== 'done').map((o) => o.step.object as string));
  const counts: Record<string, number> = {};
  for (const c of plan.changes) {
    if (failed.has(`${c.kind}/${c.name}`)) continue;
    counts[c.kind] = (counts[c.kind] ?? 0) + 1;
  }
  return counts;
}
