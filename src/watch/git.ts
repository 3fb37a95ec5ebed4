// A Git checkout of the manifests, made with the system's `git`: init once, then on every sync
// fetch the ref (shallow), and check out the fetched commit when it changed. The checkout is a
// detached HEAD in a folder moor owns (--workdir); anything else in it is wiped on checkout.
//
// WARNING: URLs may carry credentials (https://user:token@host/...): they are never printed;
// messages show the URL with its user information replaced by `***`. git never prompts
// (GIT_TERMINAL_PROMPT=0): a repository that needs credentials moor was not given fails.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { MoorError, redactUrl } from '../errors.js';

export class GitError extends MoorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SOURCE', message, options);
  }
}

export interface GitCheckoutOptions {
  readonly url: string;
  /** Branch, tag or any ref the remote advertises; HEAD is the remote's default branch. */
  readonly ref: string;
  /** The manifests' folder inside the repository ('' or '.': the top). */
  readonly path: string;
  /** Where the checkout lives (created when missing). */
  readonly workdir: string;
  /** Limit of one git command; default 120 s. */
  readonly timeoutMs?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function validateGitOptions(o: Pick<GitCheckoutOptions, 'url' | 'ref' | 'path'>): void {
  // Arguments that start with '-' would be read as options by git.
  if (o.url === '' || o.url.startsWith('-')) throw new GitError(`--git: not a repository URL: ${JSON.stringify(redactUrl(o.url))}`);
  if (o.ref === '' || o.ref.startsWith('-') || /[\s~^:?*[\\]|\.\.|@\{/.test(o.ref)) throw new GitError(`--ref: not a valid Git ref: ${JSON.stringify(o.ref)}`);
  if (isAbsolute(o.path) || relative('.', o.path).startsWith('..')) throw new GitError(`--path must be a folder inside the repository, got ${JSON.stringify(o.path)}`);
}

export class GitCheckout {
  readonly #o: GitCheckoutOptions;
  #commit: string | null = null;

  constructor(options: GitCheckoutOptions) {
    validateGitOptions(options);
    this.#o = options;
  }

  /** The commit checked out by the last successful sync. */
  get commit(): string | null {
    return this.#commit;
  }

  /** The folder the manifests are read from. */
  get directory(): string {
    return resolve(this.#o.workdir, this.#o.path);
  }

  describe(): string {
    const path = this.#o.path === '' || this.#o.path === '.' ? '' : ` path ${this.#o.path}`;
    return `${redactUrl(this.#o.url)} ref ${this.#o.ref}${path}`;
  }

  /** Fetches the ref and checks out its commit if it changed; returns the commit. */
  async sync(signal?: AbortSignal): Promise<{ readonly commit: string; readonly changed: boolean }> {
    const dir = this.#o.workdir;
    if (!existsSync(resolve(dir, '.git'))) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      await this.#git(['init', '--quiet', dir], signal);
      await this.#git(['-C', dir, 'remote', 'add', 'origin', this.#o.url], signal);
    } else {
      await this.#git(['-C', dir, 'remote', 'set-url', 'origin', this.#o.url], signal);
    }
    await this.#git(['-C', dir, 'fetch', '--quiet', '--no-tags', '--depth', '1', 'origin', this.#o.ref], signal);
    const fetched = (await this.#git(['-C', dir, 'rev-parse', '--verify', 'FETCH_HEAD^{commit}'], signal)).trim();
    const current = this.#commit ?? (await this.#git(['-C', dir, 'rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], signal).catch(() => '')).trim();
    const changed = fetched !== current;
    if (changed) {
      await this.#git(['-C', dir, '-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--force', '--detach', fetched], signal);
      await this.#git(['-C', dir, 'clean', '--quiet', '-ffdx'], signal);
    }
    this.#commit = fetched;
    return { commit: fetched, changed };
  }

  #git(args: readonly string[], signal: AbortSignal | undefined): Promise<string> {
    const env = { ...(this.#o.env ?? process.env), GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
    return new Promise((resolvePromise, reject) => {
      execFile('git', [...args], { env, timeout: this.#o.timeoutMs ?? 120_000, maxBuffer: 4 * 1024 * 1024, ...(signal === undefined ? {} : { signal }) }, (err, stdout, stderr) => {
        if (err === null) {
          resolvePromise(stdout);
          return;
        }
        const what = args.find((a) => ['init', 'remote', 'fetch', 'rev-parse', 'checkout', 'clean'].includes(a)) ?? 'git';
        const detail = gitMessages(redactAll(String(stderr).trim() || err.message, this.#o.url));
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT' ? ': the git command is not installed' : `: ${detail}`;
        reject(new GitError(`git ${what} of ${redactUrl(this.#o.url)} failed${missing}`, { cause: err }));
      });
    });
  }
}

/** A line of git's (or ssh's) that starts a message: `fatal: ...`, `error: ...`, `ssh: ...`. */
const MESSAGE_START = /^[a-z][\w-]{0,15}: /i;
/** Messages kept from the end of git's output (a fetch writes only a few; a hook could write many). */
const MAX_MESSAGES = 6;

/**
 * git's error output as one line: its messages in order, each a line that starts with `word: `
 * and the lines that continue it (git's `Could not read from remote repository.` goes on after a
 * blank line with `Please make sure you have the correct access rights` / `and the repository
 * exists.`), joined with '; '. Blank lines and `hint:` advice are dropped.
 */
export function gitMessages(output: string): string {
  const messages: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('hint:')) continue;
    const last = messages.length - 1;
    if (last >= 0 && !MESSAGE_START.test(line)) messages[last] = `${messages[last] ?? ''} ${line}`;
    else messages.push(line);
  }
  return messages.slice(-MAX_MESSAGES).join('; ');
}

function redactAll(text: string, url: string): string {
  return url === redactUrl(url) ? text : text.split(url).join(redactUrl(url));
}
