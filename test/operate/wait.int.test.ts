// moor apply --wait against the real Engine: health gating, a rollout Swarm rolls back (reported,
// recorded, and not sent again), a healthy stack.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LABEL_FAILED_SPEC } from '../../src/model/labels.js';
import { runMoor, type CliResult } from '../support/cli.js';
import { useProject } from '../support/project.js';

const run = useProject('wait');

function projectDir(manifest: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'moor-wait-'));
  writeFileSync(join(dir, 'moor.yaml'), manifest);
  return dir;
}
const moor = (dir: string, ...args: string[]) => runMoor(args, { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });
const all = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

/** A service that rolls back by itself, quickly: Swarm watches new tasks for 1 s. */
function rollingService(project: string, command: string): string {
  return `project: ${project}
services:
  api:
    image: moor/busybox:latest
    command: ${command}
    replicas: 1
    stop_grace_period: 1s
    update_config: { failure_action: rollback, monitor: 1s, delay: 1s }
    rollback_config: { monitor: 1s }
`;
}

describe('moor apply --wait', { concurrency: true }, () => {
  test('a rollout Swarm rolls back fails with its reason and the task errors, and the next apply does not send it again', async () => {
    const name = run.newProject();
    const dir = projectDir(rollingService(name, '["sleep", "3600"]'));
    const created = await moor(dir, 'apply', '--yes', '--wait', '--wait-timeout', '60s');
    assert.equal(created.code, 0, all(created));
    assert.match(created.stdout, /Converged: 1 object running as the manifest says/);

    writeFileSync(join(dir, 'moor.yaml'), rollingService(name, '["sh", "-c", "exit 1"]'));
    const failed = await moor(dir, 'apply', '--yes', '--wait', '--wait-timeout', '90s');
    assert.equal(failed.code, 1, all(failed));
    assert.match(failed.stderr, /moor: error: the rollout failed: 1 of 1 object did not converge/);
    assert.match(failed.stderr, /service api: rolled back: Swarm rolled the update back: update rolled back due to failure or early termination of task \w+/);
    assert.match(failed.stderr, /task \w+ \(slot 1\) failed: task: non-zero exit \(1\), exit code 1/);
    assert.match(failed.stderr, /moor recorded this spec as rolled back/);
    const live = await run.engine.services.inspect(`${name}_api`);
    assert.deepEqual(live.Spec.TaskTemplate.ContainerSpec?.Args, ['sleep', '3600'], 'Swarm put the previous spec back');
    assert.match(live.Spec.Labels?.[LABEL_FAILED_SPEC] ?? '', /^[0-9a-f]{64}$/);

    // The next apply leaves the service alone: no update is sent, and it says why.
    const again = await moor(dir, 'apply', '--yes');
    assert.equal(again.code, 0, all(again));
    assert.match(again.stdout, /service\/api: not updated: the last rollout of this exact spec was rolled back by Swarm: update rolled back due to failure/);
    assert.equal((await run.engine.services.inspect(`${name}_api`)).Version.Index, live.Version.Index);
    // With --wait it is a failure: the manifest is not what runs.
    const waited = await moor(dir, 'apply', '--yes', '--wait');
    assert.equal(waited.code, 1);
    assert.match(waited.stderr, /service api: not updated: the last rollout of this exact spec was rolled back by Swarm: update rolled back due to failure/);
    // --retry-failed would send it again.
    const retry = await moor(dir, 'plan', '--json', '--retry-failed');
    assert.deepEqual((JSON.parse(retry.stdout) as { changes: { name: string; action: string }[] }).changes.map((c) => `${c.action} ${c.name}`), ['update api']);
  });

  test('a healthy stack converges: containers healthy, replicated and global services with all their tasks running', async () => {
    const name = run.newProject();
    const ready = '["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 3600"]';
    const check = '{ test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, retries: 30 }';
    const dir = projectDir(`project: ${name}
containers:
  db: { image: moor/busybox:latest, command: ${ready}, init: true, healthcheck: ${check} }
  app: { image: moor/busybox:latest, command: ["sleep", "3600"], init: true, depends_on: { db: { condition: service_healthy } } }
services:
  api:
    image: moor/busybox:latest
    command: ${ready}
    replicas: 2
    stop_grace_period: 1s
    healthcheck: ${check}
    update_config: { monitor: 1s }
  agent:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    mode: global
    stop_grace_period: 1s
    update_config: { monitor: 1s }
`);
    const r = await moor(dir, 'apply', '--yes', '--wait', '--wait-timeout', '2m');
    assert.equal(r.code, 0, all(r));
    assert.match(r.stdout, /Waiting for 4 objects to converge \(at most 2m\)/);
    for (const line of [/ok +container db: running, healthy/, /ok +container app: running/, /ok +service api: 2\/2 tasks running/, /ok +service agent: 1\/1 task running/]) assert.match(r.stdout, line);
    assert.match(r.stdout, /Converged: 4 objects running as the manifest says/);
    const tasks = await run.engine.tasks.list({ filters: { service: [`${name}_api`], 'desired-state': ['running'] } });
    assert.deepEqual(tasks.map((t) => t.Status.State), ['running', 'running']);
  });

  test('a depends_on service_healthy starts the dependant only after its dependency turned healthy', async () => {
    const name = run.newProject();
    const dir = projectDir(`project: ${name}
containers:
  db:
    image: moor/busybox:latest
    command: ["sh", "-c", "sleep 2; touch /tmp/ready; exec sleep 3600"]
    init: true
    healthcheck: { test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, retries: 30 }
  app:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    init: true
    depends_on: { db: { condition: service_healthy } }
`);
    const r = await moor(dir, 'apply', '--yes', '--wait');
    assert.equal(r.code, 0, all(r));
    const db = await run.engine.containers.inspect(`${name}_db`);
    const app = await run.engine.containers.inspect(`${name}_app`);
    const log = (db.State.Health?.['Log'] ?? []) as { End: string; ExitCode: number }[];
    const firstHealthy = log.findIndex((entry) => entry.ExitCode === 0);
    // The log keeps the last 5 checks: it must still show a failing one before the first success.
    assert.ok(firstHealthy > 0, `the health log shows the transition: ${JSON.stringify(log)}`);
    const healthyAt = Date.parse(log[firstHealthy]?.End ?? '');
    const appStarted = Date.parse(app.State.StartedAt ?? '');
    assert.ok(appStarted > healthyAt, `app started at ${app.State.StartedAt}, db turned healthy at ${log[firstHealthy]?.End}`);
    assert.ok(Date.parse(db.State.StartedAt ?? '') < healthyAt);
  });
});
