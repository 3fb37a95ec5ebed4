// The library's public surface: exactly what src/index.ts means to export, nothing internal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as moor from '../src/index.js';
import { emptyObserved, observeAsApplied, project, svc } from './support/model.js';

describe('the library', () => {
  test('exports the pipeline, its helpers and its errors, and nothing else', () => {
    assert.deepEqual(Object.keys(moor).sort(), [
      'EngineClient',
      'EngineError',
      'LockError',
      'ManifestError',
      'MoorError',
      'PlanBlockedError',
      'StepError',
      'WaitFailedError',
      'acquireProjectLock',
      'apply',
      'connect',
      'emptyProject',
      'formatIssue',
      'isEngineError',
      'isMoorError',
      'loadManifest',
      'loadProject',
      'lockDirectory',
      'lockScope',
      'observe',
      'plan',
      'renderPlan',
      'renderPlanJson',
      'status',
      'waitForRollout',
    ]);
  });

  test('plan() needs no options, and renders as moor plan prints it', () => {
    const desired = project({ services: [svc('api')] });
    const planned = moor.plan(desired, emptyObserved());
    assert.deepEqual(planned.summary, { create: 1, update: 0, replace: 0, delete: 0 });
    assert.match(moor.renderPlan(planned), /^Plan for project shop: 1 to create/);
    assert.deepEqual(moor.plan(desired, observeAsApplied(desired)).changes, []);
  });

  test('planning an empty project removes everything the project owns', () => {
    const desired = project({ services: [svc('api')] });
    const planned = moor.plan(moor.emptyProject('shop'), observeAsApplied(desired));
    assert.deepEqual(planned.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['delete service/api']);
  });
});
