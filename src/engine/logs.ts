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
   * Each line starts with its attributes (after its timestamp, if any): for a service's tasks, the
   * task, service and node ids (see `splitLogLine`).
   */
  readonly details?: boolean;
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
        details: options.details ?? false,
      },
      signal: options.signal,
    },
    (body) => (tty ? passRawLogs(body) : demuxLogFrames(body, what)),
  );
}

/** One log frame asked for with `details` (and maybe `timestamps`), taken apart. */
export interface LogLine {
  /** The RFC 3339 timestamp, with the space after it; '' without `timestamps`. */
  readonly timestamp: string;
  /** The line's attributes, e.g. `com.docker.swarm.task.id`. */
  readonly details: ReadonlyMap<string, string>;
  /** The bytes of the message itself (a UTF-8 character may go on in the next frame). */
  readonly message: Uint8Array;
}

const SPACE = 0x20;

/** The ASCII word up to the first space (with it), and the bytes after it ('' and all of them when there is none). */
function firstWord(data: Uint8Array): readonly [string, Uint8Array] {
  const space = data.indexOf(SPACE);
  return space === -1 ? ['', data] : [Buffer.from(data.buffer, data.byteOffset, space + 1).toString('latin1'), data.subarray(space + 1)];
}

/**
 * A log frame asked for with `details`: `[TIMESTAMP ]ATTRIBUTES MESSAGE`, where ATTRIBUTES is
 * `key=value,...` (query-escaped ASCII), empty when none were recorded for the line.
 */
export function splitLogLine(data: Uint8Array, timestamps: boolean): LogLine {
  const [timestamp, rest] = timestamps ? firstWord(data) : ['', data];
  const [attributes, message] = firstWord(rest);
  // Query-escaped as in a URL's query (`,` and `&` within a key or value are escaped): the same parse.
  const details = new Map([...new URLSearchParams(attributes.trimEnd().replaceAll(',', '&'))].filter(([key]) => key !== ''));
  return { timestamp, details, message };
}

export type { LogChunk };
