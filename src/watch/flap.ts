// Flapping protection (research §1.2, "a naive reconciler re-applies the failing spec on every
// run"): a plan that failed is not applied again, identically, until a capped, jittered backoff
// has passed; the same holds when the same changes keep being needed after they succeeded (another
// tool undoing them, a container that keeps dying, or a perpetual diff in moor itself). A different
// plan (the manifest was fixed, the drift changed) is applied at once.
import { stableStringify, sha256Hex } from '../model/hash.js';
import type { DesiredProject } from '../model/desired.js';
import type { Plan } from '../plan/build.js';
import { sendsSpec } from '../plan/steps.js';
import { backoffDelay, validateBackoff, type BackoffPolicy, type Random } from './backoff.js';
import type { Clock } from './clock.js';

/**
 * What the plan changes, and how: actions, objects and field values, the environments it sends,
 * and the contents of the secret and config versions it creates (its changes show some of those
 * values as "(sensitive)": a plan with another value is another plan). The names of new secret and
 * config versions are left out, wherever they appear (a service moved to a new version): a
 * secret's is drawn at random, so a rotation planned again is the same plan. Kept in memory only,
 * never printed.
 */
export function planFingerprint(plan: Plan, desired: DesiredProject): string {
  const changes = plan.changes.map((c) => [c.action, c.kind, c.name, c.fields.map((f) => [f.path, f.before ?? null, f.after ?? null])]);
  const environments = plan.steps.filter(sendsSpec).map((s) => [s.object, s.spec.environment]);
  const contents: [string, string][] = [];
  const versions = new Map<string, string>();
  for (const step of plan.steps) {
    if (step.op === 'secret.create') {
      versions.set(step.engineName, `(new version of secret ${step.name})`);
      const secret = desired.secrets[step.name];
      if (secret !== undefined && !secret.external) contents.push([step.object, sha256Hex(secret.data.reveal())]);
    } else if (step.op === 'config.create') {
      versions.set(step.engineName, `(new version of config ${step.name})`);
      const config = desired.configs[step.name];
      if (config !== undefined && !config.external) contents.push([step.object, sha256Hex(config.data)]);
    }
  }
  let text = stableStringify([changes, environments, contents]);
  for (const [version, placeholder] of versions) text = text.split(version).join(placeholder);
  return sha256Hex(text);
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

export type FlapDecision = { readonly hold: false } | { readonly hold: true; readonly retryInMs: number; readonly reason: string };

/** A plan held back: for how long, and why (for the log). */
export interface Hold {
  readonly retryInMs: number;
  readonly reason: string;
}

export interface FlapGuardOptions {
  readonly clock: Clock;
  readonly backoff: BackoffPolicy;
  readonly random?: Random;
  /** This many identical successful drift repairs in a row, each within `repeatWindowMs` of the previous, count as a failure. */
  readonly repeatLimit?: number;
  readonly repeatWindowMs?: number;
}

/** Why a plan is held back, and for how long still (said again by every cycle that finds it held). */
function holdReason(failure: string, leftMs: number): string {
  return `${failure}; it is not applied again before ${seconds(leftMs)} have passed, unless the manifest or the drift changes`;
}

export class FlapGuard {
  readonly #o: FlapGuardOptions;
  /** `failure`: what failed, how many times in a row (the reason of a hold, without its time). */
  #failing: { fingerprint: string; failures: number; holdUntil: number; failure: string } | null = null;
  #repeat: { fingerprint: string; count: number; at: number } | null = null;

  constructor(options: FlapGuardOptions) {
    validateBackoff(options.backoff, 'failure backoff');
    this.#o = options;
  }

  /** Whether a plan with this fingerprint may be applied now. */
  check(fingerprint: string): FlapDecision {
    const f = this.#failing;
    const now = this.#o.clock.now();
    if (f === null || f.fingerprint !== fingerprint || now >= f.holdUntil) return { hold: false };
    return { hold: true, retryInMs: f.holdUntil - now, reason: holdReason(f.failure, f.holdUntil - now) };
  }

  /** The plan failed (or Swarm rolled it back): hold it back. */
  failed(fingerprint: string, why: string): Hold {
    const failures = this.#failing?.fingerprint === fingerprint ? this.#failing.failures + 1 : 1;
    const delay = backoffDelay(failures - 1, this.#o.backoff, this.#o.random ?? Math.random);
    const times = failures === 1 ? 'once' : `${failures} times in a row`;
    const failure = `the same plan failed ${times} (${why})`;
    this.#failing = { fingerprint, failures, holdUntil: this.#o.clock.now() + delay, failure };
    return { retryInMs: delay, reason: holdReason(failure, delay) };
  }

  /**
   * The plan was applied. Returns a hold when this was one identical drift repair too many
   * (something keeps undoing it), else null.
   */
  succeeded(fingerprint: string, drift: boolean): Hold | null {
    const now = this.#o.clock.now();
    const limit = this.#o.repeatLimit ?? 3;
    const windowMs = this.#o.repeatWindowMs ?? 60_000;
    const r = this.#repeat;
    if (drift && r !== null && r.fingerprint === fingerprint && now - r.at <= windowMs) {
      r.count += 1;
      r.at = now;
    } else {
      this.#repeat = drift ? { fingerprint, count: 1, at: now } : null;
    }
    const count = this.#repeat?.count ?? 0;
    if (count >= limit) {
      return this.failed(fingerprint, `the same changes were needed ${count} times, each within ${Math.round(windowMs / 1000)}s of the last: something keeps undoing them`);
    }
    this.#failing = null;
    return null;
  }
}
