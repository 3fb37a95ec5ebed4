// Debouncing of triggers: a burst of Engine events or file writes becomes one cycle. The batch
// fires after `quietMs` without a new poke, but never later than `maxDelayMs` after its first poke,
// so a steady trickle of events (a crash-looping container) cannot postpone a cycle forever.
import type { Clock, Timer } from './clock.js';

export interface DebounceOptions {
  /** Quiet period: the batch fires this long after the last poke. */
  readonly quietMs: number;
  /** Upper bound: the batch fires at most this long after its first poke. */
  readonly maxDelayMs: number;
}

export function validateDebounce(options: DebounceOptions): void {
  if (!Number.isFinite(options.quietMs) || options.quietMs < 0) throw new RangeError(`debounce quietMs must be >= 0, got ${String(options.quietMs)}`);
  if (!Number.isFinite(options.maxDelayMs) || options.maxDelayMs < options.quietMs) {
    throw new RangeError(`debounce maxDelayMs must be at least quietMs (${options.quietMs}), got ${String(options.maxDelayMs)}`);
  }
}

export class Debouncer {
  readonly #clock: Clock;
  readonly #options: DebounceOptions;
  readonly #fire: () => void;
  #firstAt: number | null = null;
  #timer: Timer | null = null;

  constructor(clock: Clock, options: DebounceOptions, fire: () => void) {
    validateDebounce(options);
    this.#clock = clock;
    this.#options = options;
    this.#fire = fire;
  }

  /** Whether a batch is waiting to fire. */
  get pending(): boolean {
    return this.#firstAt !== null;
  }

  poke(): void {
    const now = this.#clock.now();
    this.#firstAt ??= now;
    const at = Math.min(now + this.#options.quietMs, this.#firstAt + this.#options.maxDelayMs);
    this.#timer?.cancel();
    this.#timer = this.#clock.setTimer(at - now, () => {
      this.#timer = null;
      this.#firstAt = null;
      this.#fire();
    });
  }

  /** Drops the waiting batch (its pokes were taken care of some other way). */
  cancel(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#firstAt = null;
  }
}
