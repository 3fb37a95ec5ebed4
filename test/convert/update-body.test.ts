import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containerUpdateBody } from '../../src/convert/to-engine.js';

const MiB = 1024 * 1024;
const restart = { name: 'always', maxRetries: 0 } as const;

describe("the in-place update of a container's resources", () => {
  test('sends the swap limit with the memory limit, at twice it, as the Engine sets it at a create that gives only the memory limit', () => {
    assert.deepEqual(containerUpdateBody(restart, 256 * MiB, 5e8), {
      RestartPolicy: { Name: 'always', MaximumRetryCount: 0 },
      Memory: 256 * MiB,
      MemorySwap: 512 * MiB,
      NanoCpus: 5e8,
    });
  });

  test('leaves a limit the manifest does not set alone (the plan replaces a container whose limit must go)', () => {
    assert.deepEqual(containerUpdateBody(restart, null, null), { RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } });
  });
});
