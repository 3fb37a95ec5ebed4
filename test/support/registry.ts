// A real image registry on 127.0.0.1 for pull tests: Debian's docker-registry with htpasswd auth,
// started detached from the test's stdio and stopped (with its files removed) by `stop()`.
// The Engine treats 127.0.0.0/8 registries as insecure-allowed, so plain HTTP works.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LocalRegistry {
  /** `127.0.0.1:PORT` */
  readonly address: string;
  readonly username: string;
  readonly password: string;
  /** Pushes a local image under `<address>/<repository>` with the docker CLI (logged in with a private config dir). */
  push(localImage: string, repository: string): Promise<string>;
  /** Deletes the layer blobs of `repository:tag` from the registry's storage, so a pull breaks mid-stream. */
  breakLayers(repository: string, tag: string): Promise<void>;
  stop(): Promise<void>;
}

async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForRegistry(address: string, child: { exitCode: number | null }): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}`);
    try {
      const response = await fetch(`http://${address}/v2/`);
      if (response.status === 401 || response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`docker-registry did not answer on ${address}`);
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'moor-registry-'));
  const port = await findFreePort();
  const address = `127.0.0.1:${port}`;
  const username = 'moor';
  const password = `pw-${port}-${Math.random().toString(36).slice(2)}`;
  await run('htpasswd', ['-Bbc', join(dir, 'htpasswd'), username, password]);
  const config = `version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
http:
  addr: ${address}
auth:
  htpasswd:
    realm: moor-test
    path: ${join(dir, 'htpasswd')}
`;
  await writeFile(join(dir, 'config.yml'), config);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { detached: true, stdio: 'ignore' });
  child.unref();
  const dockerConfig = join(dir, 'docker-config');
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForRegistry(address, child);
    const login = run('docker', ['--config', dockerConfig, 'login', '--username', username, '--password-stdin', address]);
    login.child.stdin?.end(password);
    await login;
  } catch (err: unknown) {
    await stop();
    throw err;
  }
  return {
    address,
    username,
    password,
    async push(localImage, repository) {
      const remote = `${address}/${repository}`;
      await run('docker', ['tag', localImage, remote]);
      try {
        await run('docker', ['--config', dockerConfig, 'push', remote]);
      } finally {
        await run('docker', ['rmi', remote]);
      }
      return remote;
    },
    async breakLayers(repository, tag) {
      const response = await fetch(`http://${address}/v2/${repository}/manifests/${tag}`, {
        headers: {
          accept: 'application/vnd.docker.distribution.manifest.v2+json',
          authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
        },
      });
      const manifest = (await response.json()) as { layers?: { digest: string }[] };
      for (const { digest } of manifest.layers ?? []) {
        const hex = digest.replace(/^sha256:/, '');
        await rm(join(dir, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex), { recursive: true, force: true });
      }
    },
    stop,
  };
}

/** A registry for a test file: started before its tests, stopped after them. Call the result in a test. */
export function useLocalRegistry(): () => LocalRegistry {
  let registry: LocalRegistry | undefined;
  before(async () => {
    registry = await startLocalRegistry();
  });
  after(async () => {
    await registry?.stop();
  });
  return () => {
    if (registry === undefined) throw new Error('the local registry has not started');
    return registry;
  };
}
