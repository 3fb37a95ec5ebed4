// Reading the files a manifest names (secret and config `file:`, `env_file:`), with a load
// restrictor like kustomize's: a file must be inside the project folder (the first manifest's
// folder) — no absolute path, no `..` that leaves it, no symbolic link that leads out of it
// (checked on the real path) — unless --allow-external-files is given. Messages show paths
// relative to the project folder, never contents.
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { quoteValue } from './issues.js';

export type FileRead =
  | { readonly ok: true; readonly bytes: Uint8Array; /** The file's size (bytes holds at most maxBytes + 1 of it). */ readonly size: number; readonly mode: number }
  | { readonly ok: false; readonly error: string };

export interface ReadOptions {
  readonly projectDir: string;
  readonly allowExternalFiles: boolean;
  /** Reading stops after maxBytes + 1 bytes: enough to tell the file is too large. */
  readonly maxBytes: number;
}

/** `written` as the manifest gives it (relative to the project folder, or absolute). */
export async function readProjectFile(written: string, options: ReadOptions): Promise<FileRead> {
  const { projectDir, allowExternalFiles } = options;
  const shown = quoteValue(written);
  if (written === '') return { ok: false, error: 'the file name is empty' };
  if (!allowExternalFiles && path.isAbsolute(written)) {
    return { ok: false, error: `${shown} is an absolute path: files must be inside the project folder (--allow-external-files lifts this)` };
  }
  const resolved = path.resolve(projectDir, written);
  if (!allowExternalFiles && isOutside(projectDir, resolved)) {
    return { ok: false, error: `${shown} leaves the project folder: files must be inside it (--allow-external-files lifts this)` };
  }
  let real: string;
  try {
    real = await realpath(resolved);
  } catch (err: unknown) {
    return { ok: false, error: `cannot read ${shown}: ${describeFsError(err)}` };
  }
  if (!allowExternalFiles) {
    const realProject = await realpath(projectDir).catch(() => projectDir);
    if (isOutside(realProject, real)) {
      return { ok: false, error: `${shown} leads through a symbolic link to ${JSON.stringify(path.relative(realProject, real))}, outside the project folder (--allow-external-files lifts this)` };
    }
  }
  try {
    // The real path has no symbolic links left; O_NOFOLLOW refuses one swapped in since.
    const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) return { ok: false, error: `${shown} is not a regular file` };
      const buffer = Buffer.alloc(Math.min(stat.size, options.maxBytes + 1));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return { ok: true, bytes: new Uint8Array(buffer.subarray(0, bytesRead)), size: stat.size, mode: stat.mode };
    } finally {
      await handle.close();
    }
  } catch (err: unknown) {
    return { ok: false, error: `cannot read ${shown}: ${describeFsError(err)}` };
  }
}

function isOutside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}

/**
 * A file system error, said in words (never a bare errno code such as ENOENT). `writing`: the
 * error came from creating or writing a file (a missing name is then the folder meant to hold it).
 */
export function describeFsError(err: unknown, writing = false): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return writing ? 'no such folder' : 'no such file';
    case 'ENOTDIR':
      return `${writing ? 'no such folder' : 'no such file'} (a part of the path is a file, not a folder)`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EIO':
      return 'an input/output error';
    default:
      if (typeof code === 'string') return `the system refused it (${code})`;
      return writing ? 'it could not be written' : 'unreadable';
  }
}

/** The error says the file is not there (a missing file, or a file where a folder of its path should be). */
export function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
