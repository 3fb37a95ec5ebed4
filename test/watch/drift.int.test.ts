// Drift repaired by the event path, long before the interval (5 min) would: `moor watch` as a user
// runs it, against the real Engine.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { waitFor } from '../support/engine.js';
import { useProject } from '../support/project.js';
import { sleeper, triggeredBy, WatchProcess } from '../support/watch.js';

const run = useProject('wd');

function projectDir(project: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'moor-watch-'));
  writeFileSync(join(dir, 'moor.yaml'), `project: ${project}
containers:
${sleeper('web')}services:
  api:
    image: moor/busybox:latest
    command: ["sleep", "3600"]
    replicas: 1
    stop_grace_period: 1s
`);
  return dir;
}

describe('moor watch repairs drift as soon as the Engine reports it', () => {
  test('a container removed by hand and a service scaled by hand are back within seconds (interval 5m)', async () => {
    const dir = projectDir(run.project);
    const watch = new WatchProcess(['--interval', '5m', '--listen', '127.0.0.1:0'], { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });
    const first = await watch.waitFor('the first cycle', (r) => r.msg === 'cycle');
    assert.equal(first['result'], 'ok', watch.output);
    assert.equal(first['applied'], true);

    // 1. docker rm -f, by hand.
    const web = `${run.project}_web`;
    const before = await run.engine.containers.inspect(web);
    let removedAt = Date.now();
    await run.engine.containers.remove(before.Id, { force: true });
    // Removed right after moor created it: the event may be taken as an echo, and then the
    // verification cycle after the settle window repairs it.
    const repaired = await watch.nextCycle('the repair of container/web', (r) => (triggeredBy(r, 'event') || triggeredBy(r, 'verify')) && r['applied'] === true, 20_000);
    const back = await waitFor('web running again', async () => {
      const c = await run.engine.containers.inspect(web).catch(() => undefined);
      return c?.State?.Running === true ? c : undefined;
    });
    const containerSeconds = (Date.now() - removedAt) / 1000;
    assert.notEqual(back.Id, before.Id);
    assert.equal(repaired['result'], 'ok');
    assert.equal(repaired['drift'], true);
    assert.deepEqual(repaired['changes'], ['create container/web: not found on the Engine']);
    assert.ok(containerSeconds < 10, `container back after ${containerSeconds}s`);

    // 2. docker service scale api=3, through the Engine API.
    const api = await run.engine.services.inspect(`${run.project}_api`);
    const spec = api.Spec;
    assert.ok(spec !== undefined && api.Version !== undefined);
    removedAt = Date.now();
    await run.engine.services.update(api.ID, api.Version.Index ?? 0, { ...spec, Mode: { Replicated: { Replicas: 3 } } });
    const reverted = await watch.nextCycle('the repair of service/api', (r) => triggeredBy(r, 'event') && r['applied'] === true, 20_000);
    const serviceSeconds = (Date.now() - removedAt) / 1000;
    assert.match(String(reverted['changes']), /update service\/api/);
    assert.equal((await run.engine.services.inspect(api.ID)).Spec?.Mode?.Replicated?.Replicas, 1);
    assert.ok(serviceSeconds < 10, `service reverted after ${serviceSeconds}s`);

    // moor's own writes did not start a loop: each apply is followed by one verification cycle
    // (its echoes settled), which finds nothing to do and so writes nothing.
    const verified = await watch.nextCycle('the verification after the service repair', (r) => triggeredBy(r, 'verify'), 15_000);
    assert.equal(verified['plan'], 'no changes');
    const cycles = watch.cycles();
    assert.deepEqual(cycles.filter((c) => c['applied'] === true).length, 3, watch.output);
    assert.ok(cycles.every((c) => c['applied'] === true || c['plan'] === 'no changes'), watch.output);
    assert.ok(cycles.length <= 6, watch.output);

    // The repairs are counted, by kind.
    const m = await watch.metrics();
    assert.equal(m.get('moor_drift_repairs_total{kind="container"}'), 1);
    assert.equal(m.get('moor_drift_repairs_total{kind="service"}'), 1);

    assert.deepEqual(await watch.stop(), { code: 0, signal: null });
    console.log(`container back in ${containerSeconds.toFixed(1)}s, service reverted in ${serviceSeconds.toFixed(1)}s`);
  });
});
