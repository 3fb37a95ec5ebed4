// The HTTP layer of the Engine client: one undici keep-alive pool per endpoint, the negotiated API
// version pinned into every path, per-request deadlines, bounded retries of idempotent reads, the
// mapping of every failure to an EngineError, and the instrumentation hook.
//
// Must not: log anything, or let a request body or a request header reach an error message or the
// hook (secret data and X-Registry-Auth travel there). Knows nothing of object kinds.
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DecodeError } from './decode.js';
import type { Endpoint, TlsFiles } from './endpoint.js';
import { EngineError, classifyHttpError, classifyTransportError, hintsForHttpError, isConnectionReset, readEngineMessage } from './errors.js';
import type { EngineErrorKind } from './errors.js';
import { Pool, requestOn } from './undici-parts.js';
import type { Dispatcher } from 'undici';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/** A request path and its route (the path with every parameter as `{id}`), for metrics without cardinality blow-up. */
export interface ApiPath {
  readonly path: string;
  readonly route: string;
}

/** A path segment that is code, not data: kept verbatim in both the path and the route. */
export interface PathLiteral {
  readonly literal: string;
}

export function literal(text: string): PathLiteral {
  return { literal: text };
}

/** Builds an ApiPath; every interpolated value is URL-encoded (names and ids come from users). */
export function apiPath(strings: TemplateStringsArray, ...values: readonly (string | PathLiteral)[]): ApiPath {
  let path = strings[0] ?? '';
  let route = path;
  values.forEach((value, index) => {
    const tail = strings[index + 1] ?? '';
    path += (typeof value === 'string' ? encodeURIComponent(value) : value.literal) + tail;
    route += (typeof value === 'string' ? '{id}' : value.literal) + tail;
  });
  return { path, route };
}

export type QueryValue = string | number | boolean | undefined;

export interface RequestSpec {
  readonly method: HttpMethod;
  readonly path: ApiPath;
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** A JSON body (sent as application/json). */
  readonly json?: unknown;
  /** A raw body, e.g. a tar archive. */
  readonly body?: Buffer | Readable;
  readonly contentType?: string;
  /** Extra headers, such as X-Registry-Auth. Never reported anywhere. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A streaming answer: the deadline covers only the connection and the headers. */
  readonly stream?: boolean;
  /** Without the /v1.xx prefix (only /_ping, which negotiation needs before any version is known). */
  readonly unversioned?: boolean;
  readonly signal?: AbortSignal | undefined;
  /** Overrides the client's default deadline for this request. */
  readonly timeoutMs?: number | undefined;
}

/** An answer's body: read it once, whole (`text`, `dump`) or as chunks; `destroy` ends it early. */
export interface ResponseBody extends AsyncIterable<Uint8Array> {
  text(): Promise<string>;
  dump(): Promise<void>;
  destroy(): void;
}

export interface EngineResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: ResponseBody;
}

/** What the instrumentation hook sees of each HTTP exchange (each attempt of a retried read counts). */
export interface RequestEvent {
  readonly method: HttpMethod;
  /** Without version prefix and query, e.g. `/containers/abc/json`. */
  readonly path: string;
  /** The path with parameters replaced, e.g. `/containers/{id}/json`. */
  readonly route: string;
  readonly status: number | null;
  /** Until the whole answer was read; for streams, until the headers came. */
  readonly durationMs: number;
  /** 1 for the first try, 2 for the first retry, ... */
  readonly attempt: number;
  readonly error: EngineErrorKind | null;
}

/** A decoded streaming answer: iterate it once; `close()` ends it early. */
export interface EngineStream<T> extends AsyncIterable<T> {
  close(): void;
}

export type RequestHook = (event: RequestEvent) => void;

export interface RequestCounters {
  readonly requests: Readonly<Partial<Record<HttpMethod, number>>>;
  readonly errors: Readonly<Partial<Record<HttpMethod, number>>>;
}

export interface TransportOptions {
  readonly endpoint: Endpoint;
  readonly tls: TlsFiles | null;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly onRequest?: RequestHook | undefined;
}

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD']);

/** Kinds a retry cannot fix even for a read: the answer would be the same. */
const NOT_RETRIED: ReadonlySet<EngineErrorKind> = new Set(['out-of-sequence', 'not-swarm-manager', 'version']);

export class Transport {
  readonly endpoint: string;
  readonly #pool: Pool;
  readonly #options: TransportOptions;
  readonly #requests: Partial<Record<HttpMethod, number>> = {};
  readonly #errors: Partial<Record<HttpMethod, number>> = {};
  /** Ends of the streams being read: close() ends them first, so their iterations end quietly (events never end). */
  readonly #openStreams = new Set<() => void>();
  #prefix = '';

  constructor(options: TransportOptions) {
    this.#options = options;
    this.endpoint = options.endpoint.url;
    this.#pool = createPool(options.endpoint, options.tls, options.connectTimeoutMs);
  }

  /** The deadline of a request that does not set its own. */
  get defaultTimeoutMs(): number {
    return this.#options.timeoutMs;
  }

  /** Pins the negotiated API version into every later path. */
  pinVersion(version: string): void {
    this.#prefix = `/v${version}`;
  }

  counters(): RequestCounters {
    return { requests: { ...this.#requests }, errors: { ...this.#errors } };
  }

  /** Ends open streams (their iterations end quietly), then closes the kept-alive connections. */
  async close(): Promise<void> {
    // undici's close() would wait for open streams, and an events stream never ends by itself.
    for (const end of [...this.#openStreams]) end();
    await this.#pool.close();
  }

  /** Sends the request; returns the answer with its body unread (the caller reads it within `use`). */
  async request<T>(spec: RequestSpec, use: (response: EngineResponse) => Promise<T>): Promise<T> {
    const retries = IDEMPOTENT.has(spec.method) ? this.#options.retries : 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt(spec, attempt, use);
      } catch (err: unknown) {
        if (attempt > retries || !isRetryable(err)) throw err;
        // full jitter: spreads the retries of many callers hitting the same hiccup
        await sleep(Math.random() * this.#options.retryDelayMs * 2 ** (attempt - 1), undefined, spec.signal === undefined ? {} : { signal: spec.signal }).catch(() => {
          throw err;
        });
      }
    }
  }

  /** Sends the request and parses a JSON answer, then checks it with `decode`. */
  async json<T>(spec: RequestSpec, decode: (value: unknown) => T): Promise<T> {
    return this.request(spec, async (response) => {
      const text = await response.body.text();
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err: unknown) {
        throw new DecodeError(`the answer of ${spec.method} ${spec.path.path}`, `JSON, got ${JSON.stringify(text.slice(0, 80))}`, { cause: err });
      }
      return decode(value);
    });
  }

  /** Sends the request and discards the answer's body. */
  async empty(spec: RequestSpec): Promise<EngineResponse['headers']> {
    return this.request(spec, async (response) => {
      await response.body.dump();
      return response.headers;
    });
  }

  /**
   * Opens a streaming answer. The deadline covers the connection and headers only; the caller's
   * signal still cancels the body. Errors raised while the caller reads must go through `wrapError`.
   */
  async openStream(spec: RequestSpec): Promise<EngineResponse> {
    return this.request({ ...spec, stream: true }, async (response) => response);
  }

  /**
   * Opens a streaming answer and decodes it incrementally. Resolves once the Engine has answered
   * (so for events, the subscription is live when the promise resolves); HTTP errors reject here.
   * The iteration ends when the Engine ends the stream, when `close()` is called, or quietly when
   * the caller's signal fires; a broken or undecodable stream throws an EngineError.
   */
  async openDecoded<T>(spec: RequestSpec, decode: (body: AsyncIterable<Uint8Array>) => AsyncIterable<T>): Promise<EngineStream<T>> {
    const response = await this.openStream(spec);
    let closed = false;
    const openStreams = this.#openStreams;
    const end = (): void => {
      closed = true;
      openStreams.delete(end);
      response.body.destroy();
    };
    openStreams.add(end);
    const wrapError = (err: unknown): EngineError => this.wrapError(spec, err, response.status);
    async function* iterate(): AsyncGenerator<T> {
      try {
        for await (const item of decode(response.body)) yield item;
      } catch (err: unknown) {
        if (closed || spec.signal?.aborted === true) return;
        throw wrapError(err);
      } finally {
        openStreams.delete(end);
        response.body.destroy();
      }
    }
    const iterator = iterate();
    return { [Symbol.asyncIterator]: () => iterator, close: end };
  }

  /** Turns an error met while reading a stream into an EngineError naming this request. */
  wrapError(spec: Pick<RequestSpec, 'method' | 'path'>, err: unknown, status: number | null = null): EngineError {
    if (err instanceof EngineError) return err;
    if (err instanceof DecodeError) return this.#error(spec, { kind: 'protocol', status, engineMessage: null, reason: err.message, cause: err });
    const failure = classifyTransportError(err);
    return this.#error(spec, { kind: failure.kind, status, engineMessage: null, reason: failure.reason, hints: failure.hints, cause: err });
  }

  #error(
    spec: Pick<RequestSpec, 'method' | 'path'>,
    init: { kind: EngineErrorKind; status: number | null; engineMessage: string | null; reason?: string; hints?: readonly string[]; cause?: unknown },
  ): EngineError {
    return new EngineError({ ...init, endpoint: this.endpoint, method: spec.method, path: spec.path.path });
  }

  async #attempt<T>(spec: RequestSpec, attempt: number, use: (response: EngineResponse) => Promise<T>): Promise<T> {
    const started = performance.now();
    const timeoutMs = spec.timeoutMs ?? this.#options.timeoutMs;
    const deadline = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      deadline.abort(new Error('deadline'));
    }, timeoutMs);
    const signal = spec.signal === undefined ? deadline.signal : AbortSignal.any([deadline.signal, spec.signal]);
    let status: number | null = null;
    try {
      const response = await requestOn(this.#pool, this.#dispatchOptions(spec, signal, timeoutMs));
      status = response.statusCode;
      if (status >= 400) {
        const text = await response.body.text();
        const engineMessage = readEngineMessage(text);
        const kind = classifyHttpError(status, engineMessage ?? '');
        throw this.#error(spec, { kind, status, engineMessage, reason: `HTTP ${status}`, hints: hintsForHttpError(kind) });
      }
      const engineResponse: EngineResponse = { status, headers: response.headers, body: response.body };
      if (spec.stream === true) clearTimeout(timer);
      const result = await use(engineResponse);
      this.#report(spec, attempt, started, status, null);
      return result;
    } catch (err: unknown) {
      const error = timedOut
        ? this.#error(spec, { kind: 'timeout', status, engineMessage: null, reason: `no complete answer within ${timeoutMs} ms`, cause: err })
        : spec.signal?.aborted === true
          ? this.#error(spec, { kind: 'cancelled', status, engineMessage: null, reason: 'cancelled by the caller', cause: err })
          : this.wrapError(spec, err, status);
      this.#report(spec, attempt, started, status, error.kind);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  #dispatchOptions(spec: RequestSpec, signal: AbortSignal, timeoutMs: number): Dispatcher.RequestOptions {
    const headers: Record<string, string> = { ...spec.headers };
    let body: Dispatcher.RequestOptions['body'] = null;
    if (spec.json !== undefined) {
      body = JSON.stringify(spec.json);
      headers['content-type'] = 'application/json';
    } else if (spec.body !== undefined) {
      body = spec.body;
      headers['content-type'] = spec.contentType ?? 'application/octet-stream';
    }
    const query = encodeQuery(spec.query ?? {});
    return {
      method: spec.method,
      path: `${spec.unversioned === true ? '' : this.#prefix}${spec.path.path}${query}`,
      headers,
      body,
      signal,
      headersTimeout: timeoutMs,
      // A stream may be quiet for hours (events); the caller's signal ends it.
      bodyTimeout: spec.stream === true ? 0 : timeoutMs,
    };
  }

  #report(spec: RequestSpec, attempt: number, started: number, status: number | null, error: EngineErrorKind | null): void {
    this.#requests[spec.method] = (this.#requests[spec.method] ?? 0) + 1;
    if (error !== null) this.#errors[spec.method] = (this.#errors[spec.method] ?? 0) + 1;
    const hook = this.#options.onRequest;
    if (hook === undefined) return;
    const event: RequestEvent = { method: spec.method, path: spec.path.path, route: spec.path.route, status, durationMs: performance.now() - started, attempt, error };
    try {
      hook(event);
    } catch {
      // A failing metrics hook must not fail the Engine call it observes.
    }
  }
}

function isRetryable(err: unknown): boolean {
  if (!(err instanceof EngineError)) return false;
  if (NOT_RETRIED.has(err.kind)) return false;
  if (err.status !== null) return err.status >= 500;
  return err.kind === 'unreachable' && isConnectionReset(err.cause);
}

/** `?a=1&b=x`, skipping undefined values, in the order given (callers pass a stable order). */
export function encodeQuery(query: Readonly<Record<string, QueryValue>>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    params.append(key, typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** Idle kept-alive connections are closed after this long. */
const KEEP_ALIVE_MS = 10_000;

function createPool(endpoint: Endpoint, tls: TlsFiles | null, connectTimeoutMs: number): Pool {
  const common = { keepAliveTimeout: KEEP_ALIVE_MS, connect: { timeout: connectTimeoutMs } };
  if (endpoint.kind === 'unix') {
    // The origin is only a placeholder: the socket decides where the bytes go.
    return new Pool('http://localhost', { ...common, connect: { ...common.connect, socketPath: endpoint.socketPath } });
  }
  const host = endpoint.hostname.includes(':') ? `[${endpoint.hostname}]` : endpoint.hostname;
  if (tls === null) return new Pool(`http://${host}:${endpoint.port}`, common);
  return new Pool(`https://${host}:${endpoint.port}`, {
    ...common,
    connect: { ...common.connect, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
  });
}
