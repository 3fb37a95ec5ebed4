import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DesiredContainer } from '../../src/model/desired.js';
import { buildPlan, DEFAULT_PLAN_OPTIONS } from '../../src/plan/build.js';
import { planFingerprint } from '../../src/watch/flap.js';
import { ctr, emptyObserved, project, sequentialIds } from '../support/model.js';

test('plans that differ only in an environment value shown as "(sensitive)" are different plans to the flap guard', () => {
  const plan = (password: string) => {
    const web: DesiredContainer = { ...ctr('web', { environment: { PASSWORD: password } }), sensitiveEnvironment: ['PASSWORD'] };
    return buildPlan(project({ containers: [web] }), emptyObserved(), { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds() });
  };
  const [a, b] = [plan('old-pw'), plan('new-pw')];
  assert.deepEqual(a.changes, b.changes, 'the changes read the same');
  assert.notEqual(planFingerprint(a), planFingerprint(b));
  assert.equal(planFingerprint(plan('old-pw')), planFingerprint(a));
});
