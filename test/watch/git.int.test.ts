// `moor watch --git`: follows a branch of a repository (a local bare one: no network), applying
// each new commit it fetches at the interval or on POST /sync, and logging the commit of each cycle.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LocalRepo } from '../support/git.js';
import { useProject } from '../support/project.js';
import { sleeper, triggeredBy, WatchProcess } from '../support/watch.js';

const run = useProject('wg');

function manifest(project: string, stage: string): string {
  return `project: ${project}\ncontainers:\n${sleeper('web', [`environment: { STAGE: "${stage}" }`])}`;
}

describe('moor watch --git', () => {
  test('applies the first commit, then each new one fetched on POST /sync or at the interval; a broken commit changes nothing', async () => {
    const repo = new LocalRepo();
    const first = repo.commit({ 'deploy/moor.yaml': manifest(run.project, 'one'), 'README.md': 'not a manifest\n' }, 'first');
    const dir = mkdtempSync(join(tmpdir(), 'moor-watch-'));
    const locks = join(dir, '.locks');
    const watch = new WatchProcess(['--git', `file://${repo.bare}`, '--ref', 'main', '--path', 'deploy', '--interval', '3s', '--listen', '127.0.0.1:0'], { cwd: dir, env: { MOOR_LOCK_DIR: locks } });
    const applied = await watch.waitFor('the first commit applied', (r) => r.msg === 'cycle' && r['applied'] === true);
    assert.equal(applied['commit'], first, watch.output);
    assert.ok(existsSync(join(locks, 'git')), 'the default work folder is under the lock folder');
    const stage = async (): Promise<string | undefined> => (await run.engine.containers.inspect(`${run.project}_web`)).Config?.Env?.find((e) => e.startsWith('STAGE='));
    assert.equal(await stage(), 'STAGE=one');

    // A new commit, and a POST /sync: fetched and applied at once.
    const second = repo.commit({ 'deploy/moor.yaml': manifest(run.project, 'two') }, 'second');
    const res = await fetch(`${await watch.address()}/sync`, { method: 'POST' });
    assert.equal(res.status, 202);
    const synced = await watch.nextCycle('the second commit applied', (r) => r['commit'] === second && r['applied'] === true, 20_000);
    assert.ok(triggeredBy(synced, 'sync') || triggeredBy(synced, 'interval'), String(synced['trigger']));
    assert.equal(await stage(), 'STAGE=two');

    // A broken commit, picked up by the interval's fetch: refused, the second commit stays in force.
    const broken = repo.commit({ 'deploy/moor.yaml': `${manifest(run.project, 'three')}    restart: sometimes\n` }, 'broken');
    const refused = await watch.nextCycle('the broken commit refused', (r) => r['result'] === 'invalid_manifest', 20_000);
    assert.ok(triggeredBy(refused, 'interval'), String(refused['trigger']));
    assert.match(String(refused['issues']), /^moor\.yaml:8:14: containers\.web\.restart: must be/);
    assert.equal(refused['refusedCommit'], broken);
    assert.equal(refused['commit'], second, 'the cycle reconciled the last good commit');
    assert.equal(await stage(), 'STAGE=two');

    assert.deepEqual(await watch.stop(), { code: 0, signal: null });
  });
});
