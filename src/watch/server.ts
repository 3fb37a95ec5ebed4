// The watcher's HTTP endpoints, served only where --listen says:
//   GET  /healthz  200 {"status":"ok",...} or 503 {"status":"unhealthy","reasons":[...]}
//   GET  /metrics  Prometheus text exposition
//   POST /sync     202: a cycle (and a Git fetch) as soon as none runs
// There is no authentication: bind to loopback, or put a proxy in front.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
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

export interface StatusServer {
  /** host:port actually bound (the port is known after binding to port 0). */
  readonly address: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse, handlers: StatusHandlers): void {
  const path = (req.url ?? '/').split('?')[0];
  const route = path === '/healthz' || path === '/metrics' ? 'GET' : path === '/sync' ? 'POST' : null;
  if (route === null) return send(res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz, /metrics or POST /sync\n');
  const method = req.method === 'HEAD' && route === 'GET' ? 'GET' : req.method;
  if (method !== route) return send(res, 405, 'text/plain; charset=utf-8', `${path} takes ${route}\n`, { allow: route === 'GET' ? 'GET, HEAD' : 'POST' });
  if (path === '/healthz') {
    const health = handlers.health();
    return send(res, health.healthy ? 200 : 503, 'application/json', `${JSON.stringify({ status: health.healthy ? 'ok' : 'unhealthy', ...health })}\n`);
  }
  if (path === '/metrics') return send(res, 200, EXPOSITION_CONTENT_TYPE, handlers.metrics());
  handlers.sync();
  return send(res, 202, 'application/json', '{"status":"accepted"}\n');
}

export async function startStatusServer(listen: ListenAddress, handlers: StatusHandlers): Promise<StatusServer> {
  const server = createServer((req, res) => {
    // The body of POST /sync is ignored; read it so keep-alive connections stay usable.
    req.resume();
    try {
      handle(req, res, handlers);
    } catch {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
    }
  });
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
