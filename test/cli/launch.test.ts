// bin/moor's start-up (src/cli/launch.ts): the bundle's V8 code cache, one file per command. What
// a cache may never change is what a command prints; what it must survive is a missing, corrupt,
// stale or unwritable cache.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cacheBuildId } from '../../src/cli/launch.js';
import { spawnMoor, type CliResult } from '../support/cli.js';

const bundleDir = fileURLToPath(new URL('../../dist/cli-bundle/', import.meta.url));
const bundleHash = readFileSync(path.join(bundleDir, 'moor.cjs.sha256'), 'utf8').trim();

/** bin/moor in `cwd`, which is also its HOME (so ~/.cache/moor is inside it). */
const moor = (args: string[], env: Record<string, string>, cwd: string): Promise<CliResult> => spawnMoor(args, { cwd, env: { HOME: cwd, ...env } });

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'moor-launch-'));
  writeFileSync(path.join(dir, 'moor.yaml'), `project: launch\ncontainers:\n  web:\n    image: moor/busybox:latest\n    environment:\n      TOKEN: ${MARKER}\n`);
  return dir;
}

/** A value of the manifest: the cache holds compiled code, never data the command read. */
const MARKER = 'zz9-plural-z-alpha-7d1e';

const cacheLine = (stderr: string): string | undefined => /^moor: debug: compile cache (.*)$/m.exec(stderr)?.[1];

/** The name of a command's cache file, of this build or of another one. */
const cacheName = (command: string, build = cacheBuildId(bundleDir, bundleHash)): string => `cli-${build}-node${process.version}-${process.arch}-${command}.v8cache`;

/** A project whose `validate` ran once with its own cache folder, which that run wrote. */
async function validatedOnce(): Promise<{ dir: string; cache: string; env: Record<string, string>; first: CliResult; file: string }> {
  const dir = project();
  const cache = path.join(dir, 'cache');
  const env = { MOOR_CACHE_DIR: cache };
  const first = await moor(['validate', '--debug'], env, dir);
  return { dir, cache, env, first, file: path.join(cache, cacheName('validate')) };
}

describe('the compile cache of bin/moor', () => {
  test('the first run writes it (one file per command, private, code only), the next runs use it, and the output is the same', async () => {
    const { dir, cache, env, first, file } = await validatedOnce();
    assert.equal(first.code, 0, first.stderr);
    assert.equal(cacheLine(first.stderr), `written (${file})`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(cache).mode & 0o777, 0o700);
    const second = await moor(['validate', '--debug'], env, dir);
    assert.equal(cacheLine(second.stderr), `used (${file})`);
    assert.equal(second.stdout, first.stdout);
    assert.match(second.stdout, /^valid: project launch \(1 container/);
    assert.deepEqual(readdirSync(cache), [path.basename(file)]);
    assert.equal(readFileSync(file).includes(MARKER), false);
  });

  test('without MOOR_CACHE_DIR it lives in $XDG_CACHE_HOME/moor, else ~/.cache/moor', async () => {
    const dir = project();
    await moor(['validate'], { XDG_CACHE_HOME: path.join(dir, 'xdg') }, dir);
    assert.equal(readdirSync(path.join(dir, 'xdg', 'moor')).length, 1);
    await moor(['validate'], {}, dir); // HOME is dir
    assert.equal(readdirSync(path.join(dir, '.cache', 'moor')).length, 1);
  });

  test('a cache used more than a minute after it was written or checked is made again, and written if it grew', async () => {
    const { dir, env, first, file } = await validatedOnce();
    assert.equal(cacheLine(first.stderr), `written (${file})`);
    const small = statSync(file).size;
    // A Compose file runs code the first manifest did not: the Compose reader.
    writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  web:\n    image: moor/busybox:latest\n    ports: ["8080:80"]\n');
    const compose = ['validate', '--debug', '-f', 'compose.yaml'];
    const soon = await moor(compose, env, dir);
    assert.equal(soon.code, 0, soon.stderr);
    assert.equal(cacheLine(soon.stderr), `used (${file})`);
    const aMinuteAgo = new Date(Date.now() - 61_000);
    utimesSync(file, aMinuteAgo, aMinuteAgo);
    const later = await moor(compose, env, dir);
    assert.equal(cacheLine(later.stderr), `used, grown, written (${file})`);
    assert.ok(statSync(file).size > small * 1.01, `${small} -> ${statSync(file).size} bytes`);
    utimesSync(file, aMinuteAgo, aMinuteAgo);
    const again = await moor(compose, env, dir);
    assert.equal(cacheLine(again.stderr), `used, checked (${file})`);
    assert.ok(Date.now() - statSync(file).mtimeMs < 60_000);
    assert.equal(again.stdout, soon.stdout);
    assert.equal(readFileSync(file).includes(MARKER), false);
  });

  test('a corrupt cache is rejected by V8 and written again; the command runs the same', async () => {
    const { dir, env, first, file } = await validatedOnce();
    writeFileSync(file, Buffer.alloc(4096, 7));
    const again = await moor(['validate', '--debug'], env, dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(cacheLine(again.stderr) ?? '', /^rejected, written /);
    assert.equal(again.stdout, first.stdout);
    assert.match(cacheLine((await moor(['validate', '--debug'], env, dir)).stderr) ?? '', /^used /);
  });

  test("it names the Node modules the command loaded, which the next run loads first; it never makes moor load anything else", async () => {
    const { dir, env, first, file } = await validatedOnce();
    const content = readFileSync(file);
    const newline = content.indexOf(0x0a);
    const names: unknown = JSON.parse(content.subarray(0, newline).toString());
    assert.ok(Array.isArray(names) && names.length > 0, String(names));
    for (const module of names) assert.ok(typeof module === 'string' && builtinModules.includes(module) && !module.startsWith('_'), String(module));

    // A file naming anything but Node's own modules is not used: nothing it names is loaded.
    const planted = path.join(dir, 'planted.cjs');
    const loaded = path.join(dir, 'planted-was-loaded');
    writeFileSync(planted, `require('node:fs').writeFileSync(${JSON.stringify(loaded)}, '');\n`);
    for (const header of [[planted], ['net', './planted.cjs'], ['_tls_wrap'], { net: true }]) {
      writeFileSync(file, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), content.subarray(newline + 1)]));
      const run = await moor(['validate', '--debug'], env, dir);
      assert.equal(run.code, 0, run.stderr);
      assert.match(cacheLine(run.stderr) ?? '', /^rejected, written /, JSON.stringify(header));
      assert.equal(run.stdout, first.stdout);
      assert.equal(existsSync(loaded), false, JSON.stringify(header));
    }
    assert.deepEqual(readFileSync(file).subarray(0, newline + 1), content.subarray(0, newline + 1));
  });

  test('writing it removes the files of older builds, keeping the other build used last; nothing else is touched', async () => {
    const dir = project();
    const cache = path.join(dir, 'cache');
    mkdirSync(cache);
    const planted = { [cacheName('plan', 'aaaaaaaaaaaaaaaa')]: 3, [cacheName('validate', 'aaaaaaaaaaaaaaaa')]: 3, [cacheName('plan', 'bbbbbbbbbbbbbbbb')]: 1, [cacheName('validate', 'cccccccccccccccc')]: 2, 'notes.txt': 9, 'cli-not-a-cache': 9 };
    for (const [name, daysAgo] of Object.entries(planted)) {
      writeFileSync(path.join(cache, name), 'x');
      const when = Date.now() / 1000 - daysAgo * 86_400;
      utimesSync(path.join(cache, name), when, when);
    }
    const run = await moor(['validate', '--debug'], { MOOR_CACHE_DIR: cache }, dir);
    assert.match(cacheLine(run.stderr) ?? '', /^written /, run.stderr);
    assert.deepEqual(readdirSync(cache).sort(), ['cli-not-a-cache', cacheName('validate'), cacheName('plan', 'bbbbbbbbbbbbbbbb'), 'notes.txt'].sort());
    // Using a cache writes nothing, so removes nothing.
    writeFileSync(path.join(cache, cacheName('plan', 'dddddddddddddddd')), 'x');
    writeFileSync(path.join(cache, cacheName('plan', 'eeeeeeeeeeeeeeee')), 'x');
    assert.match(cacheLine((await moor(['validate', '--debug'], { MOOR_CACHE_DIR: cache }, dir)).stderr) ?? '', /^used /);
    assert.equal(readdirSync(cache).length, 6);
  });

  test('two copies of the same build keep a cache each: code from a cache names the file of the run that made it', async () => {
    const dir = project();
    const cache = path.join(dir, 'cache');
    const copy = path.join(dir, 'copy');
    cpSync(fileURLToPath(new URL('../../bin/', import.meta.url)), path.join(copy, 'bin'), { recursive: true });
    cpSync(bundleDir, path.join(copy, 'dist', 'cli-bundle'), { recursive: true });
    const runCopy = (): Promise<CliResult> =>
      new Promise((resolve, reject) => {
        execFile(process.execPath, [path.join(copy, 'bin', 'moor'), 'validate', '--debug'], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, MOOR_CACHE_DIR: cache } }, (error, stdout, stderr) =>
          error === null ? resolve({ code: 0, stdout, stderr }) : reject(error),
        );
      });
    const original = await moor(['validate', '--debug'], { MOOR_CACHE_DIR: cache }, dir);
    assert.equal(cacheLine(original.stderr), `written (${path.join(cache, cacheName('validate'))})`);
    const copied = path.join(cache, cacheName('validate', cacheBuildId(path.join(copy, 'dist', 'cli-bundle'), bundleHash)));
    assert.equal(cacheLine((await runCopy()).stderr), `written (${copied})`);
    assert.equal(cacheLine((await runCopy()).stderr), `used (${copied})`);
    assert.equal(readdirSync(cache).length, 2);
  });

  test('an unwritable cache folder costs nothing but the cache', async () => {
    const dir = project();
    const blocker = path.join(dir, 'not-a-folder');
    writeFileSync(blocker, '');
    chmodSync(blocker, 0o400);
    const run = await moor(['validate', '--debug'], { MOOR_CACHE_DIR: path.join(blocker, 'cache') }, dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(cacheLine(run.stderr) ?? '', /^not written /);
    assert.match(run.stdout, /^valid: project launch/);
  });

  test('MOOR_NO_COMPILE_CACHE=1 neither reads nor writes it', async () => {
    const dir = project();
    const cache = path.join(dir, 'cache');
    const run = await moor(['validate', '--debug'], { MOOR_CACHE_DIR: cache, MOOR_NO_COMPILE_CACHE: '1' }, dir);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(cacheLine(run.stderr), 'disabled');
    assert.throws(() => readdirSync(cache), /ENOENT/);
  });

  test('a failed command (an unknown one, a usage error, a bad manifest) writes nothing', async () => {
    const dir = project();
    const cache = path.join(dir, 'cache');
    const env = { MOOR_CACHE_DIR: cache };
    assert.equal((await moor(['frobnicate'], env, dir)).code, 1);
    assert.equal((await moor(['validate', '--frobnicate'], env, dir)).code, 1);
    writeFileSync(path.join(dir, 'moor.yaml'), 'project: launch\ncontainers: [\n');
    assert.equal((await moor(['validate'], env, dir)).code, 1);
    assert.throws(() => readdirSync(cache), /ENOENT/);
  });
});
