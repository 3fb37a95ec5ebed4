// An in-process HTTP server on a temporary unix socket, standing in for the Engine where the real
// one cannot produce a fault on demand (a hung answer, a garbage body, an old API version...).
// It answers /_ping like an API 1.41 Engine (or the version given), passes every other request to
// the test's handler, and records every request.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type FakeHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface FakeEngine {
  readonly host: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeEngine(handler: FakeHandler, options: { apiVersion?: string } = {}): Promise<FakeEngine> {
  const dir = await mkdtemp(join(tmpdir(), 'moor-fake-engine-'));
  const socketPath = join(dir, 'engine.sock');
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/_ping') res.writeHead(200, { 'Api-Version': options.apiVersion ?? '1.41', 'Content-Type': 'text/plain' }).end('OK');
      else handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    host: `unix://${socketPath}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The Engine's answer to a path it does not know. */
export function sendNotFound(res: ServerResponse): void {
  sendEngineError(res, 404, 'page not found');
}

/** Writes a JSON error body the way the Engine does. */
export function sendEngineError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message }));
}
