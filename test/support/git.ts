// A Git repository on the local disk for tests: a bare repository (what moor watch --git fetches
// from) and a working clone that commits and pushes to it. No network: paths or file:// URLs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const IDENTITY = ['-c', 'user.name=moor test', '-c', 'user.email=test@moor.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main'];

export class LocalRepo {
  readonly root = mkdtempSync(join(tmpdir(), 'moor-repo-'));
  readonly bare = join(this.root, 'origin.git');
  readonly work = join(this.root, 'work');

  constructor() {
    git(this.root, 'init', '--quiet', '--bare', this.bare);
    git(this.root, 'init', '--quiet', this.work);
    git(this.work, 'checkout', '--quiet', '-b', 'main');
    git(this.work, 'remote', 'add', 'origin', this.bare);
  }

  /** The URL to give moor (a plain path). */
  get url(): string {
    return this.bare;
  }

  /** Writes the files, commits them, pushes to main; returns the commit id. */
  commit(files: Record<string, string>, message: string): string {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(this.work, path)), { recursive: true });
      writeFileSync(join(this.work, path), content);
    }
    git(this.work, 'add', '--all');
    git(this.work, 'commit', '--quiet', '-m', message);
    git(this.work, 'push', '--quiet', 'origin', 'main');
    return git(this.work, 'rev-parse', 'HEAD').trim();
  }

  /** Removes the repository: fetches fail from now on. */
  destroy(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...IDENTITY, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}
