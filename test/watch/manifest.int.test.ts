// Manifest changes picked up by `moor watch`: edits of the manifest, of an env file and of a
// container's env_file: are applied within seconds; an invalid edit is refused with its position, and the last good manifest stays
// in force (nothing is removed, and drift is still repaired with it).
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { waitFor } from '../support/engine.js';
import { useProject } from '../support/project.js';
import { sleeper, triggeredBy, WatchProcess } from '../support/watch.js';

const run = useProject('wm');

function manifest(project: string, extra = ''): string {
  return `project: ${project}\ncontainers:\n${sleeper('web', ['environment:', '  STAGE: ${STAGE}'])}${sleeper('db', ['env_file: db.env'])}${extra}`;
}

/** Saves as editors that replace the file do (vim, most IDEs): a new file renamed over the old. */
function saveByRename(path: string, text: string): void {
  writeFileSync(`${path}.tmp~`, text);
  renameSync(`${path}.tmp~`, path);
}

describe('moor watch follows the manifest', () => {
  test("edits of the manifest, of an env file and of a container's env_file: are applied; an invalid edit is refused and nothing is torn down", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-watch-'));
    const file = join(dir, 'moor.yaml');
    writeFileSync(file, manifest(run.project));
    writeFileSync(join(dir, 'vars.env'), 'STAGE=one\n');
    writeFileSync(join(dir, 'db.env'), 'LEVEL=1\n');
    const watch = new WatchProcess(['--interval', '5m', '--env-file', 'vars.env'], { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });
    assert.equal((await watch.waitFor('the first cycle', (r) => r.msg === 'cycle'))['result'], 'ok', watch.output);
    const env = async (name = 'web'): Promise<readonly string[]> => (await run.engine.containers.inspect(`${run.project}_${name}`)).Config?.Env ?? [];
    assert.ok((await env()).includes('STAGE=one'));
    assert.ok((await env('db')).includes('LEVEL=1'));

    // 1. The env file changes: web is replaced with the new value.
    writeFileSync(join(dir, 'vars.env'), 'STAGE=two\n');
    const byEnv = await watch.nextCycle('the env file edit applied', (r) => triggeredBy(r, 'file') && r['applied'] === true);
    assert.match(String(byEnv['trigger']), /vars\.env/);
    assert.deepEqual(byEnv['changes'], ['replace container/web: environment changed (a container cannot change it in place)']);
    assert.ok((await env()).includes('STAGE=two'));

    // 1b. The env_file: of db changes: db is replaced with the new value.
    writeFileSync(join(dir, 'db.env'), 'LEVEL=2\n');
    // (Its cycle may be one the watcher runs anyway to check the events of its last apply: the
    // replacement of web is verified before it ends, so the edit can come in while it runs.)
    const byEnvFile = await watch.nextCycle('the env_file edit applied', (r) => r['applied'] === true && String(r['changes']).includes('container/db'));
    assert.deepEqual(byEnvFile['changes'], ['replace container/db: environment changed (a container cannot change it in place)']);
    // A cycle that read db.env while it was being written (emptied, then filled) applies what it
    // read; the file's own event then brings the rest.
    await waitFor('db with LEVEL=2', async () => ((await env('db')).includes('LEVEL=2') ? true : undefined), 30_000);

    // 2. The manifest gains a container (saved the way vim saves).
    // (As in 1b, the cycle that applies it may be a verification the last apply's events asked for.)
    saveByRename(file, manifest(run.project, sleeper('cache')));
    const byEdit = await watch.nextCycle('the manifest edit applied', (r) => r['applied'] === true && String(r['changes']).includes('container/cache'));
    assert.deepEqual(byEdit['changes'], ['create container/cache: not found on the Engine']);
    const ids = new Map<string, string>();
    for (const name of ['web', 'db', 'cache']) ids.set(name, (await run.engine.containers.inspect(`${run.project}_${name}`)).Id);

    // 3. A typo: refused with file, line and column; the last good manifest stays in force.
    writeFileSync(file, manifest(run.project, sleeper('cache', ['restart: sometimes'], { init: false })));
    const refused = await watch.nextCycle('the invalid edit refused', (r) => triggeredBy(r, 'file'));
    assert.equal(refused['result'], 'invalid_manifest', watch.output);
    assert.equal(refused['level'], 'warn');
    assert.deepEqual(refused['issues'], ['moor.yaml:17:14: containers.cache.restart: must be no, always, unless-stopped or on-failure[:N] (got "sometimes")']);
    assert.equal(refused['plan'], 'no changes');
    assert.equal(refused['note'], 'the last good manifest stays in force');
    for (const [name, id] of ids) assert.equal((await run.engine.containers.inspect(`${run.project}_${name}`)).Id, id, `${name} untouched`);

    // ... and drift is still repaired, with the last good manifest: cache comes back when removed.
    await run.engine.containers.remove(ids.get('cache') as string, { force: true });
    const repaired = await watch.nextCycle('drift repaired under the last good manifest', (r) => r['applied'] === true);
    assert.equal(repaired['result'], 'invalid_manifest', 'the cycle still reports the refused edit');
    assert.deepEqual(repaired['changes'], ['create container/cache: not found on the Engine']);
    await waitFor('cache back', async () => ((await run.engine.containers.inspect(`${run.project}_cache`).catch(() => undefined))?.State?.Running === true ? true : undefined));

    // 4. The fix: back to a valid manifest without cache: now (and only now) it is removed.
    // (Here too, a verification of the repair's events may be the cycle that reads the fix.)
    writeFileSync(file, manifest(run.project));
    const fixed = await watch.nextCycle('the fixed manifest applied', (r) => r['applied'] === true && String(r['changes']).includes('delete container/cache'));
    assert.equal(fixed['result'], 'ok');
    assert.deepEqual(fixed['changes'], ['delete container/cache: no longer in the manifest']);

    assert.deepEqual(await watch.stop(), { code: 0, signal: null });
  });

  test('an edit whose replacement container turns unhealthy is put back: the previous container runs again', async () => {
    const project = run.newProject();
    const dir = mkdtempSync(join(tmpdir(), 'moor-watch-'));
    const file = join(dir, 'moor.yaml');
    const web = (version: string, check: string): string =>
      `project: ${project}\ncontainers:\n${sleeper('web', ['stop_grace_period: 1s', `environment: { VERSION: "${version}" }`, `healthcheck: { test: ${check}, interval: 1s, retries: 1 }`])}`;
    writeFileSync(file, web('1', '["CMD", "true"]'));
    const watch = new WatchProcess(['--interval', '5m'], { cwd: dir, env: { MOOR_LOCK_DIR: join(dir, '.locks') } });
    assert.equal((await watch.waitFor('the first cycle', (r) => r.msg === 'cycle'))['result'], 'ok', watch.output);
    const before = await run.engine.containers.inspect(`${project}_web`);

    writeFileSync(file, web('2', '["CMD", "false"]'));
    const failed = await watch.nextCycle('the unhealthy replacement put back', (r) => triggeredBy(r, 'file'));
    assert.equal(failed['result'], 'failed', watch.output);
    assert.deepEqual(failed['putBack'], [`container/web: the previous container (${before.Id.slice(0, 12)}) is ${project}_web again, as before the apply`]);
    assert.match(String((failed['failedSteps'] as string[])[0]), new RegExp(`wait for container ${project}_web to run as the manifest says: .*running, unhealthy`));
    const after = await run.engine.containers.inspect(`${project}_web`);
    assert.equal(after.Id, before.Id);
    assert.equal(after.State.Running, true);
    assert.ok(after.Config.Env?.includes('VERSION=1'));
    assert.deepEqual(await watch.stop(), { code: 0, signal: null });
  });
});
