// The watcher's pipeline asks for registry credentials before each apply, for the images the plan's
// steps need, and sends what it gets with the pulls (against an in-process Engine on a unix socket).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRegistryAuth } from '../../src/engine/auth.js';
import { EngineClient } from '../../src/engine/index.js';
import { buildPlan, DEFAULT_PLAN_OPTIONS } from '../../src/plan/build.js';
import { enginePipeline } from '../../src/watch/cycle.js';
import { startFakeEngine } from '../support/fake-engine.js';
import { ctr, emptyObserved, project, sequentialIds } from '../support/model.js';

test('the pipeline prepares credentials for the images the plan pulls, before the pull, and sends them', async () => {
  const fake = await startFakeEngine((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"status":"Status: Downloaded newer image for reg.io/app:1"}\r\n');
  });
  const engine = await EngineClient.connect({ env: {}, host: fake.host });
  try {
    const desired = project({ containers: [ctr('web', { image: 'reg.io/app:1' })] });
    const observed = emptyObserved();
    const full = buildPlan(desired, observed, { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds() });
    // Only the pull: the fake Engine answers nothing else.
    const plan = { ...full, steps: full.steps.filter((s) => s.op === 'image.pull') };
    assert.equal(plan.steps.length, 1);
    const auth = { username: 'u', password: 'p', serveraddress: 'reg.io' };
    const asked: (readonly string[])[] = [];
    const pipeline = enginePipeline(engine, {}, async (images) => {
      asked.push(images);
      assert.equal(fake.requests.filter((r) => r.url.includes('/images/create')).length, 0, 'before any pull');
      return (image) => (image.startsWith('reg.io/') ? auth : undefined);
    });
    const report = await pipeline.apply(desired, observed, plan, new AbortController().signal, () => undefined);
    assert.equal(report.ok, true);
    assert.deepEqual(asked, [['reg.io/app:1']]);
    const pull = fake.requests.find((r) => r.url.includes('/images/create'));
    assert.deepEqual(decodeRegistryAuth(String(pull?.headers['x-registry-auth'])), auth);
  } finally {
    await engine.close();
    await fake.close();
  }
});
