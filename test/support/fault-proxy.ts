// A fault-injecting proxy in front of the real Engine socket: moor is pointed at the proxy's unix
// socket (`-H proxy.host`), the proxy forwards every request to /var/run/docker.sock, and rules
// make chosen requests fail the way a real Engine, network or host can fail. As far as moor can
// tell, the proxy *is* the Engine: taking it down is "the Engine went away", without touching the
// shared dockerd.
//
// The rule language: a rule is `matcher -> fault`.
//   matcher  method:  'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'write' (anything but GET/HEAD)
//                     | 'any' (default)
//            path:    a pattern over the API path without the /v1.xx prefix and without the query:
//                     `*` is one path segment, `**` any rest, e.g. '/services/*/update',
//                     '/containers/create', '/containers/**'; or a RegExp (default: every path)
//            on:      which of the requests the matcher matched fire the fault, counted per rule
//                     from 1: a number (only that one), [from, to] (inclusive; to may be
//                     Infinity), or 'every' (default)
//   fault    respond(status, message)  answer at once, as the Engine does ({"message": ...}),
//                                      without forwarding: the Engine never sees the request
//            respond(status, message, 'after')
//                                      forward (the write lands), then answer that error instead
//                                      (e.g. a 409 as if a racing twin had won)
//            delay(ms, 'before')       wait, then forward (even if the client gave up meanwhile:
//                                      the request reaches the Engine late)
//            delay(ms, 'after')        forward at once, hold the Engine's answer for ms: the write
//                                      landed, the client times out
//            reset('before')           drop the client's connection; nothing is forwarded
//            reset('after')            forward, let the Engine answer, then drop the connection
//                                      instead of answering: the write landed, the answer is lost
//            hold('before' | 'after')  park the request (before forwarding, or after the Engine
//                                      answered) until the test calls release() or drop()
//            cut(bytes)                forward, and cut the connection after `bytes` bytes of the
//                                      answer's body (mid-stream for events, logs, pulls)
//            call(fn)                  run a side effect (e.g. a concurrent writer), then forward
//            rewrite(fn)               forward, and answer with fn(the Engine's JSON answer): an
//                                      Engine in another state (e.g. a Swarm worker)
//            goDown()                  the Engine goes away on this request: this and every open
//                                      connection is dropped, and the socket is removed (as in a
//                                      partition, requests already sent on to the Engine are still
//                                      carried out: down() resolves once they have been)
// The first rule (in the order added) whose matcher matches and whose `on` fires wins; every rule
// whose matcher matches counts the request. Requests no rule fires on are forwarded untouched.
// Every request is recorded (method, path, query, status, fault) so tests can count writes.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Phase = 'before' | 'after';

export type Fault =
  | { readonly kind: 'respond'; readonly status: number; readonly message: string; readonly phase: Phase }
  | { readonly kind: 'delay'; readonly ms: number; readonly phase: Phase }
  | { readonly kind: 'reset'; readonly phase: Phase }
  | { readonly kind: 'hold'; readonly phase: Phase }
  | { readonly kind: 'cut'; readonly afterBytes: number }
  | { readonly kind: 'call'; readonly fn: (request: ProxiedRequest) => Promise<void> }
  | { readonly kind: 'rewrite'; readonly fn: (answer: unknown) => unknown }
  | { readonly kind: 'down' };

export const respond = (status: number, message: string, phase: Phase = 'before'): Fault => ({ kind: 'respond', status, message, phase });
export const delay = (ms: number, phase: Phase = 'before'): Fault => ({ kind: 'delay', ms, phase });
export const reset = (phase: Phase): Fault => ({ kind: 'reset', phase });
export const hold = (phase: Phase): Fault => ({ kind: 'hold', phase });
export const cut = (afterBytes: number): Fault => ({ kind: 'cut', afterBytes });
export const call = (fn: (request: ProxiedRequest) => Promise<void>): Fault => ({ kind: 'call', fn });
export const rewrite = (fn: (answer: unknown) => unknown): Fault => ({ kind: 'rewrite', fn });
export const goDown = (): Fault => ({ kind: 'down' });

export type MethodMatcher = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'write' | 'any';

export interface FaultRule {
  readonly method?: MethodMatcher;
  readonly path?: string | RegExp;
  readonly on?: number | readonly [number, number] | 'every';
  readonly fault: Fault;
}

export interface ProxiedRequest {
  /** 1, 2, ... in arrival order. */
  readonly seq: number;
  readonly method: string;
  /** Without the /v1.xx prefix and the query. */
  readonly path: string;
  readonly query: string;
  /** The status the client received; null when it got no answer. */
  status: number | null;
  /** The status the Engine answered; null when the request never reached it. */
  engineStatus: number | null;
  /** The fault applied to it (e.g. 'reset-after'), or null. */
  fault: string | null;
}

/** What a hold rule gives the test: wait for the parked request, then let it go or drop it. */
export interface Held {
  readonly request: ProxiedRequest;
  /** Forwards it (phase 'before') or delivers the Engine's answer (phase 'after'). */
  release(): void;
  /** Drops the client's connection; with phase 'before' the Engine never sees the request. */
  drop(): void;
}

export interface RuleHandle {
  /** How many times the rule fired. */
  readonly fired: number;
  /** Resolves with the next request this (hold) rule parks; at once if one is parked already. */
  held(): Promise<Held>;
  remove(): void;
}

export interface FaultProxy {
  /** `unix://<socket>`: what moor's -H/--host takes. */
  readonly host: string;
  readonly socketPath: string;
  readonly requests: readonly ProxiedRequest[];
  /** The recorded requests that are not GET or HEAD. */
  writes(): ProxiedRequest[];
  add(rule: FaultRule): RuleHandle;
  /** Removes every rule (parked requests stay parked until released or dropped). */
  clearRules(): void;
  /** The Engine goes away: every open connection is dropped, the socket removed. */
  down(): Promise<void>;
  /** The Engine comes back on the same socket. */
  up(): Promise<void>;
  close(): Promise<void>;
}

const WRITE_EXEMPT = new Set(['GET', 'HEAD']);

/** Compiles a path pattern: `*` one segment, `**` any rest; everything else literal. */
export function compilePathPattern(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) return pattern;
  const parts = pattern.split('/').map((segment) => {
    if (segment === '**') return '.*';
    return segment.split('*').map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*');
  });
  return new RegExp(`^${parts.join('/').replace(/\/\.\*$/, '(?:/.*)?')}$`);
}

function firesOn(on: FaultRule['on'], count: number): boolean {
  if (on === undefined || on === 'every') return true;
  if (typeof on === 'number') return count === on;
  return count >= on[0] && count <= on[1];
}

function faultName(fault: Fault): string {
  switch (fault.kind) {
    case 'respond':
      return `respond-${fault.status}${fault.phase === 'after' ? '-after' : ''}`;
    case 'delay':
    case 'reset':
    case 'hold':
      return `${fault.kind}-${fault.phase}`;
    case 'cut':
      return `cut-${fault.afterBytes}`;
    default:
      return fault.kind;
  }
}

interface UpstreamAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly response: IncomingMessage;
}

interface Rule {
  readonly rule: FaultRule;
  readonly path: RegExp | null;
  count: number;
  fired: number;
  readonly parked: Held[];
  readonly waiters: ((held: Held) => void)[];
}

export async function startFaultProxy(options: { upstream?: string } = {}): Promise<FaultProxy> {
  const upstream = options.upstream ?? '/var/run/docker.sock';
  const dir = mkdtempSync(join(tmpdir(), 'moor-fault-proxy-'));
  const socketPath = join(dir, `engine-${randomBytes(3).toString('hex')}.sock`);
  const requests: ProxiedRequest[] = [];
  let rules: Rule[] = [];
  const sockets = new Set<Socket>();
  /** Requests sent on to the Engine that it has not answered yet. */
  const inFlight = new Set<Promise<unknown>>();
  /** Parked requests: dropped when the Engine goes away. */
  const parked = new Set<() => void>();
  let isDown = false;

  /** The first rule that fires on this request; every rule whose matcher matches counts it. */
  const match = (method: string, path: string): Rule | null => {
    let chosen: Rule | null = null;
    for (const r of rules) {
      const m = r.rule.method ?? 'any';
      const methodOk = m === 'any' || (m === 'write' ? !WRITE_EXEMPT.has(method) : m === method);
      if (!methodOk || (r.path !== null && !r.path.test(path))) continue;
      r.count += 1;
      if (chosen === null && firesOn(r.rule.on, r.count)) {
        r.fired += 1;
        chosen = r;
      }
    }
    return chosen;
  };

  /** Sends the request to the Engine; resolves with its answer (body unread). */
  const forward = (req: IncomingMessage, body: Buffer, record: ProxiedRequest): Promise<UpstreamAnswer> => {
    if (isDown) return Promise.reject(new Error('the Engine is down'));
    const answer = new Promise<UpstreamAnswer>((resolve, reject) => {
      const headers = { ...req.headers };
      delete headers.connection;
      delete headers['keep-alive'];
      const out = httpRequest({ socketPath: upstream, method: req.method, path: req.url, headers, agent: false }, (response) => {
        record.engineStatus = response.statusCode ?? null;
        resolve({ status: response.statusCode ?? 502, headers: response.headers, response });
      });
      out.on('error', reject);
      out.end(body);
    });
    const tracked = answer.catch(() => undefined);
    inFlight.add(tracked);
    void tracked.then(() => inFlight.delete(tracked));
    return answer;
  };

  const sendAnswer = (record: ProxiedRequest, res: ServerResponse, answer: UpstreamAnswer, cutAfter: number | null): void => {
    const headers = { ...answer.headers };
    delete headers.connection;
    delete headers['keep-alive'];
    res.writeHead(answer.status, headers);
    // A stream (events) may send no byte for a long time: its headers must go out now, as the
    // Engine's do (a client waits for them to know the subscription is live).
    res.flushHeaders();
    record.status = answer.status;
    res.on('close', () => answer.response.destroy());
    if (cutAfter === null) {
      answer.response.pipe(res);
      return;
    }
    let sent = 0;
    answer.response.on('data', (chunk: Buffer) => {
      if (sent + chunk.length <= cutAfter) {
        sent += chunk.length;
        res.write(chunk);
        return;
      }
      res.write(chunk.subarray(0, cutAfter - sent));
      sent = cutAfter;
      answer.response.destroy();
      // flush what was written, then drop the connection mid-body
      setImmediate(() => res.socket?.destroy());
    });
    answer.response.on('end', () => res.end());
  };

  const readBody = async (stream: IncomingMessage): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };

  const park = (rule: Rule, record: ProxiedRequest): Promise<'release' | 'drop'> =>
    new Promise((resolve) => {
      // resolve() ignores all but the first call: releasing or dropping twice is harmless
      const drop = (): void => {
        parked.delete(drop);
        resolve('drop');
      };
      parked.add(drop);
      const held: Held = { request: record, release: () => (parked.delete(drop), resolve('release')), drop };
      const waiter = rule.waiters.shift();
      if (waiter !== undefined) waiter(held);
      else rule.parked.push(held);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const fullPath = q === -1 ? url : url.slice(0, q);
    const path = fullPath.replace(/^\/v\d+\.\d+(?=\/)/, '');
    const method = req.method ?? 'GET';
    const record: ProxiedRequest = { seq: requests.length + 1, method, path, query: q === -1 ? '' : url.slice(q + 1), status: null, engineStatus: null, fault: null };
    requests.push(record);
    const rule = match(method, path);
    const fault = rule?.rule.fault ?? null;
    if (fault !== null) record.fault = faultName(fault);
    const drop = (): void => {
      req.socket.destroy();
    };

    try {
      switch (fault?.kind) {
        case 'respond': {
          if (fault.phase === 'after') await drain(await forward(req, body, record));
          const text = JSON.stringify({ message: fault.message });
          res.writeHead(fault.status, { 'Content-Type': 'application/json', 'Api-Version': '1.41' }).end(text);
          record.status = fault.status;
          return;
        }
        case 'reset':
          if (fault.phase === 'after') await drain(await forward(req, body, record));
          drop();
          return;
        case 'down':
          drop();
          await goDown();
          return;
        case 'delay':
          if (fault.phase === 'before') {
            await new Promise((resolve) => setTimeout(resolve, fault.ms));
            const answer = await forward(req, body, record);
            if (res.destroyed || req.socket.destroyed) return void (await drain(answer));
            sendAnswer(record, res, answer, null);
          } else {
            const answer = await forward(req, body, record);
            const buffered = await readBody(answer.response);
            await new Promise((resolve) => setTimeout(resolve, fault.ms));
            if (res.destroyed || req.socket.destroyed) return;
            res.writeHead(answer.status, stripHop(answer.headers)).end(buffered);
            record.status = answer.status;
          }
          return;
        case 'hold': {
          if (rule === null) throw new Error('hold without its rule');
          if (fault.phase === 'before') {
            if ((await park(rule, record)) === 'drop') return drop();
            sendAnswer(record, res, await forward(req, body, record), null);
          } else {
            const answer = await forward(req, body, record);
            const buffered = await readBody(answer.response);
            if ((await park(rule, record)) === 'drop') return drop();
            res.writeHead(answer.status, stripHop(answer.headers)).end(buffered);
            record.status = answer.status;
          }
          return;
        }
        case 'call':
          await fault.fn(record);
          sendAnswer(record, res, await forward(req, body, record), null);
          return;
        case 'rewrite': {
          const answer = await forward(req, body, record);
          const text = JSON.stringify(fault.fn(JSON.parse((await readBody(answer.response)).toString('utf8')) as unknown));
          res.writeHead(answer.status, { ...stripHop(answer.headers), 'content-length': String(Buffer.byteLength(text)) }).end(text);
          record.status = answer.status;
          return;
        }
        case 'cut':
          sendAnswer(record, res, await forward(req, body, record), fault.afterBytes);
          return;
        case undefined:
          sendAnswer(record, res, await forward(req, body, record), null);
          return;
      }
    } catch {
      // The Engine (or the proxy going down) broke the exchange: the client sees a dropped connection.
      drop();
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket: Socket) => {
    if (isDown) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });

  const goDown = async (): Promise<void> => {
    if (isDown) return;
    isDown = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    for (const drop of [...parked]) drop();
    await closed;
    rmSync(socketPath, { force: true });
    await Promise.race([Promise.all([...inFlight]), new Promise((resolve) => setTimeout(resolve, 15_000))]);
  };

  await listen();

  return {
    host: `unix://${socketPath}`,
    socketPath,
    requests,
    writes: () => requests.filter((r) => !WRITE_EXEMPT.has(r.method)),
    add(rule: FaultRule): RuleHandle {
      const entry: Rule = { rule, path: rule.path === undefined ? null : compilePathPattern(rule.path), count: 0, fired: 0, parked: [], waiters: [] };
      rules.push(entry);
      return {
        get fired() {
          return entry.fired;
        },
        held: () =>
          new Promise<Held>((resolve) => {
            const parked = entry.parked.shift();
            if (parked !== undefined) resolve(parked);
            else entry.waiters.push(resolve);
          }),
        remove: () => {
          rules = rules.filter((r) => r !== entry);
        },
      };
    },
    clearRules: () => {
      rules = [];
    },
    down: goDown,
    up: async () => {
      if (!isDown) return;
      isDown = false;
      await listen();
    },
    close: async () => {
      await goDown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads and discards the Engine's answer (the request has been handled). */
async function drain(answer: UpstreamAnswer): Promise<void> {
  for await (const _ of answer.response) void _;
}

function stripHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out = { ...headers };
  delete out.connection;
  delete out['keep-alive'];
  delete out['transfer-encoding'];
  delete out['content-length'];
  return out;
}
