// The watcher's health and metrics, fed by cycle reports, the Engine client's request hook and the
// events subscription; read by GET /healthz and GET /metrics.
//
// Healthy unless the Engine is unreachable right now, or the last `unhealthyAfter` cycles all
// failed (failed, held back, invalid manifest, Git fetch failed, Engine unreachable), services
// held back by the plan (their rollout rolled back or paused by Swarm) included.
import type { RequestEvent } from '../engine/index.js';
import { OBJECT_KINDS } from '../model/kinds.js';
import { CYCLE_RESULTS, isFailure, type CycleReport, type CycleResult } from './cycle.js';
import { MetricsRegistry, type Counter, type Gauge, type Histogram } from './metrics.js';

/** Seconds: a cycle with nothing to do takes tens of milliseconds; a big apply minutes. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const ACTIONS = ['create', 'update', 'replace', 'delete'] as const;

export interface Health {
  readonly healthy: boolean;
  readonly reasons: readonly string[];
  readonly project: string | null;
  readonly engineReachable: boolean | null;
  readonly consecutiveFailures: number;
  readonly lastCycle: { readonly result: CycleResult; readonly at: string; readonly commit: string | null } | null;
  readonly lastSuccess: string | null;
  /** What the last plan holds back (`1 service held back (its last rollout was rolled back); see the warning`), or null. */
  readonly heldBack: string | null;
}

export class WatchStatus {
  readonly registry = new MetricsRegistry();
  /** Known once a manifest was valid. */
  project: string | null = null;
  readonly #unhealthyAfter: number;
  readonly #cycles: Counter;
  readonly #driftRepairs: Counter;
  readonly #lastSuccess: Gauge;
  readonly #duration: Histogram;
  readonly #requests: Counter;
  readonly #requestErrors: Counter;
  readonly #planChanges: Gauge;
  readonly #engineUp: Gauge;
  readonly #failuresGauge: Gauge;
  readonly #heldBack: Gauge;
  #heldBackText: string | null = null;
  #consecutiveFailures = 0;
  #engineReachable: boolean | null = null;
  #last: CycleReport | null = null;
  #lastSuccessAt: number | null = null;

  constructor(options: { readonly unhealthyAfter: number }) {
    if (!Number.isInteger(options.unhealthyAfter) || options.unhealthyAfter < 1) throw new RangeError(`unhealthyAfter must be a whole number >= 1, got ${String(options.unhealthyAfter)}`);
    this.#unhealthyAfter = options.unhealthyAfter;
    const r = this.registry;
    this.#cycles = r.counter('moor_reconcile_cycles_total', 'Reconcile cycles, by result (ok, held, drift, failed, backoff, invalid_manifest, source_error, engine_unreachable, cancelled).', ['result']);
    this.#driftRepairs = r.counter('moor_drift_repairs_total', 'Objects changed by cycles that repaired drift (the manifest was unchanged since the last successful apply), by kind.', ['kind']);
    this.#lastSuccess = r.gauge('moor_last_success_timestamp_seconds', 'When a cycle last ended with the Engine matching the manifest (Unix seconds; 0: never).');
    this.#duration = r.histogram('moor_reconcile_duration_seconds', 'How long reconcile cycles take (load, observe, plan, apply).', DURATION_BUCKETS);
    this.#requests = r.counter('moor_engine_requests_total', 'HTTP requests to the Engine API, by method (each retry counts).', ['method']);
    this.#requestErrors = r.counter('moor_engine_request_errors_total', 'Engine API requests that failed (no answer, or an error status), by method.', ['method']);
    this.#planChanges = r.gauge('moor_last_plan_changes', "Changes in the last cycle's plan, by action (with --dry-run: changes waiting to be applied).", ['action']);
    this.#engineUp = r.gauge('moor_engine_up', 'Whether the Engine answered the last request or subscription (1) or not (0).');
    this.#failuresGauge = r.gauge('moor_consecutive_failed_cycles', 'Cycles that failed in a row (0 after a good one).');
    this.#heldBack = r.gauge('moor_services_held_back', "Services the last cycle's plan holds back, by reason: rolled_back (Swarm rolled back that exact spec; rollout-held), paused (Swarm paused the rollout; rollout-paused).", ['reason']);
    for (const result of CYCLE_RESULTS) this.#cycles.inc({ result }, 0);
    for (const kind of OBJECT_KINDS) this.#driftRepairs.inc({ kind }, 0);
    for (const method of ['GET', 'POST', 'DELETE']) {
      this.#requests.inc({ method }, 0);
      this.#requestErrors.inc({ method }, 0);
    }
    for (const action of ACTIONS) this.#planChanges.set({ action }, 0);
    this.#lastSuccess.set({}, 0);
    this.#failuresGauge.set({}, 0);
    for (const reason of ['rolled_back', 'paused']) this.#heldBack.set({ reason }, 0);
  }

  recordCycle(report: CycleReport): void {
    this.#last = report;
    this.#cycles.inc({ result: report.result });
    this.#duration.observe(report.durationMs / 1000);
    for (const [kind, n] of Object.entries(report.repaired)) this.#driftRepairs.inc({ kind }, n);
    if (report.summary !== null) {
      for (const action of ACTIONS) this.#planChanges.set({ action }, report.summary[action]);
      this.#heldBack.set({ reason: 'rolled_back' }, report.heldBack.held);
      this.#heldBack.set({ reason: 'paused' }, report.heldBack.paused);
      this.#heldBackText = report.heldBack.text === '' ? null : report.heldBack.text;
    }
    if (report.engineUp !== null) this.setEngineReachable(report.engineUp);
    if (report.result === 'ok') {
      this.#lastSuccessAt = report.startedAt + report.durationMs;
      this.#lastSuccess.set({}, this.#lastSuccessAt / 1000);
    }
    if (report.result !== 'cancelled') this.#consecutiveFailures = isFailure(report.result) ? this.#consecutiveFailures + 1 : 0;
    this.#failuresGauge.set({}, this.#consecutiveFailures);
  }

  /** The Engine client's onRequest hook. */
  recordRequest(event: RequestEvent): void {
    this.#requests.inc({ method: event.method });
    if (event.error !== null) this.#requestErrors.inc({ method: event.method });
  }

  setEngineReachable(up: boolean): void {
    this.#engineReachable = up;
    this.#engineUp.set({}, up ? 1 : 0);
  }

  health(): Health {
    const reasons: string[] = [];
    if (this.#engineReachable === false) reasons.push('the Engine is unreachable');
    if (this.#consecutiveFailures >= this.#unhealthyAfter) {
      const held = this.#last?.result === 'held' && this.#heldBackText !== null ? `: ${this.#heldBackText}` : '';
      reasons.push(`the last ${this.#consecutiveFailures} cycles failed (last: ${this.#last?.result ?? '?'}${held})`);
    }
    const last = this.#last;
    return {
      healthy: reasons.length === 0,
      reasons,
      project: this.project,
      engineReachable: this.#engineReachable,
      consecutiveFailures: this.#consecutiveFailures,
      lastCycle: last === null ? null : { result: last.result, at: new Date(last.startedAt + last.durationMs).toISOString(), commit: last.commit },
      lastSuccess: this.#lastSuccessAt === null ? null : new Date(this.#lastSuccessAt).toISOString(),
      heldBack: this.#heldBackText,
    };
  }
}
