import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FileWatcher } from '../../src/watch/files.js';
import { filesToWatch } from '../../src/watch/source.js';
import { project } from '../support/model.js';

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('watching the manifest files', () => {
  test('an edit in place, a save by rename (vim) and a delete-and-recreate are all seen; other files are not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moor-files-'));
    const manifest = join(dir, 'moor.yaml');
    writeFileSync(manifest, 'a: 1\n');
    const changes: string[] = [];
    const w = new FileWatcher({ onChange: (p) => changes.push(p), onError: (f, e) => assert.fail(`${f}: ${String(e)}`) });
    w.update([manifest]);
    try {
      writeFileSync(join(dir, '.moor.yaml.swp'), 'junk');
      writeFileSync(manifest, 'a: 2\n');
      await until(() => changes.length > 0, 'an in-place write');
      changes.length = 0;
      writeFileSync(join(dir, 'moor.yaml.tmp'), 'a: 3\n');
      renameSync(join(dir, 'moor.yaml.tmp'), manifest);
      await until(() => changes.length > 0, 'a rename over the file');
      changes.length = 0;
      rmSync(manifest);
      writeFileSync(manifest, 'a: 4\n');
      await until(() => changes.length > 0, 'a re-created file');
      assert.ok(changes.every((c) => c === manifest), changes.join(', '));
    } finally {
      w.close();
    }
  });

  test('follows the set of files: folders no longer needed are dropped, a missing one is reported', () => {
    const a = mkdtempSync(join(tmpdir(), 'moor-files-'));
    const b = mkdtempSync(join(tmpdir(), 'moor-files-'));
    const errors: string[] = [];
    const w = new FileWatcher({ onChange: () => undefined, onError: (folder) => errors.push(folder) });
    w.update([join(a, 'x.yaml'), join(b, 'y.env')]);
    assert.deepEqual(w.folders, [a, b].sort());
    w.update([join(b, 'y.env'), '/nonexistent-moor-dir/z.yaml']);
    assert.deepEqual(w.folders, [b]);
    assert.deepEqual(errors, ['/nonexistent-moor-dir']);
    w.close();
    assert.deepEqual(w.folders, []);
  });

  test('the files to watch: the manifests read, env files, and the files the manifests name (file:, env_file:)', () => {
    const ok = { ok: true as const, desired: project({}), files: ['/srv/app/moor.yaml', '/srv/app/override.yaml'], namedFiles: ['/srv/app/conf/site.conf', '/srv/app/pw.txt', '/srv/app/web.env'], warnings: [] };
    assert.deepEqual(filesToWatch(ok, '/srv', ['app/moor.yaml', 'app/override.yaml'], ['vars.env'], []), ['/srv/app/conf/site.conf', '/srv/app/moor.yaml', '/srv/app/override.yaml', '/srv/app/pw.txt', '/srv/app/web.env', '/srv/vars.env']);
    // Without --env-file, the loader reads .env next to the first manifest: it is watched too.
    assert.ok(filesToWatch(ok, '/srv', ['app/moor.yaml'], [], []).includes('/srv/app/.env'));
    // An invalid edit keeps watching what the last good load read.
    const bad = { ok: false as const, issues: [] };
    assert.deepEqual(filesToWatch(bad, '/srv/app', ['moor.yaml'], ['.env'], ['/srv/app/secret.txt']), ['/srv/app/.env', '/srv/app/moor.yaml', '/srv/app/secret.txt']);
  });
});
