import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitProgress } from '../../src/cli/wait-output.js';
import type { TargetStatus } from '../../src/operate/wait.js';

const target = (name: string) => ({ kind: 'service' as const, name, engineName: `shop_${name}`, action: 'update' as const, specHash: null });
const status = (name: string, phase: TargetStatus['phase'], summary: string, reason: string | null = null): TargetStatus => ({ target: target(name), phase, summary, reason, details: [], rollback: null });

describe('apply --wait progress', () => {
  test('on a terminal, the block of lines is rewritten in place, each cut to the width', () => {
    const writes: string[] = [];
    const progress = waitProgress({ isTTY: true, columns: 40, write: (s: string) => writes.push(s) } as never, false);
    progress([status('api', 'pending', '0/2 tasks running', 'last task error: task abc failed: a long message that does not fit'), status('db', 'settling', '1/1 task running')]);
    progress([status('api', 'converged', '2/2 tasks running'), status('db', 'converged', '1/1 task running')]);
    assert.equal(writes.length, 2);
    assert.ok(!writes[0]?.startsWith('\u001b[2F'));
    assert.ok(writes[1]?.startsWith('\u001b[2F'), 'moves back to the first line of the block');
    const lines = (writes[0] ?? '').split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 2);
    for (const l of lines) assert.ok(l.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').length < 40, `too wide: ${l}`);
    assert.match(writes[1] ?? '', /ok +service api: 2\/2 tasks/);
  });

  test('a terminal that does not know its width (columns 0) still gets whole lines', () => {
    let out = '';
    waitProgress({ isTTY: true, columns: 0, write: (s: string) => (out += s) } as never, false)([status('api', 'pending', '0/2 tasks running')]);
    assert.match(out, /waiting +service api: 0\/2 tasks running\n$/);
  });

  test('elsewhere, one plain line each time an object\'s state changes', () => {
    let out = '';
    const progress = waitProgress({ write: (s: string) => (out += s) }, true);
    progress([status('api', 'pending', '0/2 tasks running')]);
    progress([status('api', 'pending', '0/2 tasks running')]);
    progress([status('api', 'failed', 'rolled back', 'Swarm rolled the update back: update rolled back due to failure')]);
    assert.equal(out, '  waiting  service api: 0/2 tasks running\n  FAILED   service api: rolled back; Swarm rolled the update back: update rolled back due to failure\n');
  });
});
