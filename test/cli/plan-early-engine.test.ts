// `moor plan` connects to the Engine and lists its objects while it reads the manifest
// (reconcile.ts, connectEarly). The manifest's verdict must still come first, and alone: an
// invalid manifest is reported as before, at once, whatever the Engine does meanwhile.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, withProject } from '../manifest/helpers.js';

const INVALID = 'project: shop\ncontainers:\n  web:\n    imagee: moor/busybox:latest\n';
const VALID = 'project: shop\ncontainers:\n  web:\n    image: moor/busybox:latest\n';

/** A unix socket that accepts connections and never answers: an Engine that hangs. */
async function withSilentEngine(work: (host: string, connections: () => number) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'moor-silent-'));
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  const path = join(dir, 'engine.sock');
  await new Promise<void>((resolve) => server.listen(path, resolve));
  try {
    await work(`unix://${path}`, () => accepted);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an invalid manifest is reported at once while the Engine has not answered yet (the early connection is dropped)', { timeout: 20_000 }, async () => {
  await withSilentEngine(async (host, connections) => {
    await withProject({ 'moor.yaml': INVALID }, async (dir) => {
      // Without dropping it, the command would wait for the client's 30 s request timeout.
      const run = await runCli(['plan', '--host', host], { cwd: dir });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /moor\.yaml:4:5: .*imagee/);
      assert.doesNotMatch(run.stderr, /Engine|engine\.sock|timed out/);
      assert.equal(run.stdout, '');
      assert.ok(connections() >= 1, 'the connection was opened while the manifest was read');
    });
  });
});

test('an invalid manifest is reported alone when the Engine is unreachable', async () => {
  await withProject({ 'moor.yaml': INVALID }, async (dir) => {
    const run = await runCli(['plan', '--host', `unix://${join(dir, 'no-engine.sock')}`], { cwd: dir });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /imagee/);
    assert.doesNotMatch(run.stderr, /no-engine/);
  });
});

test('a valid manifest with an unreachable Engine gives the Engine error', async () => {
  await withProject({ 'moor.yaml': VALID }, async (dir) => {
    const run = await runCli(['plan', '--host', `unix://${join(dir, 'no-engine.sock')}`], { cwd: dir });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no-engine\.sock/);
    assert.equal(run.stdout, '');
  });
});
