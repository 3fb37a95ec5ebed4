import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { redactUrl } from '../../src/errors.js';
import { GitCheckout, GitError, gitMessages, validateGitOptions } from '../../src/watch/git.js';
import { gitSource } from '../../src/watch/source.js';
import { LocalRepo } from '../support/git.js';

describe('the Git source', () => {
  test('clones a local repository, then checks out each new commit of the ref', async () => {
    const repo = new LocalRepo();
    const first = repo.commit({ 'deploy/moor.yaml': 'one\n', 'README.md': 'x\n' }, 'first');
    const workdir = join(mkdtempSync(join(tmpdir(), 'moor-git-')), 'checkout');
    const checkout = new GitCheckout({ url: repo.url, ref: 'main', path: 'deploy', workdir });
    assert.equal(checkout.commit, null);
    assert.deepEqual(await checkout.sync(), { commit: first, changed: true });
    assert.equal(readFileSync(join(checkout.directory, 'moor.yaml'), 'utf8'), 'one\n');
    assert.deepEqual(await checkout.sync(), { commit: first, changed: false });

    writeFileSync(join(checkout.directory, 'stray.txt'), 'left by someone');
    const second = repo.commit({ 'deploy/moor.yaml': 'two\n' }, 'second');
    assert.deepEqual(await checkout.sync(), { commit: second, changed: true });
    assert.equal(readFileSync(join(checkout.directory, 'moor.yaml'), 'utf8'), 'two\n');
    assert.equal(existsSync(join(checkout.directory, 'stray.txt')), false, 'the checkout is exactly the commit');

    // A new watcher on the same work folder picks up where the last one stopped.
    const again = new GitCheckout({ url: repo.url, ref: 'main', path: 'deploy', workdir });
    assert.deepEqual(await again.sync(), { commit: second, changed: false });
  });

  test('works with file:// URLs and the remote default branch (HEAD)', async () => {
    const repo = new LocalRepo();
    const commit = repo.commit({ 'moor.yaml': 'a\n' }, 'only');
    const checkout = new GitCheckout({ url: `file://${repo.bare}`, ref: 'HEAD', path: '.', workdir: mkdtempSync(join(tmpdir(), 'moor-git-')) });
    assert.equal((await checkout.sync()).commit, commit);
  });

  test('a missing repository or ref fails with a GitError naming the URL without its credentials', async () => {
    const repo = new LocalRepo();
    repo.commit({ 'moor.yaml': 'a\n' }, 'only');
    const missingRef = new GitCheckout({ url: repo.url, ref: 'nope', path: '.', workdir: mkdtempSync(join(tmpdir(), 'moor-git-')) });
    await assert.rejects(missingRef.sync(), (err: unknown) => err instanceof GitError && err.code === 'SOURCE' && /git fetch of .* failed: .*nope/.test(err.message));
    const secretUrl = 'http://deploy:s3cr3t-token@127.0.0.1:9/repo.git';
    const unreachable = new GitCheckout({ url: secretUrl, ref: 'main', path: '.', workdir: mkdtempSync(join(tmpdir(), 'moor-git-')), timeoutMs: 20_000 });
    await assert.rejects(unreachable.sync(), (err: unknown) => {
      assert.ok(err instanceof GitError);
      assert.doesNotMatch(err.message, /s3cr3t-token/);
      assert.match(err.message, /http:\/\/\*\*\*@127\.0\.0\.1:9\/repo\.git/);
      return true;
    });
  });

  test("a repository that is not there fails with git's reason, its messages on one line", async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'moor-git-')), 'bare.git');
    const checkout = new GitCheckout({ url: `file://${missing}`, ref: 'main', path: '.', workdir: mkdtempSync(join(tmpdir(), 'moor-git-')) });
    await assert.rejects(checkout.sync(), (err: unknown) => {
      assert.ok(err instanceof GitError);
      assert.equal(
        err.message,
        `git fetch of file://${missing} failed: fatal: '${missing}' does not appear to be a git repository; fatal: Could not read from remote repository. Please make sure you have the correct access rights and the repository exists.`,
      );
      return true;
    });
  });

  test("git's output is cut into its messages: continuation lines joined, blank lines and hints dropped, the last six kept", () => {
    const ssh = 'ssh: connect to host git.example.com port 22: Connection refused\r\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n';
    assert.equal(gitMessages(ssh), 'ssh: connect to host git.example.com port 22: Connection refused; fatal: Could not read from remote repository. Please make sure you have the correct access rights and the repository exists.');
    assert.equal(gitMessages('Host key verification failed.\nfatal: Could not read from remote repository.'), 'Host key verification failed.; fatal: Could not read from remote repository.');
    assert.equal(gitMessages("error: pathspec 'x' did not match\nhint: Did you forget to 'git add'?\n"), "error: pathspec 'x' did not match");
    assert.equal(gitMessages(Array.from({ length: 8 }, (_, i) => `remote: line ${i}`).join('\n')), ['2', '3', '4', '5', '6', '7'].map((i) => `remote: line ${i}`).join('; '));
    assert.equal(gitMessages(''), '');
  });

  test('options that git would misread are refused', () => {
    assert.throws(() => validateGitOptions({ url: '--upload-pack=touch /tmp/x', ref: 'main', path: '.' }), /not a repository URL/);
    assert.throws(() => validateGitOptions({ url: 'file:///r', ref: '-b', path: '.' }), /not a valid Git ref/);
    assert.throws(() => validateGitOptions({ url: 'file:///r', ref: 'a..b', path: '.' }), /not a valid Git ref/);
    assert.throws(() => validateGitOptions({ url: 'file:///r', ref: 'main', path: '../etc' }), /--path must be a folder inside the repository/);
    assert.throws(() => validateGitOptions({ url: 'file:///r', ref: 'main', path: '/etc' }), /--path must be a folder inside the repository/);
    assert.equal(redactUrl('https://user:pw@example.com/x.git'), 'https://***@example.com/x.git');
    assert.equal(redactUrl('/srv/repo.git'), '/srv/repo.git');
  });

  test('as a desired-state source: fetched on refresh, loaded at the checked-out commit, a failed fetch keeps the last commit', async () => {
    const repo = new LocalRepo();
    const first = repo.commit({ 'moor.yaml': 'one\n' }, 'first');
    const checkout = new GitCheckout({ url: repo.url, ref: 'main', path: '.', workdir: mkdtempSync(join(tmpdir(), 'moor-git-')) });
    const seen: string[] = [];
    const source = gitSource({
      checkout,
      cwd: '/somewhere',
      files: ['moor.yaml'],
      env: {},
      envFiles: [],
      allowExternalFiles: false,
      loader: async (o) => {
        seen.push(readFileSync(join(o.cwd, 'moor.yaml'), 'utf8'));
        return { ok: false, issues: [] };
      },
    });
    const signal = new AbortController().signal;
    assert.equal((await source.load({ refresh: false, signal })).commit, first, 'the first load fetches whatever refresh says');
    const second = repo.commit({ 'moor.yaml': 'two\n' }, 'second');
    assert.equal((await source.load({ refresh: false, signal })).commit, first, 'no fetch without refresh');
    assert.equal((await source.load({ refresh: true, signal })).commit, second);
    assert.deepEqual(seen, ['one\n', 'one\n', 'two\n']);
    repo.destroy();
    const failed = await source.load({ refresh: true, signal });
    assert.equal(failed.commit, second);
    assert.match(failed.fetchError ?? '', /git fetch .* failed/);
  });
});

// Keeps the helper's own behaviour honest: pushes land in the bare repository.
test('the local repository helper pushes commits to its bare repository', () => {
  const repo = new LocalRepo();
  const c = repo.commit({ 'a.txt': 'a' }, 'a');
  assert.equal(execFileSync('git', ['-C', repo.bare, 'rev-parse', 'main']).toString().trim(), c);
  mkdirSync(join(repo.work, 'empty'), { recursive: true });
});
