import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DesiredContainer } from '../../src/model/desired.js';
import { buildPlan, DEFAULT_PLAN_OPTIONS } from '../../src/plan/build.js';
import { planFingerprint } from '../../src/watch/flap.js';
import { ctr, emptyObserved, net, observeAsApplied, project, secret, sequentialIds, svc } from '../support/model.js';

test('plans that differ only in an environment value shown as "(sensitive)" are different plans to the flap guard', () => {
  const desired = (password: string) => {
    const web: DesiredContainer = { ...ctr('web', { environment: { PASSWORD: password } }), sensitiveEnvironment: ['PASSWORD'] };
    return project({ containers: [web] });
  };
  const fingerprint = (password: string) => {
    const plan = buildPlan(desired(password), emptyObserved(), { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds() });
    return { plan, fingerprint: planFingerprint(plan, desired(password)) };
  };
  const [a, b] = [fingerprint('old-pw'), fingerprint('new-pw')];
  assert.deepEqual(a.plan.changes, b.plan.changes, 'the changes read the same');
  assert.notEqual(a.fingerprint, b.fingerprint);
  assert.equal(fingerprint('old-pw').fingerprint, a.fingerprint);
});

test('a secret rotation is the same plan to the flap guard whatever version names it draws, and another plan for another content', () => {
  const stack = (pw: string) =>
    project({
      networks: [net('backend', { driver: 'overlay' })],
      secrets: [secret('db_pw', pw)],
      services: [svc('api', { secrets: [{ source: 'db_pw', target: 'db_pw', uid: '0', gid: '0', mode: 0o400 }] })],
    });
  const observed = observeAsApplied(stack('hunter2'));
  const rotation = (pw: string, ids: string) => buildPlan(stack(pw), observed, { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds(ids) });
  const [a, again, other] = [rotation('hunter3', 'x'), rotation('hunter3', 'y'), rotation('hunter4', 'x')];
  assert.notDeepEqual(a.changes, again.changes, 'the new version names differ');
  assert.equal(planFingerprint(a, stack('hunter3')), planFingerprint(again, stack('hunter3')));
  assert.deepEqual(a.changes, other.changes, 'the changes read the same: the content is "(sensitive)"');
  assert.notEqual(planFingerprint(a, stack('hunter3')), planFingerprint(other, stack('hunter4')));
});
