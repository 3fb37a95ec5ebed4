// One reconcile at a time per project and Engine: `moor apply`, `moor destroy` and `moor watch`
// take this lock, and a second one is refused with the holder's details rather than fighting.
//
// The lock is a file created with O_EXCL (atomic on a local file system) in the lock folder, named
// after the Engine and the project: the Engine as it identifies itself (`lockScope`: its Swarm's
// cluster id, or its own id), not the address it was reached at, which has many spellings
// (/var/run/docker.sock and /run/docker.sock, a proxy's socket, a TCP address). A lock whose
// holder process is gone (same host, pid no longer alive) is stale and taken over; a lock held on
// another host is never broken automatically: `moor unlock` (or deleting the file) is the
// explicit way out.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { MoorError } from '../errors.js';
import type { SystemInfo } from '../engine/types.js';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
}

export class LockError extends MoorError {
  readonly holder: LockHolder | null;
  readonly path: string;

  constructor(message: string, path: string, holder: LockHolder | null) {
    super('CONFLICT', message);
    this.path = path;
    this.holder = holder;
  }
}

export interface ProjectLock {
  readonly path: string;
  release(): void;
}

/** Where locks live: $MOOR_LOCK_DIR, else $XDG_RUNTIME_DIR/moor, else <tmp>/moor-locks. */
export function lockDirectory(env: Readonly<Record<string, string | undefined>>): string {
  if (env.MOOR_LOCK_DIR !== undefined && env.MOOR_LOCK_DIR !== '') return env.MOOR_LOCK_DIR;
  if (env.XDG_RUNTIME_DIR !== undefined && env.XDG_RUNTIME_DIR !== '') return join(env.XDG_RUNTIME_DIR, 'moor');
  return join(tmpdir(), 'moor-locks');
}

export function lockPath(directory: string, scope: string, project: string): string {
  const scopeHash = createHash('sha256').update(scope).digest('hex').slice(0, 12);
  return join(directory, `${project}.${scopeHash}.lock`);
}

/**
 * What a project lock is scoped to, from the Engine's /info: a Swarm manager's cluster (every
 * manager of one Swarm changes the same services, secrets and configs), else the Engine itself;
 * the endpoint only when the Engine gives neither.
 */
export function lockScope(info: SystemInfo, endpoint: string): string {
  const cluster = info.Swarm?.LocalNodeState === 'active' ? info.Swarm.Cluster?.ID : undefined;
  if (typeof cluster === 'string' && cluster !== '') return `swarm:${cluster}`;
  if (typeof info.ID === 'string' && info.ID !== '') return `engine:${info.ID}`;
  return endpoint;
}

function readHolder(path: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return null;
    return { pid: parsed.pid, host: parsed.host, command: String(parsed.command ?? '?'), since: String(parsed.since ?? '?') };
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    // EPERM: it exists, we may not signal it.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface AcquireOptions {
  readonly directory: string;
  /** What the lock excludes others from: `lockScope` for an Engine. */
  readonly scope: string;
  readonly project: string;
  /** What holds the lock, for the message others see (e.g. "moor apply"). */
  readonly command: string;
}

export function acquireProjectLock(options: AcquireOptions): ProjectLock {
  mkdirSync(options.directory, { recursive: true, mode: 0o700 });
  const path = lockPath(options.directory, options.scope, options.project);
  const me: LockHolder = { pid: process.pid, host: hostname(), command: options.command, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o600 });
      let released = false;
      return {
        path,
        release: () => {
          if (released) return;
          released = true;
          const holder = readHolder(path);
          if (holder !== null && holder.pid === me.pid && holder.host === me.host) rmSync(path, { force: true });
        },
      };
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(path);
    const stale = holder === null || (holder.host === me.host && !isAlive(holder.pid));
    if (!stale) {
      throw new LockError(
        `project ${options.project} is being reconciled by ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.since}); ` +
          `try again when it is done${holder.host === me.host ? '' : `, or remove ${path} if that process is gone`}`,
        path,
        holder,
      );
    }
    rmSync(path, { force: true }); // the holder died without releasing it: take over
  }
  throw new LockError(`could not take the lock ${path} for project ${options.project}: it keeps being re-created`, path, null);
}
