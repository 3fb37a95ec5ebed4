import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPlan, DEFAULT_PLAN_OPTIONS } from '../../src/plan/build.js';
import { stepsForSaving } from '../../src/plan/saved.js';
import { stableStringify } from '../../src/model/hash.js';
import type { DesiredContainer, DesiredProject } from '../../src/model/desired.js';
import { ctr, emptyObserved, project, sequentialIds, svc } from '../support/model.js';

function desiredWith(password: string): DesiredProject {
  const web: DesiredContainer = { ...ctr('web', { environment: { MODE: 'prod', PASSWORD: password } }), sensitiveEnvironment: ['PASSWORD'] };
  return project({ containers: [web], services: [{ ...svc('api', { environment: { TOKEN: password } }), sensitiveEnvironment: ['TOKEN'] }] });
}

const saved = (desired: DesiredProject, seed: string): string =>
  stableStringify(stepsForSaving(buildPlan(desired, emptyObserved(), { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds() }).steps, desired, seed));

test('a saved plan holds salted fingerprints of the sensitive environment values, never the values; the same manifest and seed give the same steps', () => {
  const text = saved(desiredWith('hunter2-pw'), 'seed-1');
  assert.ok(!text.includes('hunter2'), text);
  assert.match(text, /"PASSWORD":"\(sensitive: [0-9a-f]{16}:[0-9a-f]{64}\)"/);
  assert.match(text, /"TOKEN":"\(sensitive: [0-9a-f]{16}:[0-9a-f]{64}\)"/);
  assert.match(text, /"MODE":"prod"/, 'values written in the manifest stay as they are');
  assert.equal(saved(desiredWith('hunter2-pw'), 'seed-1'), text, 'apply --plan makes the same of the same manifest');
  assert.notEqual(saved(desiredWith('hunter3-pw'), 'seed-1'), text, 'and tells a changed value apart');
  assert.notEqual(saved(desiredWith('hunter2-pw'), 'seed-2'), text, 'the salt comes from the seed: another plan, other fingerprints');
});
