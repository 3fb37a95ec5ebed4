// The scheduler of reconcile cycles: single flight, coalescing, debounced hints, periodic resync.
//
//   - one cycle at a time: a trigger that comes while a cycle runs is kept, and all the triggers
//     kept during a cycle make exactly one follow-up cycle after it;
//   - hints (Engine events, file writes, a re-subscribed event stream) are debounced: a burst
//     becomes one cycle after a quiet period, bounded by a maximum delay;
//   - direct requests (start, POST /sync, the interval, a scheduled retry, the verification after
//     an apply's echoes have settled) start a cycle at once (or right after the running one);
//   - the interval is the safety net: `intervalMs` after the end of the last interval cycle, a
//     full resync runs whatever happened (events are hints that can be lost); other cycles do not
//     postpone it, so a steady stream of event cycles cannot starve it (nor a Git fetch);
//   - a cycle may ask to be retried after a delay (backoff after a failure); any other cycle
//     supersedes that retry;
//   - while a file write is being debounced, direct requests wait for it too (at most the
//     debouncer's maximum delay): an editor that saves in place truncates the file, then fills it,
//     and a cycle started between the two would apply the half-written manifest.
//
// Must not: know what a cycle does (it calls `run`), nor read the time except through the Clock.
import type { Clock, Timer } from './clock.js';
import { Debouncer, type DebounceOptions } from './debounce.js';

export type TriggerKind = 'start' | 'interval' | 'event' | 'file' | 'sync' | 'retry' | 'resync' | 'verify';

export interface Trigger {
  readonly kind: TriggerKind;
  /** What exactly: `container/web destroy`, a file path, a reason. */
  readonly detail: string | null;
}

/** Kinds that are hints: debounced. The others start a cycle as soon as none runs. */
const DEBOUNCED: ReadonlySet<TriggerKind> = new Set(['event', 'file', 'resync']);

export interface CycleRequest {
  readonly triggers: readonly Trigger[];
  readonly signal: AbortSignal;
}

export interface CycleResultForLoop {
  /** Run again after this many milliseconds (a backoff), unless another trigger comes first. */
  readonly retryInMs: number | null;
}

export interface LoopOptions {
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly debounce: DebounceOptions;
  readonly run: (request: CycleRequest) => Promise<CycleResultForLoop>;
  /** A cycle threw (a bug, since cycles report failures as results): the loop goes on. */
  readonly onCrash: (err: unknown) => void;
}

export class ReconcileLoop {
  readonly #options: LoopOptions;
  readonly #debouncer: Debouncer;
  readonly #abort = new AbortController();
  #pending: Trigger[] = [];
  /** Some pending trigger wants a cycle now (not waiting for the debouncer). */
  #ready = false;
  #running: Promise<void> | null = null;
  #interval: Timer | null = null;
  #retry: Timer | null = null;
  #stopped = false;
  #cycles = 0;

  constructor(options: LoopOptions) {
    if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0) throw new RangeError(`intervalMs must be positive, got ${String(options.intervalMs)}`);
    this.#options = options;
    this.#debouncer = new Debouncer(options.clock, options.debounce, () => {
      this.#ready = true;
      this.#kick();
    });
  }

  /** Cycles started so far. */
  get cycles(): number {
    return this.#cycles;
  }

  get running(): boolean {
    return this.#running !== null;
  }

  /** Starts the first cycle. */
  start(): void {
    this.notify({ kind: 'start', detail: null });
  }

  notify(trigger: Trigger): void {
    if (this.#stopped) return;
    this.#pending.push(trigger);
    if (DEBOUNCED.has(trigger.kind)) {
      this.#debouncer.poke();
    } else {
      this.#ready = true;
      this.#kick();
    }
  }

  /**
   * Takes no new work and aborts the running cycle's signal (apply starts no new step, running
   * steps finish); resolves when that cycle has returned.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#debouncer.cancel();
    this.#interval?.cancel();
    this.#retry?.cancel();
    this.#abort.abort();
    await this.#running;
  }

  #kick(): void {
    if (this.#stopped || this.#running !== null || !this.#ready) return;
    if (this.#debouncer.pending && this.#pending.some((t) => t.kind === 'file')) return; // the debouncer kicks when the files are quiet
    this.#ready = false;
    // Every pending trigger is served by this cycle, including hints still being debounced: the
    // cycle observes the Engine after they happened.
    const triggers = this.#pending;
    this.#pending = [];
    this.#debouncer.cancel();
    this.#retry?.cancel();
    this.#cycles += 1;
    this.#running = this.#cycle(triggers);
  }

  async #cycle(triggers: readonly Trigger[]): Promise<void> {
    let retryInMs: number | null = null;
    try {
      ({ retryInMs } = await this.#options.run({ triggers, signal: this.#abort.signal }));
    } catch (err: unknown) {
      this.#options.onCrash(err);
    }
    this.#running = null;
    if (this.#stopped) return;
    const clock = this.#options.clock;
    if (this.#interval === null || triggers.some((t) => t.kind === 'interval' || t.kind === 'start')) {
      this.#interval?.cancel();
      this.#interval = clock.setTimer(this.#options.intervalMs, () => {
        this.#interval = null;
        this.notify({ kind: 'interval', detail: null });
      });
    }
    if (retryInMs !== null) this.#retry = clock.setTimer(retryInMs, () => this.notify({ kind: 'retry', detail: null }));
    // Triggers that came during the cycle and are due already: one follow-up cycle for all of them.
    this.#kick();
  }
}
