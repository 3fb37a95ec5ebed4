import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { isEngineError } from '../../src/engine/index.js';
import { TEST_IMAGE, collectLogs, useEngineRun, waitFor } from '../support/engine.js';

const run = useEngineRun();

async function createSleeper(suffix: string, extra: { Cmd?: string[]; Tty?: boolean } = {}): Promise<string> {
  const { id } = await run.engine.containers.create(
    { Image: TEST_IMAGE, Cmd: extra.Cmd ?? ['sleep', '300'], Tty: extra.Tty ?? false, Labels: run.labels, StopSignal: 'SIGKILL' },
    { name: run.name(suffix) },
  );
  return id;
}

test('a created container is listed by label only with all=true until it starts', async () => {
  const id = await createSleeper('lifecycle');
  const stopped = await run.engine.containers.list({ filters: run.filter });
  assert.equal(stopped.some((c) => c.Id === id), false);
  const all = await run.engine.containers.list({ all: true, filters: run.filter });
  assert.equal(all.find((c) => c.Id === id)?.State, 'created');

  await run.engine.containers.start(id);
  await run.engine.containers.start(id); // already running: the Engine answers 304, not an error
  const inspected = await run.engine.containers.inspect(id);
  assert.equal(inspected.State.Running, true);
  assert.equal(inspected.Name, `/${run.name('lifecycle')}`);
  assert.equal(inspected.Config.Labels?.['io.moor.test'], run.runId);

  await run.engine.containers.stop(id, { timeoutSeconds: 1 });
  await run.engine.containers.stop(id, { timeoutSeconds: 1 }); // already stopped: 304
  assert.equal((await run.engine.containers.inspect(id)).State.Running, false);

  await run.engine.containers.remove(id, { force: true, volumes: true });
  await assert.rejects(run.engine.containers.inspect(id), (err: unknown) => isEngineError(err, 'not-found'));
});

test('inspecting a missing container fails with kind not-found, naming endpoint, method and path', async () => {
  await assert.rejects(run.engine.containers.inspect(`missing-${run.runId}`), (err: unknown) => {
    assert.ok(isEngineError(err, 'not-found'));
    assert.equal(err.status, 404);
    assert.equal(err.method, 'GET');
    assert.equal(err.path, `/containers/missing-${run.runId}/json`);
    assert.match(err.message, /^Engine at unix:\/\/\/var\/run\/docker\.sock: GET \/containers\/missing-\w+\/json failed \(404\): No such container/);
    return true;
  });
});

test('creating a container under a taken name fails with kind conflict', async () => {
  await createSleeper('taken');
  await assert.rejects(createSleeper('taken'), (err: unknown) => {
    assert.ok(isEngineError(err, 'conflict'));
    assert.equal(err.status, 409);
    assert.match(err.engineMessage ?? '', /is already in use by container/);
    return true;
  });
});

test('kill, wait and rename report what the container did', async () => {
  const id = await createSleeper('killme');
  await run.engine.containers.start(id);
  const waiting = run.engine.containers.wait(id, { condition: 'not-running', signal: AbortSignal.timeout(20_000) });
  await run.engine.containers.kill(id, { signal: 'SIGKILL' });
  const result = await waiting;
  assert.equal(result.StatusCode, 137);
  await assert.rejects(run.engine.containers.kill(id), (err: unknown) => isEngineError(err, 'conflict'));

  await run.engine.containers.rename(id, run.name('renamed'));
  assert.equal((await run.engine.containers.inspect(id)).Name, `/${run.name('renamed')}`);
});

test('update changes resources and the restart policy in place', async () => {
  const id = await createSleeper('update');
  const { warnings } = await run.engine.containers.update(id, { Memory: 64 * 1024 * 1024, MemorySwap: -1, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } });
  assert.ok(Array.isArray(warnings));
  const host = (await run.engine.containers.inspect(id)).HostConfig;
  assert.equal(host.Memory, 64 * 1024 * 1024);
  assert.deepEqual({ Name: host.RestartPolicy?.Name, MaximumRetryCount: host.RestartPolicy?.MaximumRetryCount }, { Name: 'on-failure', MaximumRetryCount: 3 });
});

test('logs of a non-TTY container are split into stdout and stderr', async () => {
  const id = await createSleeper('logs', { Cmd: ['sh', '-c', 'echo out-1; echo err-1 >&2; echo out-2; echo err-2 >&2'] });
  await run.engine.containers.start(id);
  await run.engine.containers.wait(id, { signal: AbortSignal.timeout(20_000) });
  const logs = await collectLogs(await run.engine.containers.logs(id));
  assert.equal(logs.stdout, 'out-1\nout-2\n');
  assert.equal(logs.stderr, 'err-1\nerr-2\n');
  const onlyErr = await collectLogs(await run.engine.containers.logs(id, { stdout: false }));
  assert.deepEqual(onlyErr, { stdout: '', stderr: 'err-1\nerr-2\n' });
  const last = await collectLogs(await run.engine.containers.logs(id, { tail: 1 }));
  assert.equal((last.stdout + last.stderr).split('\n').filter(Boolean).length, 1);
});

test('logs of a TTY container come raw, as stdout', async () => {
  const id = await createSleeper('tty', { Cmd: ['sh', '-c', 'echo tty-out; echo tty-err >&2'], Tty: true });
  await run.engine.containers.start(id);
  await run.engine.containers.wait(id, { signal: AbortSignal.timeout(20_000) });
  const logs = await collectLogs(await run.engine.containers.logs(id));
  assert.equal(logs.stderr, '');
  assert.match(logs.stdout, /tty-out\r?\n/);
  assert.match(logs.stdout, /tty-err\r?\n/);
});

test('following logs yields output as it comes and ends quietly when the signal fires', async () => {
  const id = await createSleeper('follow', { Cmd: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.1; done'] });
  await run.engine.containers.start(id);
  const controller = new AbortController();
  const stream = await run.engine.containers.logs(id, { follow: true, tty: false, signal: controller.signal });
  const seen: string[] = [];
  for await (const chunk of stream) {
    seen.push(chunk.data.toString());
    if (seen.join('').includes('line-3')) controller.abort();
  }
  assert.match(seen.join(''), /line-1\nline-2\nline-3\n/);
});

test('putArchive extracts a tar into the container, and the container reads it back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'moor-archive-'));
  try {
    await writeFile(join(dir, 'greeting.txt'), `hello from ${run.runId}\n`);
    const { stdout: tar } = await promisify(execFile)('tar', ['-C', dir, '-c', 'greeting.txt'], { encoding: 'buffer' });
    const id = await createSleeper('archive', { Cmd: ['cat', '/tmp/greeting.txt'] });
    await run.engine.containers.putArchive(id, '/tmp', tar);
    await run.engine.containers.start(id);
    const result = await run.engine.containers.wait(id, { signal: AbortSignal.timeout(20_000) });
    assert.equal(result.StatusCode, 0);
    assert.deepEqual(await collectLogs(await run.engine.containers.logs(id)), { stdout: `hello from ${run.runId}\n`, stderr: '' });
    await assert.rejects(run.engine.containers.putArchive(id, '/no/such/dir', tar), (err: unknown) => isEngineError(err, 'not-found'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a container is connected to and disconnected from a network, with aliases', async () => {
  const { id: network } = await run.engine.networks.create({ Name: run.name('net'), Labels: run.labels });
  const id = await createSleeper('netuser');
  await run.engine.containers.connectNetwork(id, network, { Aliases: ['moor-alias'] });
  await run.engine.containers.start(id);
  const attached = await waitFor('the endpoint', async () => (await run.engine.containers.inspect(id)).NetworkSettings.Networks?.[run.name('net')]);
  assert.ok(attached.Aliases?.includes('moor-alias'));
  await run.engine.containers.disconnectNetwork(id, network);
  assert.equal((await run.engine.containers.inspect(id)).NetworkSettings.Networks?.[run.name('net')], undefined);
});
