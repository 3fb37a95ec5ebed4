// A rollout Swarm rolled back under `moor watch`, against the real Engine: recorded on the service
// (as `apply --wait` records it), so that neither unrelated drift nor a restart of the watcher sends
// the failing spec again, while the drift is still repaired.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LABEL_FAILED_SPEC } from '../../src/model/labels.js';
import { useProject } from '../support/project.js';
import { sleeper, WatchProcess } from '../support/watch.js';

const run = useProject('wr');

function manifest(project: string, command: string): string {
  return `project: ${project}
containers:
${sleeper('worker')}services:
  api:
    image: moor/busybox:latest
    command: ${command}
    replicas: 2
    stop_grace_period: 1s
    update_config: { failure_action: rollback, monitor: 3s }
`;
}

describe('moor watch and a rollout Swarm rolled back', () => {
  test('the rolled-back spec is recorded and held back; drift is repaired without sending it, and a restarted watcher holds it too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-watch-'));
    const file = join(dir, 'moor.yaml');
    writeFileSync(file, manifest(run.project, '["sleep", "3600"]'));
    const env = { MOOR_LOCK_DIR: join(dir, '.locks') };
    let watch = new WatchProcess(['--interval', '5m'], { cwd: dir, env });
    assert.equal((await watch.nextCycle('the first cycle'))['result'], 'ok', watch.output);

    writeFileSync(file, manifest(run.project, '["sh", "-c", "sleep 1; exit 3"]'));
    const recorded = await watch.nextCycle('the record of the rollback', (r) => /Swarm rolled back the last update of service api: recorded/.test(String(r['note'])), 90_000);
    assert.equal(recorded['applied'], false, watch.output);
    assert.equal(recorded['result'], 'held', watch.output);
    const api = `${run.project}_api`;
    const held = await run.engine.services.inspect(api);
    assert.ok(held.Spec?.Labels?.[LABEL_FAILED_SPEC] !== undefined, 'the record is on the service');
    const version = held.Version?.Index;

    // docker stop worker: the plan differs, but only the worker is repaired.
    await run.engine.containers.stop(`${run.project}_worker`, { timeoutSeconds: 1 });
    const repaired = await watch.nextCycle('the repair of the worker', (r) => r['applied'] === true, 30_000);
    assert.equal((repaired['changes'] as string[]).length, 1, watch.output);
    assert.match(String(repaired['changes']), /^update container\/worker: the container is exited/);
    assert.equal((await run.engine.services.inspect(api)).Version?.Index, version, 'the failing spec was not sent again');
    assert.deepEqual(await watch.stop(), { code: 0, signal: null });

    watch = new WatchProcess(['--interval', '5m', '--listen', '127.0.0.1:0', '--unhealthy-after', '1'], { cwd: dir, env });
    const first = await watch.nextCycle('the first cycle after the restart');
    assert.equal(first['applied'], false, watch.output);
    assert.equal(first['changes'], undefined, watch.output);
    // Said as moor plan says it: never "no changes", and the warning is in the record.
    assert.equal(first['result'], 'held', watch.output);
    assert.equal(first['plan'], 'nothing to apply: 1 service held back (its last rollout was rolled back); see the warning');
    assert.match(String((first['warnings'] as string[] | undefined)?.[0]), /^service\/api: not updated: the last rollout of this exact spec was rolled back by Swarm/);
    const health = await fetch(`${await watch.address()}/healthz`);
    const body = (await health.json()) as Record<string, unknown>;
    assert.equal(health.status, 503, JSON.stringify(body));
    assert.equal(body['heldBack'], '1 service held back (its last rollout was rolled back); see the warning');
    assert.equal((await watch.metrics()).get('moor_services_held_back{reason="rolled_back"}'), 1);
    assert.equal((await run.engine.services.inspect(api)).Version?.Index, version, 'a restarted watcher does not send it either');
    assert.deepEqual(await watch.stop(), { code: 0, signal: null });
  });
});
