// Research C5, A9: `moor apply` SIGKILLed at every step boundary. The v1 -> v2 plan of the trust
// scenario has 17 steps (creates of every kind, a create-then-swap replacement, a secret rotation,
// a service update, removals), one write each, run one at a time (--concurrency 1) by bin/moor
// through the fault proxy. For each k, the proxy parks the k-th write before it reaches the Engine
// and the test kills moor with SIGKILL: the Engine holds exactly the effects of writes 1..k-1.
// (Killing moor just *after* write k landed leaves the very same Engine state as killing it before
// write k+1: moor keeps no state of its own but the lock, so those cases are the same cases; the
// test adds the one that is not, after the last write, and three kills at the default concurrency,
// where other writes are in flight when the process dies.)
// Then a plain `moor apply` must converge (exit 0, taking over the dead process's lock), the next
// plan must be empty, and the inventory must be exactly the manifest's: no temporary container, no
// duplicate network, no orphaned secret version, nothing unlabelled under the project's names.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hold } from '../support/fault-proxy.js';
import { removeProject } from '../support/project.js';
import { assertConverged, moorIn, outputOf, startMoor, useTrustRun } from '../support/trust.js';

const run = useTrustRun('kill');

interface Kill {
  readonly k: number;
  readonly phase: 'before' | 'after';
  readonly concurrency: number;
}

/** Applies v1, then v2 through the proxy with the k-th write parked; kills moor there. */
async function killAt({ k, phase, concurrency }: Kill): Promise<{ project: string; dir: string; write: string }> {
  const s = run.scenario();
  const v1 = await moorIn(s.dir, ['apply', '--yes']);
  assert.equal(v1.code, 0, outputOf(v1));
  s.use(2);
  const proxy = await run.proxy();
  try {
    const rule = proxy.add({ method: 'write', on: k, fault: hold(phase) });
    const moor = startMoor(s.dir, ['apply', '--yes', '--concurrency', String(concurrency), '-H', proxy.host]);
    const held = await Promise.race([rule.held(), moor.done.then((r) => assert.fail(`moor finished before its write #${k}:\n${outputOf(r)}`))]);
    moor.child.kill('SIGKILL');
    const killed = await moor.done;
    assert.equal(killed.signal, 'SIGKILL');
    held.drop();
    return { project: s.project, dir: s.dir, write: `${held.request.method} ${held.request.path}` };
  } finally {
    await proxy.close();
  }
}

async function convergeAndCheck(project: string, dir: string): Promise<void> {
  const again = await moorIn(dir, ['apply', '--yes']);
  assert.equal(again.code, 0, outputOf(again));
  assert.doesNotMatch(again.stdout, /FAILED/);
  const plan = await moorIn(dir, ['plan', '--detailed-exitcode']);
  assert.equal(plan.code, 0, `the plan after the converging apply is empty\n${outputOf(plan)}`);
  await assertConverged(run.direct, project, 2);
}

/** The writes of an uninterrupted v1 -> v2 apply, in order (with --concurrency 1). */
async function measureWrites(): Promise<string[]> {
  const s = run.scenario();
  assert.equal((await moorIn(s.dir, ['apply', '--yes'])).code, 0);
  s.use(2);
  const proxy = await run.proxy();
  try {
    const r = await moorIn(s.dir, ['apply', '--yes', '--concurrency', '1', '-H', proxy.host]);
    assert.equal(r.code, 0, outputOf(r));
    assert.match(r.stdout, /Apply complete: 17 steps done/);
    await assertConverged(run.direct, s.project, 2);
    return proxy.writes().map((w) => `${w.method} ${w.path}`);
  } finally {
    await proxy.close();
    await removeProject(run.direct, s.project);
  }
}

// The writes of the 16-step plan: one per step (the service update and the creates are one POST).
const WRITES = 17;

const KILLS: Kill[] = [
  ...Array.from({ length: WRITES }, (_, i) => ({ k: i + 1, phase: 'before' as const, concurrency: 1 })),
  { k: WRITES, phase: 'after', concurrency: 1 },
  ...[4, 8, 12].map((k) => ({ k, phase: 'after' as const, concurrency: 4 })),
];

describe('apply killed with SIGKILL at every step boundary converges on the next apply', { concurrency: 2, timeout: 900_000 }, () => {
  test('the uninterrupted plan makes one write per step', async () => {
    const writes = await measureWrites();
    assert.equal(writes.length, WRITES, writes.join('\n'));
  });
  for (const kill of KILLS) {
    const when = kill.phase === 'before' ? 'before it reached the Engine' : 'after the Engine carried it out';
    test(`killed at write ${kill.k} (${when}${kill.concurrency > 1 ? `, ${kill.concurrency} steps at once` : ''})`, async () => {
      const { project, dir, write } = await killAt(kill);
      try {
        await convergeAndCheck(project, dir);
      } catch (err: unknown) {
        throw new Error(`after the kill at write ${kill.k} (${write}, ${kill.phase})`, { cause: err });
      } finally {
        await removeProject(run.direct, project);
      }
    });
  }
});
