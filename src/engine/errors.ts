// EngineError: the one error the Engine client raises, and the rules that sort every failure into a
// `kind` callers can match on (the Engine's status codes alone are not enough: a stale Swarm version
// arrives as a 500, "in use" arrives as 400, 403 or 409 depending on the object).
//
// Must not: include request bodies or request headers in any message (secret data and
// X-Registry-Auth travel in them), nor print anything.
import { MoorError } from '../errors.js';

export type EngineErrorKind =
  | 'not-found' // 404
  | 'conflict' // 409 (name taken, ...), except "in use"
  | 'out-of-sequence' // a stale Swarm object version, whatever the status (it arrives as 500)
  | 'not-swarm-manager' // 503: no Swarm, a worker node, a locked Swarm
  | 'in-use' // the object is referenced (volume by a container, secret by a service, network by endpoints)
  | 'bad-request' // 400
  | 'forbidden' // 403 (and 401), and registry credentials missing or refused
  | 'not-implemented' // 501 (rename a service, change its mode)
  | 'server' // any other 5xx
  | 'unreachable' // no connection: socket missing or refused, DNS, TLS handshake, connect timeout
  | 'timeout' // connected, but no (complete) answer in time
  | 'protocol' // an answer moor cannot read: not JSON, or not the shape the API documents
  | 'version' // the Engine's API version is outside what moor speaks
  | 'cancelled'; // the caller's AbortSignal fired

export interface EngineErrorInit {
  readonly kind: EngineErrorKind;
  /** The endpoint as the user named it, e.g. `unix:///var/run/docker.sock`. */
  readonly endpoint: string;
  readonly method: string | null;
  /** The API path without the version prefix and without the query, e.g. `/services/abc/update`. */
  readonly path: string | null;
  readonly status: number | null;
  /** The Engine's own `message`, when it sent one. */
  readonly engineMessage: string | null;
  /** What went wrong, when it is not the Engine's message (transport and protocol failures). */
  readonly reason?: string;
  readonly hints?: readonly string[];
  readonly cause?: unknown;
}

export class EngineError extends MoorError {
  readonly kind: EngineErrorKind;
  readonly endpoint: string;
  readonly method: string | null;
  readonly path: string | null;
  readonly status: number | null;
  readonly engineMessage: string | null;
  readonly hints: readonly string[];

  constructor(init: EngineErrorInit) {
    super('ENGINE', formatEngineErrorMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.endpoint = init.endpoint;
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.engineMessage = init.engineMessage;
    this.hints = init.hints ?? [];
  }

  override details(): readonly string[] {
    return this.hints;
  }
}

export function isEngineError(err: unknown, kind?: EngineErrorKind): err is EngineError {
  return err instanceof EngineError && (kind === undefined || err.kind === kind);
}

function formatEngineErrorMessage(init: EngineErrorInit): string {
  const text = init.engineMessage ?? init.reason ?? 'no message';
  // Without a request: the address itself was refused (endpoint.ts), before any was sent.
  if (init.method === null || init.path === null) return `Engine at ${init.endpoint}: ${text}`;
  const status = init.status === null ? '' : ` (${init.status})`;
  return `Engine at ${init.endpoint}: ${init.method} ${init.path} failed${status}: ${text}`;
}

// Messages of daemon/cluster/errors.go and cluster.go that all mean "Swarm state is not
// available here"; they come as 503, but a proxy in front of the Engine may change the status.
const NOT_SWARM_MANAGER = [/not a swarm manager/i, /not part of a swarm/i, /needs to be unlocked/i, /swarm is encrypted/i, /manager is being prepared/i];
const OUT_OF_SEQUENCE = /update out of sequence/i;
const CLIENT_VERSION = /client version \S+ is too (old|new)/i;
// Registry credentials missing or refused, as the Engine relays them on pull and service create (500).
const REGISTRY_AUTH = /no basic auth credentials|unauthorized: authentication required|denied: requested access/i;
// Swarm answers 500, not 404, when an object vanished under the request (e.g. a network removed
// while its removal by another request was still in flight).
const VANISHED = /^(network|service|secret|config|node|task) \S+ not found$/i;
const IN_USE = [/volume is in use/i, /is in use by the following service/i, /has active endpoints/i, /is in use by task/i];
// Swarm's store refuses a second object of a name (ErrNameConflict); for networks it arrives
// unwrapped, as a 500, when two creates of one overlay network race.
const NAME_CONFLICT = /name conflicts with an existing object/i;

/** Sorts an HTTP error answer of the Engine into a kind. Message rules come first: they are more precise than status. */
export function classifyHttpError(status: number, message: string): EngineErrorKind {
  if (OUT_OF_SEQUENCE.test(message)) return 'out-of-sequence';
  if (CLIENT_VERSION.test(message)) return 'version';
  if (IN_USE.some((re) => re.test(message))) return 'in-use';
  if (REGISTRY_AUTH.test(message)) return 'forbidden';
  if (status === 503 || NOT_SWARM_MANAGER.some((re) => re.test(message))) return 'not-swarm-manager';
  if (status === 404 || (status >= 500 && VANISHED.test(message.trim()))) return 'not-found';
  if (status === 409 || NAME_CONFLICT.test(message)) return 'conflict';
  if (status === 400) return 'bad-request';
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 501) return 'not-implemented';
  if (status >= 500) return 'server';
  // 3xx and other 4xx (the Engine does not use them for failures today): a request moor got wrong.
  return 'bad-request';
}

/** Hints shown under the message, so the user knows what to do next. */
export function hintsForHttpError(kind: EngineErrorKind): readonly string[] {
  switch (kind) {
    case 'out-of-sequence':
      return ['The object changed since it was read (the Engine bumps Swarm versions by itself); read it again and retry.'];
    case 'not-swarm-manager':
      return ['Swarm objects need a Swarm manager: run "docker swarm init" (or point --host at a manager).'];
    case 'version':
      return ['moor speaks Docker Engine API 1.41; use an Engine that still accepts it.'];
    default:
      return [];
  }
}

/** The Engine's `{"message": ...}` body, or a short excerpt of whatever came instead. */
export function readEngineMessage(body: string): string | null {
  const trimmed = body.trim();
  if (trimmed === '') return null;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed && typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: a proxy's HTML page, or an Engine bug; an excerpt is more useful than nothing
  }
  return trimmed.length > 300 ? `${trimmed.slice(0, 300)}…` : trimmed;
}

interface SystemErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
}

/** The innermost `code` of an error chain (HTTP clients may wrap socket errors). */
function findErrorCode(err: unknown): string | null {
  let current: unknown = err;
  let found: string | null = null;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as SystemErrorLike).code;
    if (typeof code === 'string') found = code;
    current = (current as SystemErrorLike).cause;
  }
  return found;
}

const CONNECT_CODES: Readonly<Record<string, string>> = {
  ENOENT: 'the socket does not exist',
  ECONNREFUSED: 'connection refused',
  EACCES: 'permission denied on the socket',
  EPERM: 'permission denied on the socket',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (DNS lookup failed)',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  ETIMEDOUT: 'the connection timed out',
  ENOTSOCK: 'the path is not a socket',
};

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Whether a transport failure is a dropped connection (worth one more try for a read). */
export function isConnectionReset(err: unknown): boolean {
  const code = findErrorCode(err);
  return code !== null && RESET_CODES.has(code);
}

export interface TransportFailure {
  readonly kind: EngineErrorKind;
  readonly reason: string;
  readonly hints: readonly string[];
}

/** Sorts a failure that is not an HTTP answer (socket, TLS, timeouts, aborts) into a kind. */
export function classifyTransportError(err: unknown): TransportFailure {
  const code = findErrorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code !== null && code in CONNECT_CODES) {
    return { kind: 'unreachable', reason: `cannot connect: ${CONNECT_CODES[code] ?? code} (${code})`, hints: ['Is the Engine running, and is --host / DOCKER_HOST right?'] };
  }
  if (code !== null && (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code))) {
    return {
      kind: 'unreachable',
      reason: `TLS handshake failed: ${message} (${code})`,
      hints: ['Check DOCKER_CERT_PATH (ca.pem must be the CA that signed the Engine certificate; cert.pem and key.pem the client pair).'],
    };
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT') {
    return { kind: 'timeout', reason: `no answer in time (${code})`, hints: [] };
  }
  if (code !== null && RESET_CODES.has(code)) {
    return {
      kind: 'unreachable',
      reason: `the connection was closed: ${message} (${code})`,
      hints: ['If the Engine expects TLS, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH.'],
    };
  }
  if (code === 'HPE_INVALID_CONSTANT' || code === 'UND_ERR_INFO' || code?.startsWith('HPE_') === true) {
    return { kind: 'protocol', reason: `the answer is not HTTP: ${message} (${code})`, hints: ['Does the endpoint speak TLS? Then set DOCKER_TLS_VERIFY=1.'] };
  }
  return { kind: 'unreachable', reason: code === null ? message : `${message} (${code})`, hints: [] };
}
