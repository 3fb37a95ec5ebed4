// Shared helpers for tests against the real local Engine: connect, a run id per test file, labels
// that mark what a run created, and clean-up by label (also after a failure), so test files can
// run in parallel without touching each other's objects.
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { EngineClient, isEngineError } from '../../src/engine/index.js';
import type { EngineClientOptions, Labels } from '../../src/engine/index.js';
import type { Service } from '../../src/engine/types.js';

/** The label every test object carries; its value is the run id. */
export const TEST_LABEL = 'io.moor.test';
/** The local image scripts/engine.sh imports (busybox applets: sh, sleep, cat, env, httpd, wget...). */
export const TEST_IMAGE = 'moor/busybox:latest';

/** A short unique id: lower-case, so it fits in names of every kind. */
export function createRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** The Engine scripts/engine.sh starts, on the default socket, whatever DOCKER_HOST says. */
export async function connectTestEngine(options: EngineClientOptions = {}): Promise<EngineClient> {
  return EngineClient.connect({ env: {}, ...options });
}

export interface EngineRun {
  readonly runId: string;
  /** `{ 'io.moor.test': runId }`: put them on everything the test creates. */
  readonly labels: Labels;
  /** The label filter that finds this run's objects. */
  readonly filter: { readonly label: string };
  /** A name unique to this run: `moor-<runId>-<suffix>`. */
  name(suffix: string): string;
  /** The connected client (after the file's `before` hook ran). */
  readonly engine: EngineClient;
}

/**
 * Registers `before` (connect) and `after` (remove everything labelled with the run id, close) in
 * the calling test file, and returns the run.
 */
export function useEngineRun(options: EngineClientOptions = {}): EngineRun {
  const runId = createRunId();
  let engine: EngineClient | undefined;
  before(async () => {
    engine = await connectTestEngine(options);
  });
  after(async () => {
    if (engine === undefined) return;
    await removeByLabel(engine, runId);
    await engine.close();
  });
  return {
    runId,
    labels: { [TEST_LABEL]: runId },
    filter: { label: `${TEST_LABEL}=${runId}` },
    name: (suffix) => `moor-${runId}-${suffix}`,
    get engine(): EngineClient {
      if (engine === undefined) throw new Error('the Engine is not connected yet: use run.engine inside tests');
      return engine;
    },
  };
}

/** Ignores "it is gone already"; other failures propagate. */
async function ignoreNotFound(work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (err: unknown) {
    if (!isEngineError(err, 'not-found')) throw err;
  }
}

/** Retries while the Engine still holds a reference (a service's tasks leave networks slowly). */
async function retryWhileInUse(work: () => Promise<unknown>, attempts = 40): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await ignoreNotFound(work());
      return;
    } catch (err: unknown) {
      if (i >= attempts || !(isEngineError(err, 'in-use') || isEngineError(err, 'conflict') || isEngineError(err, 'forbidden'))) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Removes every object labelled `io.moor.test=<runId>`: services first, then what they used. */
export async function removeByLabel(engine: EngineClient, runId: string): Promise<void> {
  const filters = { label: `${TEST_LABEL}=${runId}` };
  const swarm = engine.pingInfo.swarm === null || engine.pingInfo.swarm.startsWith('active');
  if (swarm) {
    for (const service of await engine.services.list({ filters })) await ignoreNotFound(engine.services.remove(service.ID));
  }
  for (const container of await engine.containers.list({ all: true, filters })) {
    await ignoreNotFound(engine.containers.remove(container.Id, { force: true, volumes: true }));
  }
  if (swarm) {
    for (const secret of await engine.secrets.list({ filters })) await retryWhileInUse(() => engine.secrets.remove(secret.ID));
    for (const config of await engine.configs.list({ filters })) await retryWhileInUse(() => engine.configs.remove(config.ID));
  }
  for (const network of await engine.networks.list({ filters })) await retryWhileInUse(() => engine.networks.remove(network.Id));
  for (const volume of (await engine.volumes.list({ filters })).volumes) await retryWhileInUse(() => engine.volumes.remove(volume.Name));
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Collects a log stream into text per stream. */
export async function collectLogs(stream: AsyncIterable<{ stream: 'stdout' | 'stderr'; data: Buffer }>): Promise<{ stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  for await (const chunk of stream) out[chunk.stream] += chunk.data.toString('utf8');
  return out;
}

/**
 * Changes a service as a person would with `docker service update`: Swarm bumps a service's
 * version by itself while it starts or moves tasks, so an "update out of sequence" is read again
 * and retried, as the docker CLI does.
 */
export async function updateServiceByHand(engine: EngineClient, nameOrId: string, change: (spec: Service['Spec']) => Service['Spec']): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const live = await engine.services.inspect(nameOrId);
    try {
      await engine.services.update(live.ID, live.Version.Index, change(live.Spec));
      return;
    } catch (err: unknown) {
      if (attempt >= 5 || !isEngineError(err, 'out-of-sequence')) throw err;
    }
  }
}
