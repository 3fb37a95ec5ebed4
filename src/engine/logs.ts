// Log options and the request both container and service logs share: the Engine multiplexes
// stdout and stderr into 8-byte-header frames unless the container has a TTY, in which case the
// bytes come raw. Must not: buffer logs whole.
import { demuxLogFrames, passRawLogs } from './streams.js';
import type { LogChunk } from './streams.js';
import type { ApiPath, EngineStream, Transport } from './transport.js';

export interface LogOptions {
  /** Keep the stream open for new output (end it with `signal` or `close()`). */
  readonly follow?: boolean;
  readonly stdout?: boolean;
  readonly stderr?: boolean;
  /** Unix seconds, or a Date. */
  readonly since?: number | Date;
  readonly until?: number | Date;
  /** Only the last N lines ('all' by default). */
  readonly tail?: number;
  readonly timestamps?: boolean;
  /**
   * Whether the container (or service task) has a TTY, which decides the framing. When not given,
   * it is read from the object first (one more request).
   */
  readonly tty?: boolean;
  readonly signal?: AbortSignal;
}

/** Unix seconds with sub-second precision, the form `since`/`until` accept. */
export function formatTimestamp(value: number | Date | string | undefined): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  const seconds = value instanceof Date ? value.getTime() / 1000 : value;
  return seconds.toFixed(3).replace(/\.?0+$/, '');
}

export async function openLogs(http: Transport, path: ApiPath, tty: boolean, options: LogOptions): Promise<EngineStream<LogChunk>> {
  const what = `the logs of ${path.path}`;
  return http.openDecoded(
    {
      method: 'GET',
      path,
      query: {
        stdout: options.stdout ?? true,
        stderr: options.stderr ?? true,
        follow: options.follow ?? false,
        since: formatTimestamp(options.since),
        until: formatTimestamp(options.until),
        tail: options.tail === undefined ? undefined : String(options.tail),
        timestamps: options.timestamps ?? false,
      },
      signal: options.signal,
    },
    (body) => (tty ? passRawLogs(body) : demuxLogFrames(body, what)),
  );
}

export type { LogChunk };
