// Create-then-swap replacements of containers against the real Engine: the previous container is
// removed only once the new one has started (with --wait: runs as the manifest says), and is put
// back when the new one does not.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { undoReplacement } from '../../src/apply/replacements.js';
import { LABEL_PROJECT, LABEL_REPLACES } from '../../src/model/labels.js';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { MOOR_BIN, runMoor, type CliResult } from '../support/cli.js';
import { useProject } from '../support/project.js';

const run = useProject('swap');
const docker = promisify(execFile);

const moor = (dir: string, ...args: string[]) => runMoor(args, { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });
const all = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

function web(project: string, fields: { value: string; command?: string; check?: string; init?: boolean }): string {
  return `project: ${project}
containers:
  web:
    image: moor/busybox:latest
    command: ${fields.command ?? '["sleep", "3600"]'}
    init: ${String(fields.init ?? true)}
    stop_grace_period: 1s
    environment: { VERSION: "${fields.value}" }
    healthcheck: { test: ${fields.check ?? '["CMD", "true"]'}, interval: 1s, retries: 2 }
`;
}

/** Applies v1 (no wait) in a new folder; returns the folder and the container's id. */
async function deployed(project: string): Promise<{ dir: string; id: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'moor-swap-'));
  writeFileSync(join(dir, 'moor.yaml'), web(project, { value: '1' }));
  const first = await moor(dir, 'apply', '--yes');
  assert.equal(first.code, 0, all(first));
  return { dir, id: (await run.engine.containers.inspect(`${project}_web`)).Id };
}

async function projectContainers(project: string): Promise<{ id: string; name: string; state: string }[]> {
  const list = await run.engine.containers.list({ all: true, filters: { label: [`${LABEL_PROJECT}=${project}`] } });
  return list.map((c) => ({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), state: c.State }));
}

/** The previous container runs again under its name, unchanged, and nothing else is left. */
async function assertPutBack(project: string, previousId: string): Promise<void> {
  const live = await run.engine.containers.inspect(`${project}_web`);
  assert.equal(live.Id, previousId, 'the previous container holds the name again');
  assert.equal(live.State.Running, true);
  assert.ok(live.Config.Env?.includes('VERSION=1'), `the previous spec: ${JSON.stringify(live.Config.Env)}`);
  assert.deepEqual(await projectContainers(project), [{ id: previousId, name: `${project}_web`, state: 'running' }]);
}

describe('container replacement', { concurrency: true }, () => {
  test('apply --wait: a replacement that turns unhealthy is swapped back, and the previous container runs again', async () => {
    const name = run.newProject();
    const { dir, id } = await deployed(name);
    writeFileSync(join(dir, 'moor.yaml'), web(name, { value: '2', check: '["CMD", "false"]' }));
    const r = await moor(dir, 'apply', '--yes', '--wait', '--wait-timeout', '60s');
    assert.equal(r.code, 1, all(r));
    assert.match(r.stdout, new RegExp(`FAILED +wait for container ${name}_web to run as the manifest says: container ${name}_web does not run as the manifest says: running, unhealthy: its healthcheck fails`));
    assert.match(r.stdout, /skipped: remove previous container/);
    assert.match(r.stdout, new RegExp(`put back: container/web: the previous container \\(${id.slice(0, 12)}\\) is ${name}_web again, as before the apply`));
    await assertPutBack(name, id);
    // The manifest still says v2: the next plan replaces it again.
    const plan = await moor(dir, 'plan', '--json');
    assert.deepEqual((JSON.parse(plan.stdout) as { changes: { name: string; action: string }[] }).changes.map((c) => `${c.action} ${c.name}`), ['replace web']);
  });

  test('a replacement that cannot start is swapped back, also without --wait', async () => {
    const name = run.newProject();
    const { dir, id } = await deployed(name);
    // Without an init process, the Engine's start itself fails on a program that does not exist.
    writeFileSync(join(dir, 'moor.yaml'), web(name, { value: '2', command: '["/no/such/program"]', init: false }));
    const r = await moor(dir, 'apply', '--yes');
    assert.equal(r.code, 1, all(r));
    assert.match(r.stdout, new RegExp(`FAILED +start container ${name}_web: .*no/such/program`));
    assert.match(r.stdout, new RegExp(`put back: container/web: the previous container \\(${id.slice(0, 12)}\\) is ${name}_web again`));
    await assertPutBack(name, id);
  });

  test('apply --wait: the previous container is removed once the new one is healthy', async () => {
    const name = run.newProject();
    const { dir, id } = await deployed(name);
    writeFileSync(join(dir, 'moor.yaml'), web(name, { value: '2', command: '["sh", "-c", "sleep 2; touch /tmp/ready; exec sleep 3600"]', check: '["CMD", "test", "-f", "/tmp/ready"]' }));
    const r = await moor(dir, 'apply', '--yes', '--wait', '--wait-timeout', '60s');
    assert.equal(r.code, 0, all(r));
    const waiting = r.stdout.indexOf(`waiting for container ${name}_web to run as the manifest says`);
    const verified = r.stdout.indexOf(`ok      wait for container ${name}_web to run as the manifest says`);
    assert.ok(waiting > 0 && verified > waiting, `the wait is announced when it starts:\n${r.stdout}`);
    const removed = r.stdout.indexOf(`ok      remove previous container ${id.slice(0, 12)}_previous_${name}_web`);
    assert.ok(verified > 0 && removed > verified, `verified, then removed:\n${r.stdout}`);
    const live = await run.engine.containers.inspect(`${name}_web`);
    assert.notEqual(live.Id, id);
    assert.equal(live.State.Health?.Status, 'healthy');
    assert.deepEqual(await projectContainers(name), [{ id: live.Id, name: `${name}_web`, state: 'running' }]);
  });

  test('undoing touches nothing but the replacement moor made: a container of someone else under the name is left alone', async () => {
    const name = run.newProject();
    const engineName = `${name}_web`;
    const image = 'moor/busybox:latest';
    const previous = await run.engine.containers.create({ Image: image, Cmd: ['sleep', '3600'], Labels: { [LABEL_PROJECT]: name } }, { name: `${name}_previous_web` });
    const foreign = await run.engine.containers.create({ Image: image, Cmd: ['sleep', '3600'], Labels: { [LABEL_REPLACES]: previous.id } }, { name: engineName });
    try {
      await run.engine.containers.start(foreign.id);
      const replacement = { engineName, temporaryName: `tmp_${engineName}`, previousName: `${name}_previous_web`, previousId: previous.id, previousRunning: true, stopTimeout: null };
      await assert.rejects(undoReplacement(run.engine, name, replacement), new RegExp(`container ${engineName} is not the replacement moor made; it was left alone`));
      const still = await run.engine.containers.inspect(engineName);
      assert.equal(still.Id, foreign.id);
      assert.equal(still.State.Running, true);
      assert.equal((await run.engine.containers.inspect(previous.id)).Name, `/${name}_previous_web`, 'the previous container was not renamed over it');
    } finally {
      await run.engine.containers.remove(foreign.id, { force: true });
    }
  });

  test('--replace: an unchanged container is swapped for a new one and an unchanged service has its tasks restarted; plan --replace changes nothing; the next plan is empty', async () => {
    const name = run.newProject();
    const dir = mkdtempSync(join(tmpdir(), 'moor-swap-'));
    writeFileSync(join(dir, 'moor.yaml'), `${web(name, { value: '1' })}services:
  api:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    stop_grace_period: 1s
`);
    const first = await moor(dir, 'apply', '--yes', '--wait', '--wait-timeout', '60s');
    assert.equal(first.code, 0, all(first));
    const before = { container: (await run.engine.containers.inspect(`${name}_web`)).Id, service: await run.engine.services.inspect(`${name}_api`) };
    const runningTasks = async (): Promise<string[]> => (await run.engine.tasks.list({ filters: { service: [`${name}_api`], 'desired-state': ['running'] } })).map((t) => t.ID);
    const tasksBefore = await runningTasks();

    // Planned and saved, then applied from the file: the options are saved with the plan.
    const file = join(dir, 'replace.plan');
    const planned = await moor(dir, 'plan', '--replace', 'container/web', '--replace', 'service/api', '--detailed-exitcode', '--out', file);
    assert.equal(planned.code, 2, all(planned));
    assert.match(planned.stdout, /^-\/\+ container web \([^)]*\): replacement asked for \(--replace\)$/m, planned.stdout);
    assert.match(planned.stdout, /^~ service api \([^)]*\): every task is replaced \(--replace: Swarm restarts them following update_config\)$/m, planned.stdout);
    assert.equal((await run.engine.containers.inspect(`${name}_web`)).Id, before.container, 'plan changed nothing');
    assert.deepEqual((await run.engine.services.inspect(`${name}_api`)).Spec, before.service.Spec, 'plan changed nothing');

    const applied = await moor(dir, 'apply', '--plan', file, '--wait', '--wait-timeout', '60s');
    assert.equal(applied.code, 0, all(applied));
    const container = await run.engine.containers.inspect(`${name}_web`);
    assert.notEqual(container.Id, before.container, 'a new container');
    assert.equal(container.State.Running, true);
    assert.deepEqual((await projectContainers(name)).map((c) => c.name), [`${name}_web`], 'the previous container is gone');
    const service = await run.engine.services.inspect(`${name}_api`);
    assert.equal(service.ID, before.service.ID, 'the same service, updated (not recreated)');
    assert.equal(service.Spec?.TaskTemplate?.ForceUpdate, (before.service.Spec?.TaskTemplate?.ForceUpdate ?? 0) + 1);
    const tasksAfter = await runningTasks();
    assert.equal(tasksAfter.length, 1);
    assert.ok(!tasksBefore.includes(tasksAfter[0] as string), `a new task: ${tasksBefore.join(',')} -> ${tasksAfter.join(',')}`);

    // And straight away, without a saved plan.
    const direct = await moor(dir, 'apply', '--yes', '--replace', 'container/web');
    assert.equal(direct.code, 0, all(direct));
    assert.notEqual((await run.engine.containers.inspect(`${name}_web`)).Id, container.Id);

    const again = await moor(dir, 'plan', '--detailed-exitcode');
    assert.equal(again.code, 0, all(again));
  });

  test('Ctrl-C while a replacement waits for what it depends on: the previous container is put back, running, not left stopped aside', async () => {
    const name = run.newProject();
    const dir = mkdtempSync(join(tmpdir(), 'moor-swap-'));
    // web's start waits until db is healthy, which its replacement takes seconds to be.
    const manifest = (value: string): string => `project: ${name}
containers:
  db:
    image: moor/busybox:latest
    command: ["sh", "-c", "sleep 6; touch /tmp/ok; exec sleep 3600"]
    init: true
    stop_grace_period: 1s
    environment: { VERSION: "${value}" }
    healthcheck: { test: ["CMD", "test", "-f", "/tmp/ok"], interval: 1s, retries: 30 }
  web:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    init: true
    stop_grace_period: 1s
    environment: { VERSION: "${value}" }
    depends_on: { db: { condition: service_healthy } }
`;
    writeFileSync(join(dir, 'moor.yaml'), manifest('1'));
    const first = await moor(dir, 'apply', '--yes');
    assert.equal(first.code, 0, all(first));
    const webBefore = (await run.engine.containers.inspect(`${name}_web`)).Id;

    writeFileSync(join(dir, 'moor.yaml'), manifest('2'));
    const child = spawn(MOOR_BIN, ['apply', '--yes'], { cwd: dir, env: { PATH: process.env.PATH ?? '', MOOR_LOCK_DIR: join(dir, '.locks') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const interrupted = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`never waited for db:\n${out}`)), 60_000);
      const seen = (d: Buffer): void => {
        out += d.toString();
        // web's old container is stopped and aside once its rename is done; db's wait is on.
        if (!child.killed && /ok +rename container \S+_web/.test(out) && /waiting for container \S+_db/.test(out)) {
          clearTimeout(timer);
          child.kill('SIGINT');
          resolve();
        }
      };
      child.stdout.on('data', seen);
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    });
    assert.equal(await interrupted, 1, out);
    assert.match(out, /Apply interrupted: /, 'the wait cut short fails its step, but the run was interrupted');
    assert.match(out, /put back: container\/web: the previous container \([0-9a-f]{12}\) is \S+_web again/, out);
    const web = await run.engine.containers.inspect(`${name}_web`);
    assert.equal(web.Id, webBefore, 'the previous container has its name again');
    assert.equal(web.State.Running, true, 'and runs');
    assert.ok(web.Config.Env?.includes('VERSION=1'));
    assert.deepEqual((await projectContainers(name)).filter((c) => c.name.endsWith('_web')).map((c) => c.name), [`${name}_web`], 'the new one is gone');

    // The next apply does the replacement again, and converges.
    const again = await moor(dir, 'apply', '--yes');
    assert.equal(again.code, 0, all(again));
    assert.ok((await run.engine.containers.inspect(`${name}_web`)).Config.Env?.includes('VERSION=2'));
  });

  test('an anonymous volume keeps its data across a replacement (as docker compose up), and goes with destroy --volumes', async () => {
    const name = run.newProject();
    const dir = mkdtempSync(join(tmpdir(), 'moor-swap-'));
    const manifest = (value: string): string => `project: ${name}
containers:
  web:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    init: true
    stop_grace_period: 1s
    environment: { VERSION: "${value}" }
    volumes: ["/anon"]
`;
    writeFileSync(join(dir, 'moor.yaml'), manifest('1'));
    assert.equal((await moor(dir, 'apply', '--yes')).code, 0);
    const first = await run.engine.containers.inspect(`${name}_web`);
    const volume = (first.Mounts ?? []).find((m) => m['Destination'] === '/anon')?.['Name'];
    assert.match(String(volume), /^[0-9a-f]{64}$/);
    await docker('docker', ['exec', `${name}_web`, 'sh', '-c', 'echo keep > /anon/f']);

    writeFileSync(join(dir, 'moor.yaml'), manifest('2'));
    const replaced = await moor(dir, 'apply', '--yes');
    assert.equal(replaced.code, 0, all(replaced));
    const second = await run.engine.containers.inspect(`${name}_web`);
    assert.notEqual(second.Id, first.Id);
    assert.equal((second.Mounts ?? []).find((m) => m['Destination'] === '/anon')?.['Name'], volume, 'the same volume, taken over');
    assert.equal((await docker('docker', ['exec', `${name}_web`, 'cat', '/anon/f'])).stdout.trim(), 'keep');
    assert.equal((await moor(dir, 'plan', '--detailed-exitcode')).code, 0, 'no perpetual diff');

    const plannedDestroy = await moor(dir, 'destroy', '--volumes');
    assert.match(plannedDestroy.stdout, new RegExp(`anonymous volume at /anon \\(${String(volume).slice(0, 12)}\\): removed with the container`), all(plannedDestroy));
    const destroyed = await moor(dir, 'destroy', '--yes', '--volumes');
    assert.equal(destroyed.code, 0, all(destroyed));
    await assert.rejects(run.engine.volumes.inspect(String(volume)), /404|not found|no such volume/i, 'the anonymous volume went with its container');
  });

  test('a container replaced remove-first, around a recreated network, keeps the data of its anonymous volume', async () => {
    const name = run.newProject();
    const dir = mkdtempSync(join(tmpdir(), 'moor-swap-'));
    const manifest = (value: string, label: string): string => `project: ${name}
networks:
  n1: { labels: { rev: "${label}" } }
containers:
  db:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    init: true
    stop_grace_period: 1s
    networks: [n1]
    environment: { V: "${value}" }
    volumes: ["/data"]
`;
    writeFileSync(join(dir, 'moor.yaml'), manifest('1', '1'));
    assert.equal((await moor(dir, 'apply', '--yes')).code, 0);
    const volumeAt = async (): Promise<string> => String(((await run.engine.containers.inspect(`${name}_db`)).Mounts ?? []).find((m) => m['Destination'] === '/data')?.['Name']);
    const volume = await volumeAt();
    await docker('docker', ['exec', `${name}_db`, 'sh', '-c', 'echo precious > /data/f']);

    writeFileSync(join(dir, 'moor.yaml'), manifest('2', '2'));
    const planned = await moor(dir, 'plan');
    assert.ok(planned.stdout.includes('removed before the new one is created: a network or volume it uses is recreated'), all(planned));
    assert.ok(planned.stdout.includes(`anonymous volume at /data (${volume.slice(0, 12)}): carried over to the new container`), all(planned));
    const applied = await moor(dir, 'apply', '--yes');
    assert.equal(applied.code, 0, all(applied));
    assert.equal(await volumeAt(), volume, 'the same volume, taken over');
    assert.equal((await docker('docker', ['exec', `${name}_db`, 'cat', '/data/f'])).stdout.trim(), 'precious');
    assert.equal((await moor(dir, 'plan', '--detailed-exitcode')).code, 0, 'no perpetual diff');
    assert.equal((await moor(dir, 'destroy', '--yes', '--volumes')).code, 0);
    await assert.rejects(run.engine.volumes.inspect(volume), /404|not found|no such volume/i);
  });

  test("an image's VOLUME the manifest does not mount is carried over too, as the plan says; mounted by name instead, the old one is removed", async (t) => {
    const name = run.newProject();
    const image = `moor/busybox-vol:${name}`;
    await docker('docker', ['create', '--name', `${name}-base`, 'moor/busybox:latest']);
    try {
      await docker('docker', ['commit', '--change', 'VOLUME ["/vol"]', `${name}-base`, image]);
    } finally {
      await docker('docker', ['rm', `${name}-base`]);
    }
    t.after(async () => {
      await docker('docker', ['rmi', image]).catch(() => undefined);
    });
    const dir = mkdtempSync(join(tmpdir(), 'moor-swap-'));
    const manifest = (value: string, mount = ''): string => `project: ${name}
${mount === '' ? '' : 'volumes:\n  data: {}\n'}containers:
  web:
    image: ${image}
    command: ["sleep", "3600"]
    init: true
    stop_grace_period: 1s
    environment: { VERSION: "${value}" }
${mount}`;
    writeFileSync(join(dir, 'moor.yaml'), manifest('1'));
    assert.equal((await moor(dir, 'apply', '--yes')).code, 0);
    const volumeAt = async (): Promise<string> => String(((await run.engine.containers.inspect(`${name}_web`)).Mounts ?? []).find((m) => m['Destination'] === '/vol')?.['Name']);
    const volume = await volumeAt();
    assert.match(volume, /^[0-9a-f]{64}$/);
    await docker('docker', ['exec', `${name}_web`, 'sh', '-c', 'echo keep > /vol/f']);

    writeFileSync(join(dir, 'moor.yaml'), manifest('2'));
    const planned = await moor(dir, 'plan');
    assert.ok(planned.stdout.includes(`anonymous volume at /vol (${volume.slice(0, 12)}): carried over to the new container if image ${image} declares VOLUME /vol, else removed with the previous container`), all(planned));
    const replaced = await moor(dir, 'apply', '--yes');
    assert.equal(replaced.code, 0, all(replaced));
    assert.equal(await volumeAt(), volume, 'the same volume, taken over');
    assert.equal((await docker('docker', ['exec', `${name}_web`, 'cat', '/vol/f'])).stdout.trim(), 'keep');

    writeFileSync(join(dir, 'moor.yaml'), manifest('2', '    volumes: ["data:/vol"]\n'));
    const named = await moor(dir, 'plan');
    assert.ok(named.stdout.includes(`anonymous volume at /vol (${volume.slice(0, 12)}): removed with the previous container (the manifest mounts something else there)`), all(named));
    assert.match(named.stdout, /-\/\+ container web \(\S+\) DATA LOSS: /, 'the plan marks the loss');
    const moved = await moor(dir, 'apply', '--yes');
    assert.equal(moved.code, 0, all(moved));
    assert.notEqual(await volumeAt(), volume);
    await assert.rejects(run.engine.volumes.inspect(volume), /404|not found|no such volume/i, 'the anonymous volume went with the previous container');
    assert.equal((await moor(dir, 'destroy', '--yes', '--volumes')).code, 0);
  });
});
