// Which events moor's own writes cause, so that applying a plan never triggers the next cycle
// (and that one the next...). While a cycle runs, and for a settle window after it, events about
// the objects its plan changes are its own echo and are dropped; events about any other object
// are drift that happened meanwhile, and do trigger a follow-up cycle.
//
// This is the first guard against an endless loop; the second is that a cycle which finds nothing
// to change writes nothing (so it echoes nothing), and the third the flap guard (flap.ts), which
// backs off when the same changes keep being needed.
import type { Clock } from './clock.js';

interface Window {
  readonly objects: Set<string>;
  /** Events until this time are echoes; Infinity while the cycle runs. */
  until: number;
}

export class SelfWriteFilter {
  readonly #clock: Clock;
  readonly #settleMs: number;
  #windows: Window[] = [];
  #current: Window | null = null;

  constructor(clock: Clock, settleMs: number) {
    if (!Number.isFinite(settleMs) || settleMs < 0) throw new RangeError(`settleMs must be >= 0, got ${String(settleMs)}`);
    this.#clock = clock;
    this.#settleMs = settleMs;
  }

  /** A cycle is about to write to these objects (`kind/name`). */
  writing(objects: Iterable<string>): void {
    if (this.#current === null) {
      this.#current = { objects: new Set(), until: Number.POSITIVE_INFINITY };
      this.#windows.push(this.#current);
    }
    for (const o of objects) this.#current.objects.add(o);
  }

  /** The cycle's writes are over: their echoes may still come for the settle window. */
  done(): void {
    if (this.#current !== null) this.#current.until = this.#clock.now() + this.#settleMs;
    this.#current = null;
  }

  isEcho(object: string): boolean {
    const now = this.#clock.now();
    this.#windows = this.#windows.filter((w) => w.until >= now);
    return this.#windows.some((w) => w.objects.has(object));
  }
}
