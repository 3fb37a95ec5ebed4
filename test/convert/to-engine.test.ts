import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerUpdateBody } from '../../src/convert/to-engine.js';

test('an in-place memory limit carries a memory+swap limit of twice the memory, as a create gives, so the Engine takes it on a container that had none', () => {
  const restart = { name: 'always', maxRetries: 0 } as const;
  assert.deepEqual(containerUpdateBody(restart, 64 << 20, null), { RestartPolicy: { Name: 'always', MaximumRetryCount: 0 }, Memory: 64 << 20, MemorySwap: 128 << 20 });
  assert.deepEqual(containerUpdateBody(restart, null, 5e8), { RestartPolicy: { Name: 'always', MaximumRetryCount: 0 }, NanoCpus: 5e8 });
});
