// Which events moor's own writes cause, so that applying a plan never triggers the next cycle
// (and that one the next...). While a cycle runs, and for a settle window after it, events about
// the objects its plan changes are taken as its echo and trigger nothing by themselves; events
// about any other object are drift that happened meanwhile, and trigger a follow-up cycle at once.
//
// An echo cannot be told from a person changing the same object in that window (removing the
// container moor has just created): so when echoes came, one verification cycle runs once the
// window has closed. If the Engine matches, that cycle writes nothing, hence echoes nothing, and
// the chain ends. If something keeps undoing the same changes, the flap guard (flap.ts) backs off.
import type { Clock, Timer } from './clock.js';

interface Window {
  readonly objects: Set<string>;
  /** Events until this time are echoes; Infinity while the cycle runs. */
  until: number;
  echoes: number;
  timer: Timer | null;
}

export class SelfWriteFilter {
  readonly #clock: Clock;
  readonly #settleMs: number;
  readonly #onSettled: (echoes: number) => void;
  #windows: Window[] = [];
  #current: Window | null = null;

  /** `onSettled`: a window closed after echoes came in it: time for the verification cycle. */
  constructor(clock: Clock, settleMs: number, onSettled: (echoes: number) => void) {
    if (!Number.isFinite(settleMs) || settleMs < 0) throw new RangeError(`settleMs must be >= 0, got ${String(settleMs)}`);
    this.#clock = clock;
    this.#settleMs = settleMs;
    this.#onSettled = onSettled;
  }

  /** A cycle is about to write to these objects (`kind/name`). */
  writing(objects: Iterable<string>): void {
    if (this.#current === null) {
      this.#current = { objects: new Set(), until: Number.POSITIVE_INFINITY, echoes: 0, timer: null };
      this.#windows.push(this.#current);
    }
    for (const o of objects) this.#current.objects.add(o);
  }

  /** The cycle's writes are over: their echoes may still come for the settle window. */
  done(): void {
    const window = this.#current;
    this.#current = null;
    if (window === null) return;
    window.until = this.#clock.now() + this.#settleMs;
    window.timer = this.#clock.setTimer(this.#settleMs, () => {
      this.#windows = this.#windows.filter((w) => w !== window);
      if (window.echoes > 0) this.#onSettled(window.echoes);
    });
  }

  /** Whether an event about `object` is (taken as) the echo of a write of ours; counts it if so. */
  isEcho(object: string): boolean {
    const now = this.#clock.now();
    const window = this.#windows.find((w) => w.until >= now && w.objects.has(object));
    if (window === undefined) return false;
    window.echoes += 1;
    return true;
  }

  /** Cancels the pending verifications (the watcher stops). */
  close(): void {
    for (const w of this.#windows) w.timer?.cancel();
    this.#windows = [];
    this.#current = null;
  }
}
