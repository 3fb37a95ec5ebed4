// A counting proxy in front of the Engine: listens on a unix socket, forwards every HTTP request
// to the Engine's socket unchanged (bodies and answers streamed), and counts requests by method
// and route. A tool sees the Engine through it when its DOCKER_HOST names the proxy's socket, so
// every tool's requests are counted the same way, whatever client library it uses.
//
// Only counted runs go through it: it adds a hop to every request, which would penalise the
// chattiest tools in the timed runs.
import { rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Counts {
  readonly total: number;
  /** POST, PUT and DELETE: every request that can change the Engine's state. */
  readonly writes: number;
  readonly byMethod: Readonly<Record<string, number>>;
  /** `METHOD /route` with ids replaced, e.g. `POST /services/{id}/update`. */
  readonly byRoute: Readonly<Record<string, number>>;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/** The route of a request path: no version prefix, no query, ids and names as `{id}`. */
export function routeOf(url: string): string {
  const pathOnly = (url.split('?')[0] ?? '').replace(/^\/v\d+\.\d+/, '');
  const parts = pathOnly.split('/');
  const fixed = new Set(['create', 'json', 'update', 'start', 'stop', 'kill', 'rename', 'wait', 'connect', 'disconnect', 'logs', 'archive', 'prune', 'inspect', 'tag', 'push', 'history', 'exec', 'resize', 'attach', 'top', 'changes', 'stats', 'restart', 'pause', 'unpause', 'export', 'get', 'load', 'search', 'pull']);
  const kinds = new Set(['containers', 'services', 'networks', 'volumes', 'secrets', 'configs', 'tasks', 'nodes', 'images', 'swarm', 'plugins', 'distribution', 'exec', 'system', 'info', 'version', '_ping', 'events', 'build', 'session', 'auth']);
  return parts.map((p, i) => (i === 0 || kinds.has(p) || fixed.has(p) ? p : '{id}')).join('/');
}

export class CountingProxy {
  readonly socketPath: string;
  readonly #upstream: string;
  readonly #server: http.Server;
  readonly #agent: http.Agent;
  readonly #sockets = new Set<Socket>();
  #counts = { total: 0, writes: 0, byMethod: {} as Record<string, number>, byRoute: {} as Record<string, number> };

  private constructor(socketPath: string, upstream: string) {
    this.socketPath = socketPath;
    this.#upstream = upstream;
    this.#agent = new http.Agent({ keepAlive: true });
    this.#server = http.createServer((req, res) => this.#forward(req, res));
    this.#server.keepAliveTimeout = 60_000;
    this.#server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(socketPath: string, upstream = '/var/run/docker.sock'): Promise<CountingProxy> {
    rmSync(socketPath, { force: true });
    const proxy = new CountingProxy(socketPath, upstream);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(socketPath, () => resolve());
    });
    return proxy;
  }

  /** DOCKER_HOST for a tool that should go through the proxy. */
  get dockerHost(): string {
    return `unix://${this.socketPath}`;
  }

  /** Returns the counts since the last call and starts counting from zero. */
  take(): Counts {
    const counts = this.#counts;
    this.#counts = { total: 0, writes: 0, byMethod: {}, byRoute: {} };
    return counts;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#agent.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.socketPath, { force: true });
  }

  address(): AddressInfo | string | null {
    return this.#server.address();
  }

  #forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const method = req.method ?? 'GET';
    const route = `${method} ${routeOf(req.url ?? '/')}`;
    const c = this.#counts;
    c.total++;
    if (WRITE_METHODS.has(method)) c.writes++;
    c.byMethod[method] = (c.byMethod[method] ?? 0) + 1;
    c.byRoute[route] = (c.byRoute[route] ?? 0) + 1;
    const upstream = http.request({ socketPath: this.#upstream, method, path: req.url, headers: req.headers, agent: this.#agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
      res.flushHeaders();
      answer.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bench proxy: ${err.message}`);
    });
    req.pipe(upstream);
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
  }
}
