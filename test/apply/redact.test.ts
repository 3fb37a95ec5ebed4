import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactError, redactingErrors } from '../../src/apply/redact.js';
import { project, secret } from '../support/model.js';
import type { Step } from '../../src/plan/steps.js';

const step = { key: 'container/web:start', object: 'container/web', after: [], op: 'container.start', engineName: 'shop_web' } as Step;

test('an error along its causes loses the secrets it quotes, and keeps its class', async () => {
  const desired = project({ secrets: [secret('pw', 'hunter22\n')] });
  class EngineLike extends Error {}
  const cause = new Error('user hunter22 unknown');
  const runner = redactingErrors(async () => {
    throw new EngineLike('start failed: unable to find user hunter22', { cause });
  }, desired);
  await assert.rejects(runner(step, new AbortController().signal), (err: unknown) => {
    assert.ok(err instanceof EngineLike);
    assert.equal(err.message, 'start failed: unable to find user (sensitive)');
    assert.ok(!String(err.stack).includes('hunter22'));
    assert.equal(cause.message, 'user (sensitive) unknown');
    return true;
  });
});

test('an error whose message has no setter (a DOMException, the reason of an abort) stays the real error', async () => {
  const desired = project({ secrets: [secret('pw', 'hunter22')] });
  const abort = new DOMException('This operation was aborted', 'AbortError');
  const runner = redactingErrors(async () => {
    throw new Error('request cancelled', { cause: abort });
  }, desired);
  await assert.rejects(runner(step, new AbortController().signal), /^Error: request cancelled$/);
  const quoting = new DOMException('no user hunter22', 'NotFoundError');
  redactError(quoting, ['hunter22']);
  assert.equal(quoting.message, 'no user (sensitive)');
});
