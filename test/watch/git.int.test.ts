// `moor watch --git`: follows a branch of a repository (a local bare one: no network), applying
// each new commit it fetches at the interval or on POST /sync (a webhook signed with the sync
// secret), and logging the commit of each cycle; a broken commit and a failed fetch change nothing.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
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
  test('applies the first commit, then each new one fetched on a signed POST /sync or at the interval; a broken commit changes nothing, nor does a repository gone', async () => {
    const repo = new LocalRepo();
    const first = repo.commit({ 'deploy/moor.yaml': manifest(run.project, 'one'), 'README.md': 'not a manifest\n' }, 'first');
    const dir = mkdtempSync(join(tmpdir(), 'moor-watch-'));
    const locks = join(dir, '.locks');
    const secret = 'w3bhook-secret-of-the-test';
    writeFileSync(join(dir, 'sync-secret'), `${secret}\n`, { mode: 0o600 });
    const watch = new WatchProcess(['--git', `file://${repo.bare}`, '--ref', 'main', '--path', 'deploy', '--interval', '3s', '--listen', '127.0.0.1:0', '--sync-secret-file', 'sync-secret'], { cwd: dir, env: { MOOR_LOCK_DIR: locks } });
    const applied = await watch.waitFor('the first commit applied', (r) => r.msg === 'cycle' && r['applied'] === true);
    assert.equal(applied['commit'], first, watch.output);
    assert.ok(existsSync(join(locks, 'git')), 'the default work folder is under the lock folder');
    const stage = async (): Promise<string | undefined> => (await run.engine.containers.inspect(`${run.project}_web`)).Config?.Env?.find((e) => e.startsWith('STAGE='));
    assert.equal(await stage(), 'STAGE=one');

    // A new commit, and the Git host's webhook (GitHub's form): fetched and applied at once. A POST
    // /sync that does not know the secret is refused first, and logged.
    const second = repo.commit({ 'deploy/moor.yaml': manifest(run.project, 'two') }, 'second');
    const unsigned = await fetch(`${await watch.address()}/sync`, { method: 'POST' });
    assert.equal(unsigned.status, 401);
    const refusal = await watch.waitFor('the refused sync logged', (r) => r.msg === 'sync refused');
    assert.match(String(refusal['reason']), /^no credentials/);
    const body = JSON.stringify({ ref: 'refs/heads/main', after: second });
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const res = await fetch(`${await watch.address()}/sync`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature }, body });
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

    // The repository becomes unreachable while its newest commit is refused: the failed fetch is
    // the cycle's result, with git's reason, and the second commit stays in force.
    renameSync(repo.bare, `${repo.bare}.moved`);
    const bearer = await fetch(`${await watch.address()}/sync`, { method: 'POST', headers: { authorization: `Bearer ${secret}` } });
    assert.equal(bearer.status, 202);
    const unreachable = await watch.nextCycle('the failed fetch reported', (r) => r['result'] !== 'invalid_manifest', 20_000);
    assert.equal(unreachable['result'], 'source_error', watch.output);
    assert.equal(unreachable['error'], `git fetch of file://${repo.bare} failed: fatal: '${repo.bare}' does not appear to be a git repository; fatal: Could not read from remote repository. Please make sure you have the correct access rights and the repository exists.`);
    assert.equal(unreachable['refusedCommit'], broken);
    assert.equal(unreachable['commit'], second);

    assert.ok(!watch.output.includes(secret), 'the secret is never logged');
    assert.deepEqual(await watch.stop(), { code: 0, signal: null });
  });
});
