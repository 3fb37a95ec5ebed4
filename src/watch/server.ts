// The watcher's HTTP endpoints, served only where --listen says:
//   GET  /healthz  200 {"status":"ok",...} or 503 {"status":"unhealthy","reasons":[...]}
//   GET  /metrics  Prometheus text exposition
//   POST /sync     202: a cycle (and a Git fetch) as soon as none runs
// /healthz and /metrics are read-only and open. POST /sync is open too unless a sync secret is
// given (--sync-secret-file): then it takes a Git host's webhook signed with it (GitHub, Gitea,
// Forgejo: X-Hub-Signature-256, an HMAC-SHA256 of the body), GitLab's X-Gitlab-Token, or
// `Authorization: Bearer SECRET`, and answers 401 to anything else.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MoorError } from '../errors.js';
import { errorMessage } from './log.js';
import { EXPOSITION_CONTENT_TYPE } from './metrics.js';
import type { Health } from './status.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `127.0.0.1:9090`, `[::1]:9090`, `localhost:9090`: an address must be named (no bare `:9090`). */
export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port > 65535) {
    throw new MoorError('USAGE', `--listen: expected HOST:PORT such as 127.0.0.1:9090 (0.0.0.0:9090 for every interface), got ${JSON.stringify(text)}`);
  }
  return { host: match[1] ?? (match[2] as string), port };
}

export interface StatusHandlers {
  health(): Health;
  metrics(): string;
  sync(): void;
}

export interface StatusServerOptions {
  /** When set, POST /sync must prove it knows this secret (see `authorizeSync`). */
  readonly syncSecret?: Buffer;
  /** Called for each POST /sync refused for want of the secret, with why and from where. */
  readonly onSyncRefused?: (reason: string, from: string) => void;
  /** Default MAX_SYNC_BODY_BYTES. */
  readonly maxSyncBodyBytes?: number;
}

/** How a POST /sync proved it knows the secret. */
export type SyncProof = 'signature' | 'gitlab-token' | 'bearer';

export type SyncAuthorization = { readonly ok: true; readonly proof: SyncProof } | { readonly ok: false; readonly reason: string };

/**
 * A webhook body larger than this is refused (413) without being read further: GitHub caps its
 * payloads at 25 MB.
 */
export const MAX_SYNC_BODY_BYTES = 25 * 1024 * 1024;

const SIGNATURE_HEADER = 'x-hub-signature-256';

/** Compares two secrets in constant time, whatever their lengths (both are hashed first). */
function sameSecret(given: string, secret: Buffer): boolean {
  const digest = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();
  return timingSafeEqual(digest(given), digest(secret));
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Whether a POST /sync knows the secret. `bodyMac` is the HMAC-SHA256 of the whole body with the
 * secret (needed only when the request carries X-Hub-Signature-256). The first credential present
 * decides: a signature, then X-Gitlab-Token, then a bearer token.
 */
export function authorizeSync(headers: IncomingHttpHeaders, bodyMac: Buffer | null, secret: Buffer): SyncAuthorization {
  const signature = header(headers, SIGNATURE_HEADER);
  if (signature !== undefined) {
    const match = /^sha256=([0-9a-fA-F]{64})$/.exec(signature.trim());
    if (match === null) return { ok: false, reason: 'X-Hub-Signature-256 is not sha256= and 64 hex digits' };
    const given = Buffer.from(match[1] as string, 'hex');
    return bodyMac !== null && timingSafeEqual(given, bodyMac) ? { ok: true, proof: 'signature' } : { ok: false, reason: 'X-Hub-Signature-256 does not match the body signed with the sync secret' };
  }
  const token = header(headers, 'x-gitlab-token');
  if (token !== undefined) return sameSecret(token, secret) ? { ok: true, proof: 'gitlab-token' } : { ok: false, reason: 'X-Gitlab-Token is not the sync secret' };
  const authorization = header(headers, 'authorization');
  if (authorization !== undefined) {
    const bearer = /^Bearer +(.*\S) *$/i.exec(authorization);
    if (bearer === null) return { ok: false, reason: 'Authorization is not "Bearer SECRET"' };
    return sameSecret(bearer[1] as string, secret) ? { ok: true, proof: 'bearer' } : { ok: false, reason: 'the bearer token is not the sync secret' };
  }
  return { ok: false, reason: 'no credentials: expected X-Hub-Signature-256, X-Gitlab-Token or Authorization: Bearer' };
}

export interface StatusServer {
  /** host:port actually bound (the port is known after binding to port 0). */
  readonly address: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse, handlers: StatusHandlers, options: StatusServerOptions): void {
  const path = (req.url ?? '/').split('?')[0];
  const route = path === '/healthz' || path === '/metrics' ? 'GET' : path === '/sync' ? 'POST' : null;
  if (route === null) return reply(req, res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz, /metrics or POST /sync\n');
  const method = req.method === 'HEAD' && route === 'GET' ? 'GET' : req.method;
  if (method !== route) return reply(req, res, 405, 'text/plain; charset=utf-8', `${path} takes ${route}\n`, { allow: route === 'GET' ? 'GET, HEAD' : 'POST' });
  if (path === '/healthz') {
    const health = handlers.health();
    return reply(req, res, health.healthy ? 200 : 503, 'application/json', `${JSON.stringify({ status: health.healthy ? 'ok' : 'unhealthy', ...health })}\n`);
  }
  if (path === '/metrics') return reply(req, res, 200, EXPOSITION_CONTENT_TYPE, handlers.metrics());
  const secret = options.syncSecret;
  if (secret === undefined) return accept(req, res, handlers);
  // Without a signature to check, the headers decide, before any of the body is read.
  if (header(req.headers, SIGNATURE_HEADER) === undefined) return decide(req, res, handlers, options, authorizeSync(req.headers, null, secret));
  // The body is read only to check its signature, as it streams: never kept.
  const mac = createHmac('sha256', secret);
  const max = options.maxSyncBodyBytes ?? MAX_SYNC_BODY_BYTES;
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > max) {
      req.removeAllListeners('data');
      send(res, 413, 'application/json', `${JSON.stringify({ status: 'too large', reason: `the body exceeds ${max} bytes` })}\n`, { connection: 'close' });
      req.destroy();
      return;
    }
    mac.update(chunk);
  });
  req.on('end', () => {
    if (!res.headersSent) decide(req, res, handlers, options, authorizeSync(req.headers, mac.digest(), secret));
  });
}

function decide(req: IncomingMessage, res: ServerResponse, handlers: StatusHandlers, options: StatusServerOptions, verdict: SyncAuthorization): void {
  if (verdict.ok) return accept(req, res, handlers);
  options.onSyncRefused?.(verdict.reason, req.socket.remoteAddress ?? 'unknown');
  reply(req, res, 401, 'application/json', `${JSON.stringify({ status: 'unauthorized', reason: verdict.reason })}\n`, { 'www-authenticate': 'Bearer realm="moor sync"' });
}

function accept(req: IncomingMessage, res: ServerResponse, handlers: StatusHandlers): void {
  handlers.sync();
  reply(req, res, 202, 'application/json', '{"status":"accepted"}\n');
}

/** Answers, draining a body nobody reads so that keep-alive connections stay usable. */
function reply(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  req.resume();
  send(res, status, type, body, headers);
}

export async function startStatusServer(listen: ListenAddress, handlers: StatusHandlers, options: StatusServerOptions = {}): Promise<StatusServer> {
  const server = createServer((req, res) => {
    try {
      handle(req, res, handlers, options);
    } catch {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
    }
  });
  // A client that trickles its request (a webhook body) does not hold a connection for long.
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    throw new MoorError('USAGE', `--listen ${listen.host}:${listen.port}: cannot listen: ${errorMessage(err)}`, { cause: err });
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    address: `${host}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
