import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StepOutcome, StepStatus } from '../../src/apply/execute.js';
import { INTERRUPTED_GRACE_S, replacementsToUndo, undoReplacement, verifyReplacements } from '../../src/apply/replacements.js';
import type { EngineClient } from '../../src/engine/client.js';
import { EngineError } from '../../src/engine/errors.js';
import { LABEL_PROJECT, LABEL_REPLACES } from '../../src/model/labels.js';
import type { ContainerReplacement } from '../../src/plan/steps.js';
import { buildPlan, DEFAULT_PLAN_OPTIONS, type Plan } from '../../src/plan/build.js';
import { ctr, net, observeAsApplied, project, sequentialIds } from '../support/model.js';

/** web is replaced (its environment changed); db is created. */
function replacingPlan(): Plan {
  const before = project({ networks: [net('default')], containers: [ctr('web')] });
  const after = project({ networks: [net('default')], containers: [ctr('web', { environment: { A: '1' } }), ctr('db')] });
  return buildPlan(after, observeAsApplied(before), { ...DEFAULT_PLAN_OPTIONS, newId: sequentialIds('n') });
}

/** Every step done, except those named (key suffix -> status). */
function outcomes(plan: Plan, statuses: Record<string, StepStatus>): StepOutcome[] {
  return plan.steps.map((step) => ({ step, status: statuses[step.key.slice(step.key.indexOf(':') + 1)] ?? 'done', durationMs: 0 }));
}

describe('replaced containers', () => {
  test('verifying: the previous container is removed only after the new one was seen running as the manifest says', () => {
    const plan = replacingPlan();
    const steps = verifyReplacements(plan.steps);
    assert.equal(steps.length, plan.steps.length + 1);
    const verify = steps.find((s) => s.key === 'container/web:verify');
    assert.ok(verify?.op === 'container.wait' && verify.condition === 'converged' && verify.engineName === 'shop_web');
    assert.deepEqual(verify.after, ['container/web:start']);
    const removal = steps.find((s) => s.key === 'container/web:remove-old');
    assert.ok(removal !== undefined && removal.after.includes('container/web:verify'));
    assert.ok(steps.indexOf(verify) < steps.indexOf(removal));
    // Nothing else changes: db's steps are the plan's.
    assert.deepEqual(steps.filter((s) => s.object === 'container/db'), plan.steps.filter((s) => s.object === 'container/db'));
  });

  test('undone: when a step between the create and the removal failed, or a wait the start waited for', () => {
    const plan = replacingPlan();
    for (const failed of ['stop-old', 'rename-old', 'rename', 'start']) {
      const chain = ['stop-old', 'rename-old', 'rename', 'start', 'remove-old'];
      const statuses: Record<string, StepStatus> = { [failed]: 'failed' };
      for (const later of chain.slice(chain.indexOf(failed) + 1)) statuses[later] = 'skipped';
      const undo = replacementsToUndo(outcomes(plan, statuses), false);
      assert.deepEqual(undo.map((u) => `${u.object} ${u.replacement.engineName}`), ['container/web shop_web'], `after a failed ${failed}`);
    }
  });

  test('not undone: a replacement that was not created, whose removal itself failed, or that succeeded', () => {
    const plan = replacingPlan();
    const skippedAll = { create: 'failed', 'stop-old': 'skipped', 'rename-old': 'skipped', rename: 'skipped', start: 'skipped', 'remove-old': 'skipped' } as const;
    assert.deepEqual(replacementsToUndo(outcomes(plan, skippedAll), false), [], 'the create failed: the old container was never touched');
    assert.deepEqual(replacementsToUndo(outcomes(plan, { 'remove-old': 'failed' }), false), [], 'the new container runs; the old one stays aside');
    assert.deepEqual(replacementsToUndo(outcomes(plan, {}), false), []);
    assert.deepEqual(replacementsToUndo(outcomes(plan, { start: 'cancelled', 'remove-old': 'cancelled' }), false), [], 'cancelled steps without an interruption: not ours to undo');
  });

  test('interrupted (Ctrl-C, SIGTERM): undone when the new container was left unstarted, so that the previous one runs again; left as it is once the new one started', () => {
    const plan = replacingPlan();
    const undone = (statuses: Record<string, StepStatus>): string[] => replacementsToUndo(outcomes(plan, statuses), true).map((u) => u.object);
    assert.deepEqual(undone({ start: 'cancelled', 'remove-old': 'cancelled' }), ['container/web'], 'stopped and aside, the new one not started');
    assert.deepEqual(undone({ rename: 'cancelled', start: 'cancelled', 'remove-old': 'cancelled' }), ['container/web']);
    assert.deepEqual(undone({ 'stop-old': 'cancelled', 'rename-old': 'cancelled', rename: 'cancelled', start: 'cancelled', 'remove-old': 'cancelled' }), ['container/web'], 'only created: the new one goes');
    assert.deepEqual(undone({ start: 'failed', 'remove-old': 'skipped' }), ['container/web'], 'a start that failed as the run was interrupted');
    assert.deepEqual(undone({ 'remove-old': 'cancelled' }), [], 'the new one runs: the previous one, aside, is a leftover for the next plan');
    assert.deepEqual(undone({ 'remove-old': 'skipped' }), ['container/web'], 'started, then failed its verification (the removal skipped): undone as in any run');
    assert.deepEqual(undone({ create: 'cancelled', 'stop-old': 'cancelled', 'rename-old': 'cancelled', rename: 'cancelled', start: 'cancelled', 'remove-old': 'cancelled' }), [], 'nothing was created');
  });
});

/** An Engine with the new container running under the name and the previous one aside, stopped; records the calls. */
function swappedEngine(calls: string[]): EngineClient {
  const containers: Record<string, unknown> = {
    shop_web: { Id: 'new1', Name: '/shop_web', State: { Running: true }, Config: { Labels: { [LABEL_PROJECT]: 'shop', [LABEL_REPLACES]: 'old1' } } },
    old1: { Id: 'old1', Name: '/shop_web_old', State: { Running: false }, Config: { Labels: { [LABEL_PROJECT]: 'shop' } } },
  };
  const notFound = new EngineError({ kind: 'not-found', endpoint: 'unix:///x.sock', method: 'GET', path: '/containers/x/json', status: 404, engineMessage: 'no such container', reason: 'no such container' });
  return {
    containers: {
      inspect: async (name: string) => {
        const c = containers[name];
        if (c === undefined) throw notFound;
        return c;
      },
      stop: async (id: string, options: { timeoutSeconds?: number }) => void calls.push(`stop ${id} ${String(options.timeoutSeconds)}`),
      remove: async (id: string) => void calls.push(`remove ${id}`),
      rename: async (id: string, name: string) => void calls.push(`rename ${id} ${name}`),
      start: async (id: string) => void calls.push(`start ${id}`),
    },
  } as unknown as EngineClient;
}

describe('putting a replaced container back', () => {
  const r: ContainerReplacement = { engineName: 'shop_web', temporaryName: 'shop_web_new', previousName: 'shop_web_old', previousId: 'old1', previousRunning: true, stopTimeout: 30e9 };

  test('the new container gets its own grace period; interrupted (a shutdown), at most a second: it is abandoned', async () => {
    const calls: string[] = [];
    await undoReplacement(swappedEngine(calls), 'shop', r);
    assert.deepEqual(calls, ['stop new1 30', 'remove new1', 'rename old1 shop_web', 'start old1']);
    const hurried: string[] = [];
    await undoReplacement(swappedEngine(hurried), 'shop', r, INTERRUPTED_GRACE_S);
    assert.deepEqual(hurried, ['stop new1 1', 'remove new1', 'rename old1 shop_web', 'start old1']);
  });
});
