// `moor watch` as a child process for integration tests: started with JSON logs, its records
// parsed as they come, helpers to wait for a record (a cycle with some result, the listener...),
// its HTTP endpoints, and a stop that always ends it (SIGTERM, then SIGKILL).
import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import { MOOR_BIN } from './cli.js';
import { parseExposition } from './exposition.js';

export type LogRecord = Readonly<Record<string, unknown>> & { readonly msg: string; readonly level: string };

export interface WatchOptions {
  readonly cwd: string;
  readonly env?: Record<string, string>;
}

const running = new Set<WatchProcess>();
after(async () => {
  // A test that failed half-way must not leave a watcher fighting the clean-up.
  for (const w of running) await w.stop('SIGKILL');
});

export class WatchProcess {
  readonly child: ChildProcess;
  readonly records: LogRecord[] = [];
  /** stderr lines that are not JSON records (the CLI's own messages). */
  readonly text: string[] = [];
  /** Every line of stderr as written, blank ones included. */
  readonly stderrLines: string[] = [];
  readonly #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #waiters = new Set<() => void>();
  #exited = false;

  constructor(args: readonly string[], options: WatchOptions) {
    this.child = spawn(MOOR_BIN, ['watch', '--log-format', 'json', ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    let pending = '';
    this.child.stderr?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let nl = pending.indexOf('\n');
      while (nl !== -1) {
        this.#line(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
      }
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.text.push(chunk.toString('utf8')));
    this.#exit = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        if (pending !== '') this.#line(pending);
        this.#exited = true;
        running.delete(this);
        this.#wake();
        resolve({ code, signal });
      });
    });
  }

  #line(line: string): void {
    this.stderrLines.push(line);
    if (line.trim() === '') return;
    try {
      const record = JSON.parse(line) as LogRecord;
      if (typeof record.msg === 'string') this.records.push(record);
      else this.text.push(line);
    } catch {
      this.text.push(line);
    }
    this.#wake();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Everything it wrote, for assertion messages. */
  get output(): string {
    return [...this.records.map((r) => JSON.stringify(r)), ...this.text].join('\n');
  }

  cycles(): LogRecord[] {
    return this.records.filter((r) => r.msg === 'cycle');
  }

  /** The first record from index `from` on that matches; fails after `timeoutMs` or if the process ends. */
  async waitFor(what: string, match: (r: LogRecord) => boolean, options: { from?: number; timeoutMs?: number } = {}): Promise<LogRecord> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      const found = this.records.slice(options.from ?? 0).find(match);
      if (found !== undefined) return found;
      if (this.#exited) throw new Error(`moor watch exited while waiting for ${what}:\n${this.output}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}:\n${this.output}`);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }

  /** The next cycle record (after the ones seen so far) that matches. */
  async nextCycle(what: string, match: (r: LogRecord) => boolean = () => true, timeoutMs = 30_000): Promise<LogRecord> {
    return this.waitFor(what, (r) => r.msg === 'cycle' && match(r), { from: this.records.length, timeoutMs });
  }

  async address(): Promise<string> {
    const r = await this.waitFor('the listener', (x) => x.msg === 'listening');
    return `http://${String(r['address'])}`;
  }

  async metrics(): Promise<Map<string, number>> {
    const res = await fetch(`${await this.address()}/metrics`);
    return parseExposition(await res.text());
  }

  /** Sends the signal and waits for the exit; SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 40_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.#exited) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.#exit;
    } finally {
      clearTimeout(timer);
    }
  }

  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.#exit;
  }
}

/** Whether a cycle record's trigger list has a trigger of this kind. */
export function triggeredBy(record: LogRecord, kind: string): boolean {
  return Array.isArray(record['trigger']) && (record['trigger'] as string[]).some((t) => t === kind || t.startsWith(`${kind} `));
}

/**
 * The YAML of a container that sleeps (the local busybox image; `init: true` so that it stops at
 * once unless told otherwise), under `containers:`, with extra lines of its own.
 */
export function sleeper(name: string, extra: readonly string[] = [], options: { init?: boolean } = {}): string {
  const lines = [`  ${name}:`, '    image: moor/busybox:latest', '    command: ["sleep", "3600"]', ...(options.init === false ? [] : ['    init: true']), ...extra.map((l) => `    ${l}`)];
  return `${lines.join('\n')}\n`;
}
