// Research A3: what the Engine or another tool set on a service and moor does not manage survives
// moor's updates. ForceUpdate (bumped by `docker service update --force`) is sent back as it is, so
// a change that does not touch the tasks (labels) restarts none of them.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { updateServiceByHand, waitFor } from '../support/engine.js';
import { moorIn, outputOf, useTrustRun } from '../support/trust.js';

const run = useTrustRun('idem');

describe('a network whose configuration changes (research A8)', { timeout: 180_000 }, () => {
  test('is recreated with its containers disconnected and reconnected: the containers keep their ids, the next plan is empty', async () => {
    const project = run.newProject();
    const dir = mkdtempSync(join(tmpdir(), 'moor-trust-idem-'));
    const manifest = (tier: string): void =>
      writeFileSync(join(dir, 'moor.yaml'), `project: ${project}\nnetworks:\n  back: { labels: { tier: ${tier} } }\ncontainers:\n  db: { image: moor/busybox:latest, command: ["sleep", "3600"], init: true, networks: [back] }\n`);
    manifest('a');
    assert.equal((await moorIn(dir, ['apply', '--yes'])).code, 0);
    const d = run.direct;
    const before = await d.containers.inspect(`${project}_db`);
    const oldNetwork = (await d.networks.inspect(`${project}_back`)).Id;
    manifest('b');
    const r = await moorIn(dir, ['apply', '--yes']);
    assert.equal(r.code, 0, outputOf(r));
    assert.match(r.stdout, /-\/\+ network back \(\S+\): labels changed/);
    const after = await d.containers.inspect(`${project}_db`);
    assert.equal(after.Id, before.Id, 'the container was not recreated');
    assert.equal(after.State.Running, true);
    const network = await d.networks.inspect(`${project}_back`);
    assert.notEqual(network.Id, oldNetwork);
    assert.equal(network.Labels?.tier, 'b');
    assert.ok(Object.keys(after.NetworkSettings.Networks ?? {}).includes(`${project}_back`), 'reconnected to the new network');
    assert.equal((await moorIn(dir, ['plan', '--detailed-exitcode'])).code, 0);
  });
});

describe('moor keeps what it does not manage (research A3)', { timeout: 180_000 }, () => {
  test('a service redeployed with --force keeps its ForceUpdate through a label change, and its tasks are not restarted', async () => {
    const project = run.newProject();
    const dir = mkdtempSync(join(tmpdir(), 'moor-trust-idem-'));
    const manifest = (tier: string): void =>
      writeFileSync(join(dir, 'moor.yaml'), `project: ${project}\nservices:\n  api: { image: moor/busybox:latest, command: ["sleep", "3600"], stop_grace_period: 1s, replicas: 2, labels: { tier: ${tier} } }\n`);
    manifest('web');
    assert.equal((await moorIn(dir, ['apply', '--yes', '--wait'])).code, 0);
    const name = `${project}_api`;
    const d = run.direct;
    // `docker service update --force`: ForceUpdate goes up, and Swarm replaces every task.
    const live = await d.services.inspect(name);
    const running = async (): Promise<string[] | undefined> => {
      const tasks = (await d.tasks.list({ filters: { service: [live.ID], 'desired-state': ['running'] } })).filter((t) => t.Status?.State === 'running');
      return tasks.length === 2 ? tasks.map((t) => t.ID).sort() : undefined;
    };
    const first = await waitFor('two tasks', running, 60_000);
    await updateServiceByHand(d, live.ID, (spec) => ({ ...spec, TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: 7 } }));
    const before = await waitFor('the forced redeploy to settle', async () => {
      const now = await running();
      return now !== undefined && !now.some((id) => first.includes(id)) ? now : undefined;
    }, 60_000);

    manifest('frontend');
    const r = await moorIn(dir, ['apply', '--yes']);
    assert.equal(r.code, 0, outputOf(r));
    assert.match(r.stdout, /~ service api \(\S+\): labels changed/);
    const after = await d.services.inspect(name);
    assert.equal(after.Spec.TaskTemplate.ForceUpdate, 7, 'the forced-update counter is sent back unchanged');
    assert.equal(after.Spec.Labels?.tier, 'frontend');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.deepEqual(await running(), before, 'the same two tasks still run: none was restarted');
    assert.equal((await moorIn(dir, ['plan', '--detailed-exitcode'])).code, 0, 'and ForceUpdate is not a difference');
  });
});
