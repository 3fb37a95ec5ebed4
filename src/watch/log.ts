// Structured logs of the watcher, one line per record, to a stream (stderr in the CLI):
//   json: {"time":"...","level":"info","msg":"cycle","result":"ok",...}
//   text: 2026-01-01T00:00:00.000Z info  cycle result=ok trigger=event ...  (logfmt-like)
//
// Must not: receive secret values. Callers pass names, kinds, counts, reasons and Engine error
// messages (which never hold request bodies); the logger prints what it is given.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'text';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  readonly format: LogFormat;
  readonly write: (line: string) => void;
  /** Print debug records too. */
  readonly debug?: boolean;
  /** Wall clock of the timestamps (ms since the epoch). */
  readonly now?: () => number;
}

export const LOG_FORMATS: readonly LogFormat[] = ['json', 'text'];

/** The message of a caught error, for a log field. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createLogger(options: LoggerOptions): Logger {
  const now = options.now ?? Date.now;
  return {
    log(level, msg, fields = {}) {
      if (level === 'debug' && options.debug !== true) return;
      const time = new Date(now()).toISOString();
      options.write(`${options.format === 'json' ? jsonLine(time, level, msg, fields) : textLine(time, level, msg, fields)}\n`);
    },
  };
}

function jsonLine(time: string, level: LogLevel, msg: string, fields: LogFields): string {
  return JSON.stringify({ time, level, msg, ...withoutUndefined(fields) });
}

function textLine(time: string, level: LogLevel, msg: string, fields: LogFields): string {
  const parts = [time, level.padEnd(5), msg];
  for (const [key, value] of Object.entries(withoutUndefined(fields))) parts.push(`${key}=${textValue(value)}`);
  return parts.join(' ');
}

function withoutUndefined(fields: LogFields): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

function textValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value);
}
