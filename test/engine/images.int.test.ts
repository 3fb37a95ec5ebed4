// Images against the real Engine, pulling from a real local registry (docker-registry with
// htpasswd auth on 127.0.0.1), so X-Registry-Auth is proven end to end.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { isEngineError } from '../../src/engine/index.js';
import type { PullProgress, RegistryAuth } from '../../src/engine/index.js';
import { startLocalRegistry } from '../support/registry.js';
import type { LocalRegistry } from '../support/registry.js';
import { TEST_IMAGE, useEngineRun } from '../support/engine.js';

const execute = promisify(execFile);
const run = useEngineRun();
let registry: LocalRegistry | undefined;
const localTags: string[] = [];

function useRegistry(): { registry: LocalRegistry; auth: RegistryAuth } {
  assert.ok(registry !== undefined);
  return { registry, auth: { username: registry.username, password: registry.password, serveraddress: registry.address } };
}

/** An image with a layer of its own (moor/busybox's layer exists locally, so a pull would skip it). */
async function importUniqueImage(tag: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'moor-image-'));
  try {
    await writeFile(join(dir, 'unique.txt'), `${tag} ${Date.now()}\n`);
    await execute('sh', ['-c', `tar -C "${dir}" -c unique.txt | docker import -c 'LABEL io.moor.test=${run.runId}' - "${tag}"`]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

before(async () => {
  registry = await startLocalRegistry();
});

after(async () => {
  for (const tag of localTags) await run.engine.images.remove(tag, { force: true }).catch(() => undefined);
  await registry?.stop();
});

test('images are listed and inspected; a missing one is not-found', async () => {
  const images = await run.engine.images.list({ filters: { reference: TEST_IMAGE } });
  assert.equal(images.length, 1);
  assert.ok(images[0]?.RepoTags?.includes(TEST_IMAGE));
  const image = await run.engine.images.inspect(TEST_IMAGE);
  assert.equal(image.Id, images[0]?.Id);
  assert.equal(image.Config?.Labels?.['io.moor.test-image'], 'busybox');
  await assert.rejects(run.engine.images.inspect(`moor/missing-${run.runId}:none`), (err: unknown) => isEngineError(err, 'not-found'));
});

test('a pull with X-Registry-Auth from a registry that requires it streams progress, and the image can be removed', async () => {
  const { registry, auth } = useRegistry();
  const remote = await registry.push(TEST_IMAGE, `moor-${run.runId}/busybox:latest`);
  localTags.push(remote);
  const progress: PullProgress[] = [];
  await run.engine.images.pull(remote, { auth, onProgress: (p) => progress.push(p) });
  assert.match(progress[0]?.status ?? '', /^Pulling from moor-\w+\/busybox/);
  assert.match(progress.at(-1)?.status ?? '', /^Status: (Downloaded newer image|Image is up to date) for /);
  assert.equal((await run.engine.images.inspect(remote)).Id, (await run.engine.images.inspect(TEST_IMAGE)).Id);

  const removed = await run.engine.images.remove(remote);
  assert.ok(removed.some((item) => item.Untagged === remote));
  await assert.rejects(run.engine.images.inspect(remote), (err: unknown) => isEngineError(err, 'not-found'));
});

test('a pull without credentials, or with wrong ones, is refused as forbidden; the password appears nowhere', async () => {
  const { registry, auth } = useRegistry();
  const remote = await registry.push(TEST_IMAGE, `moor-${run.runId}/private:latest`);
  await assert.rejects(run.engine.images.pull(remote), (err: unknown) => isEngineError(err, 'forbidden'));
  await assert.rejects(run.engine.images.pull(remote, { auth: { ...auth, password: 'wrong-password' } }), (err: unknown) => {
    assert.ok(isEngineError(err, 'forbidden'));
    assert.doesNotMatch(`${err.message}${JSON.stringify(err)}`, /wrong-password|X-Registry-Auth/i);
    return true;
  });
});

test('pulling a tag the registry does not have is not-found', async () => {
  const { registry, auth } = useRegistry();
  await assert.rejects(run.engine.images.pull(`${registry.address}/moor-${run.runId}/nothing:here`, { auth }), (err: unknown) => isEngineError(err, 'not-found'));
});

test('a layer that fails mid-pull is reported inside the 200 stream, and becomes an EngineError', async () => {
  const { registry, auth } = useRegistry();
  const local = `moor-test/${run.runId}-broken:latest`;
  await importUniqueImage(local);
  localTags.push(local);
  const remote = await registry.push(local, `moor-${run.runId}/broken:latest`);
  await run.engine.images.remove(local);
  await registry.breakLayers(`moor-${run.runId}/broken`, 'latest');
  const progress: PullProgress[] = [];
  const stream = await run.engine.images.pullProgress(remote, { auth });
  await assert.rejects(
    (async () => {
      for await (const p of stream) progress.push(p);
    })(),
    (err: unknown) => {
      assert.ok(isEngineError(err));
      assert.equal(err.status, 200);
      assert.match(err.message, new RegExp(`POST /images/create failed \\(200\\): pull ${remote.replace(/[.]/g, '\\.')}: `));
      return true;
    },
  );
  assert.ok(progress.length > 0, 'progress came before the error');
});
