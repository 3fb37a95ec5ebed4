// runWatch: `moor watch` without the command line. Applies the manifests, then keeps the project
// converged until stopped:
//
//   triggers ──▶ ReconcileLoop (single flight, debounce, interval, retry) ──▶ Reconciler.run
//     Engine events (hints; echoes of moor's own writes dropped)         load ▸ observe ▸ plan ▸ apply
//     file changes (manifests, env files, file: sources)                        │
//     the interval (full resync; Git fetch)  POST /sync  retries ◀── backoff ───┘
//
// The first cycle with a valid manifest connects to the Engine, takes the project's lock on it
// (held until the watcher stops) and subscribes to its events; an Engine that is not there yet is
// retried with backoff like any later outage. A held lock is the one start-up error that ends the watch.
//
// Stop (signal): no new cycle; the running one is cancelled between steps (running steps finish),
// bounded by `shutdownTimeoutMs`. Past the bound, the cycle is hurried (container stops in progress
// end with a kill) and given PUT_BACK_MS more to put back the replacements it left half-way: the
// Engine client is never closed under a put-back that can still finish. Then the streams, watchers
// and listener close and the lock is released.
//
// Must not: print anything but log records; decide exit codes (the CLI does).
import type { ProjectLock } from '../apply/lock.js';
import type { EngineClient } from '../engine/client.js';
import { isEngineError, type RequestHook } from '../engine/index.js';
import { isMoorError } from '../errors.js';
import type { PlanSummary } from '../plan/build.js';
import { summaryLine } from '../plan/render.js';
import { describeStep } from '../plan/steps.js';
import type { BackoffPolicy, Random } from './backoff.js';
import { sleep, systemClock, type Clock } from './clock.js';
import { enginePipeline, Reconciler, type CycleReport, type CycleResult, type Pipeline } from './cycle.js';
import type { DebounceOptions } from './debounce.js';
import { EngineEventWatcher, ObjectIndex } from './events.js';
import { FileWatcher } from './files.js';
import { errorMessage, type LogFields, type Logger, type LogLevel } from './log.js';
import { ReconcileLoop, type Trigger } from './loop.js';
import { SelfWriteFilter } from './self-writes.js';
import { startStatusServer, type ListenAddress, type StatusServer } from './server.js';
import type { DesiredSource } from './source.js';
import { WatchStatus } from './status.js';

export interface WatchOptions {
  readonly source: DesiredSource;
  /** Connects to the Engine with this request hook (metrics); retried while the Engine is unreachable. */
  readonly connect: (onRequest: RequestHook) => Promise<EngineClient>;
  /** Takes the project's lock on the Engine; throws LockError (naming the holder) when it is held. */
  readonly lock: (project: string, engine: EngineClient) => Promise<ProjectLock>;
  /** Full resync period. */
  readonly intervalMs: number;
  readonly dryRun: boolean;
  /** /healthz answers 503 after this many failed cycles in a row. */
  readonly unhealthyAfter: number;
  readonly listen: ListenAddress | null;
  /** With `listen`: POST /sync must prove it knows this secret (src/watch/server.ts). */
  readonly syncSecret?: Buffer;
  readonly logger: Logger;
  /** Stops the watcher gracefully. */
  readonly signal: AbortSignal;
  /** Bound of the wait for the running cycle at stop; default 30 s. */
  readonly shutdownTimeoutMs?: number;
  /** Quiet period and maximum delay of event and file triggers; default 1.5 s / 5 s. */
  readonly debounce?: DebounceOptions;
  /**
   * How long after a cycle events about the objects it changed are taken as its echo (a
   * verification cycle follows when some came); default 3 s.
   */
  readonly settleMs?: number;
  /** Default: ceiling 0.5 s doubling up to 15 s (each delay from the upper half: backoff.ts). */
  readonly engineBackoff?: BackoffPolicy;
  /** Default: ceiling 5 s doubling up to 5 min (the first hold 2.5-5 s). */
  readonly failureBackoff?: BackoffPolicy;
  readonly clock?: Clock;
  readonly random?: Random;
  /**
   * The pipeline over a connected client; default observe/plan/apply on the Engine. `hurry` fires
   * when the shutdown bound has passed: the running apply must end its steps at once.
   */
  readonly pipeline?: (engine: EngineClient, hurry: AbortSignal) => Pipeline;
  /** Called once the listener is bound, with host:port. */
  readonly onListening?: (address: string) => void;
}

export interface WatchExit {
  /** false when the running cycle had not finished within the shutdown bound. */
  readonly clean: boolean;
  readonly project: string | null;
}

export const DEFAULT_DEBOUNCE: DebounceOptions = { quietMs: 1_500, maxDelayMs: 5_000 };
export const DEFAULT_ENGINE_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 15_000 };
export const DEFAULT_FAILURE_BACKOFF: BackoffPolicy = { baseMs: 5_000, maxMs: 300_000 };
/**
 * At stop, once `shutdownTimeoutMs` has passed: how much longer the hurried cycle may take to put
 * back the container replacements it left half-way (a kill, a removal, a rename and a start each),
 * before the client is closed anyway. README's systemd unit leaves room for it (30 s + 10 s < 45 s).
 */
export const PUT_BACK_MS = 10_000;
/** Once the client is closed under a cycle anyway, how long its record (what it left) may take to come. */
const LAST_RECORD_MS = 1_000;

const LEVEL: Record<CycleResult, LogLevel> = {
  ok: 'info',
  cancelled: 'info',
  held: 'warn',
  drift: 'warn',
  backoff: 'warn',
  invalid_manifest: 'warn',
  source_error: 'warn',
  failed: 'error',
  engine_unreachable: 'error',
};

const MAX_TRIGGERS_LOGGED = 10;

export function describeTriggers(triggers: readonly Trigger[]): string[] {
  const unique = [...new Set(triggers.map((t) => (t.detail === null ? t.kind : `${t.kind} ${t.detail}`)))];
  return unique.length <= MAX_TRIGGERS_LOGGED ? unique : [...unique.slice(0, MAX_TRIGGERS_LOGGED), `(+${unique.length - MAX_TRIGGERS_LOGGED} more)`];
}

/** The one log record of a cycle. Names, kinds, reasons and messages only: never a secret value. */
export function cycleFields(project: string | null, r: CycleReport): LogFields {
  const some = <T>(list: readonly T[]): readonly T[] | undefined => (list.length === 0 ? undefined : list);
  return {
    project: project ?? undefined,
    result: r.result,
    trigger: describeTriggers(r.triggers),
    commit: r.commit ?? undefined,
    refusedCommit: r.refusedCommit ?? undefined,
    plan: r.summary === null ? undefined : planLine(r.summary, r.heldBack.text),
    changes: some(r.changes),
    applied: r.applied,
    drift: r.applied ? r.drift : undefined,
    durationMs: Math.round(r.durationMs),
    failedSteps: some(r.failedSteps),
    putBack: some(r.putBack),
    problems: some(r.problems),
    issues: some(r.issues),
    warnings: some(r.warnings),
    error: r.error ?? undefined,
    note: r.note ?? undefined,
    retryInS: r.retryInMs === null ? undefined : Math.round(r.retryInMs / 100) / 10,
  };
}

/**
 * The plan in a few words, as `moor plan`'s first line says it: never "no changes" while services
 * are held back (their rollout rolled back or paused by Swarm): the Engine does not match then.
 */
function planLine(summary: PlanSummary, heldBack: string): string {
  const empty = summary.create + summary.update + summary.replace + summary.delete === 0;
  if (heldBack === '') return empty ? 'no changes' : summaryLine(summary);
  return empty ? `nothing to apply: ${heldBack}` : `${summaryLine(summary)}; ${heldBack}`;
}

/** The signal that stopped the watcher, when the CLI aborted with it (`new Error('SIGTERM')`). */
function signalName(signal: AbortSignal): string | undefined {
  const reason: unknown = signal.reason;
  return reason instanceof Error && /^SIG[A-Z0-9]+$/.test(reason.message) ? reason.message : undefined;
}

export async function runWatch(options: WatchOptions): Promise<WatchExit> {
  const clock = options.clock ?? systemClock;
  const log = options.logger;
  const stop = new AbortController();
  const hurry = new AbortController();
  const onStop = (): void => stop.abort();
  if (options.signal.aborted) stop.abort();
  options.signal.addEventListener('abort', onStop, { once: true });
  let fatal: unknown = null;

  const status = new WatchStatus({ unhealthyAfter: options.unhealthyAfter });
  const selfWrites = new SelfWriteFilter(clock, options.settleMs ?? 3_000, (echoes) =>
    loop.notify({ kind: 'verify', detail: `${echoes} event(s) after our own changes` }),
  );
  let lock: ProjectLock | null = null;
  let engine: EngineClient | null = null;
  let pipeline: Pipeline | null = null;
  let index: ObjectIndex | null = null;
  let events: EngineEventWatcher | null = null;
  let server: StatusServer | null = null;

  const files = new FileWatcher({
    onChange: (path) => loop.notify({ kind: 'file', detail: path }),
    onError: (folder, err) => log.log('warn', 'cannot watch a folder for changes', { folder, error: errorMessage(err) }),
  });

  // Everything the first good cycle sets up, in this order: Engine, lock (on the Engine as it
  // identifies itself), events (subscribe, then list).
  const connect = async (desired: { readonly project: string }): Promise<Pipeline> => {
    const project = desired.project;
    if (engine === null) {
      engine = await options.connect((event) => status.recordRequest(event));
      status.setEngineReachable(true);
      pipeline = options.pipeline === undefined ? enginePipeline(engine, {}, undefined, hurry.signal) : options.pipeline(engine, hurry.signal);
      log.log('info', 'connected to the Engine', { endpoint: engine.endpoint, apiVersion: engine.apiVersion });
    }
    if (lock === null) {
      lock = await options.lock(project, engine);
      status.project = project;
      index = new ObjectIndex(project);
      log.log('info', 'lock taken', { project, lock: lock.path });
    }
    if (events === null) {
      const client = engine;
      const idx = index as ObjectIndex;
      events = new EngineEventWatcher({
        project,
        index: idx,
        subscribe: (filters, signal) => client.events({ filters, signal }),
        clock,
        backoff: options.engineBackoff ?? DEFAULT_ENGINE_BACKOFF,
        ...(options.random === undefined ? {} : { random: options.random }),
        onHint: (hint) => {
          if (selfWrites.isEcho(hint.object)) {
            log.log('debug', 'event taken as the echo of our own apply (a verification cycle follows)', { object: hint.object, action: hint.action });
            return;
          }
          log.log('debug', 'event', { object: hint.object, action: hint.action });
          loop.notify({ kind: 'event', detail: `${hint.object} ${hint.action}` });
        },
        onResync: (reason) => loop.notify({ kind: 'resync', detail: reason }),
        onStatus: ({ stream, up, error, retryInMs }) => {
          if (up) {
            status.setEngineReachable(true);
            log.log('debug', 'events stream subscribed', { stream });
            return;
          }
          if (stop.signal.aborted) return;
          if (isEngineError(error, 'unreachable') || isEngineError(error, 'timeout')) status.setEngineReachable(false);
          log.log('warn', 'events stream lost: subscribing again (a full resync follows)', { stream, error: error === null ? 'the Engine ended the stream' : errorMessage(error), retryInS: retryInMs === null ? undefined : Math.round(retryInMs / 100) / 10 });
        },
      });
      await events.start();
    }
    return pipeline as Pipeline;
  };

  const reconciler = new Reconciler({
    source: options.source,
    connect,
    onObserved: (desired, observed) => index?.update(desired, observed),
    dryRun: options.dryRun,
    clock,
    ...(options.random === undefined ? {} : { random: options.random }),
    engineBackoff: options.engineBackoff ?? DEFAULT_ENGINE_BACKOFF,
    failureBackoff: options.failureBackoff ?? DEFAULT_FAILURE_BACKOFF,
    selfWrites,
    onStep: (event) => {
      const fields = { step: describeStep(event.step), ...(event.type === 'step-failed' ? { error: errorMessage(event.error) } : {}), ...(event.type === 'step-skipped' ? { after: event.cause } : {}) };
      log.log('debug', event.type, fields);
    },
  });

  const loop: ReconcileLoop = new ReconcileLoop({
    clock,
    intervalMs: options.intervalMs,
    debounce: options.debounce ?? DEFAULT_DEBOUNCE,
    run: async ({ triggers, signal }) => {
      let report: CycleReport;
      try {
        report = await reconciler.run(triggers, signal);
      } catch (err: unknown) {
        if (!isMoorError(err)) throw err;
        // The lock is held by another moor, or another error that retrying cannot fix.
        fatal = err;
        stop.abort();
        return { retryInMs: null };
      }
      status.recordCycle(report);
      files.update(report.watch);
      log.log(LEVEL[report.result], 'cycle', cycleFields(reconciler.project, report));
      return { retryInMs: report.retryInMs };
    },
    onCrash: (err) => log.log('error', 'internal error in a cycle (this is a bug in moor; the watcher goes on)', { error: errorMessage(err), stack: err instanceof Error ? err.stack : undefined }),
  });

  /** Whether `done` settles within `ms`. */
  const within = async (done: Promise<boolean>, ms: number): Promise<boolean> => {
    const giveUp = new AbortController();
    try {
      return await Promise.race([done, sleep(clock, ms, giveUp.signal).then(() => false)]);
    } finally {
      giveUp.abort();
    }
  };
  let stopped: Promise<boolean> | null = null;
  let exit: WatchExit;
  try {
    if (options.listen !== null) {
      server = await startStatusServer(options.listen, {
        health: () => status.health(),
        metrics: () => status.registry.render(),
        sync: () => loop.notify({ kind: 'sync', detail: 'POST /sync' }),
      }, {
        ...(options.syncSecret === undefined ? {} : { syncSecret: options.syncSecret }),
        onSyncRefused: (reason, from) => log.log('warn', 'sync refused', { from, reason }),
      });
      log.log('info', 'listening', { address: server.address, endpoints: ['GET /healthz', 'GET /metrics', 'POST /sync'], syncAuth: options.syncSecret === undefined ? 'none' : 'secret' });
      options.onListening?.(server.address);
    }
    log.log('info', 'watch started', {
      source: options.source.description,
      intervalS: options.intervalMs / 1000,
      dryRun: options.dryRun,
    });
    if (!stop.signal.aborted) loop.start();
    await new Promise<void>((resolve) => {
      if (stop.signal.aborted) resolve();
      stop.signal.addEventListener('abort', () => resolve(), { once: true });
    });

    if (fatal === null) log.log('info', 'stopping: finishing the running step, starting no new one (again to stop at once)', { project: reconciler.project ?? undefined, signal: signalName(options.signal) });
    const bound = options.shutdownTimeoutMs ?? 30_000;
    stopped = loop.stop().then(() => true);
    const clean = await within(stopped, bound);
    if (!clean) {
      log.log('warn', `the running cycle did not finish within ${bound / 1000}s: ending its container stops at once (kill), and waiting at most ${PUT_BACK_MS / 1000}s more for it to put back the replacements it left half-way`, {});
      hurry.abort();
      if (!(await within(stopped, PUT_BACK_MS))) {
        log.log('warn', `the running cycle did not finish within ${PUT_BACK_MS / 1000}s more: stopping anyway (its record says what it left; the next apply or watch picks up from the Engine's state)`, {});
      }
    }
    exit = { clean, project: reconciler.project };
  } finally {
    options.signal.removeEventListener('abort', onStop);
    stop.abort();
    selfWrites.close();
    files.close();
    await (events as EngineEventWatcher | null)?.stop();
    await (server as StatusServer | null)?.close();
    await (engine as EngineClient | null)?.close();
    // A cycle that outlived both bounds now fails fast: its record (what it left) is logged first.
    if (stopped !== null) await within(stopped, LAST_RECORD_MS);
    (lock as ProjectLock | null)?.release();
    if (fatal === null) log.log('info', 'stopped', { project: reconciler.project ?? undefined, lockReleased: lock !== null });
  }
  if (fatal !== null) throw fatal;
  return exit;
}
