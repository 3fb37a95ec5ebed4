// Capped exponential backoff with jitter, for everything the watcher retries: connecting to the
// Engine, re-subscribing to its events, fetching from Git, and re-applying a plan that failed.
//
// The delay of the n-th retry (n from 0) is drawn from [c/2, c], where c = min(max, base * 2^n)
// ("equal jitter"): never shorter than half the ceiling, so a flapping target is not hammered, and
// spread, so that many watchers restarted with one Engine do not come back in lock-step.

export interface BackoffPolicy {
  /** Ceiling of the first delay. */
  readonly baseMs: number;
  /** No delay is longer than this. */
  readonly maxMs: number;
}

/** A random number in [0, 1); Math.random in production, fixed in tests. */
export type Random = () => number;

export function validateBackoff(policy: BackoffPolicy, what: string): void {
  if (!Number.isFinite(policy.baseMs) || policy.baseMs <= 0) throw new RangeError(`${what}: baseMs must be a positive number of milliseconds, got ${String(policy.baseMs)}`);
  if (!Number.isFinite(policy.maxMs) || policy.maxMs < policy.baseMs) throw new RangeError(`${what}: maxMs must be at least baseMs (${policy.baseMs}), got ${String(policy.maxMs)}`);
}

/** The ceiling of retry `attempt` (0-based): min(max, base * 2^attempt). */
export function backoffCeiling(attempt: number, policy: BackoffPolicy): number {
  // 2^attempt overflows to Infinity for huge attempts, and min() still caps it.
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt));
}

export function backoffDelay(attempt: number, policy: BackoffPolicy, random: Random): number {
  const ceiling = backoffCeiling(attempt, policy);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The retry counter of one thing that fails repeatedly; `reset()` after it worked. */
export class Backoff {
  readonly #policy: BackoffPolicy;
  readonly #random: Random;
  #attempt = 0;

  constructor(policy: BackoffPolicy, random: Random = Math.random) {
    validateBackoff(policy, 'Backoff');
    this.#policy = policy;
    this.#random = random;
  }

  /** How many delays were handed out since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The delay before the next try; each call doubles the ceiling, up to the cap. */
  next(): number {
    return backoffDelay(this.#attempt++, this.#policy, this.#random);
  }

  reset(): void {
    this.#attempt = 0;
  }
}
