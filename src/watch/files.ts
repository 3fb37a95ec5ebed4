// Watches the files the desired state was read from (manifests, env files, file: sources of
// secrets and configs) and reports a change of any of them.
//
// It watches their folders, not the files: editors that save by writing a new file and renaming
// it over the old one (vim, many IDEs), or that delete and re-create it, replace the inode a file
// watch would be stuck on; a folder watch sees the new file under the same name. Changes of other
// files in those folders (swap files, backups) are ignored.
//
// fs.watch is a hint too (it can miss events on some file systems): every cycle re-reads the
// files anyway, and the interval runs cycles whatever fs.watch says.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface FileWatcherOptions {
  readonly onChange: (path: string) => void;
  /** A folder could not be watched (missing, no permission): retried at the next update. */
  readonly onError: (folder: string, err: unknown) => void;
}

export class FileWatcher {
  readonly #o: FileWatcherOptions;
  /** folder -> its watcher and the names watched in it */
  readonly #folders = new Map<string, { watcher: FSWatcher; names: Set<string> }>();
  #closed = false;

  constructor(options: FileWatcherOptions) {
    this.#o = options;
  }

  /** Watches exactly these files (absolute paths) from now on. */
  update(paths: readonly string[]): void {
    if (this.#closed) return;
    const wanted = new Map<string, Set<string>>();
    for (const p of paths) {
      const names = wanted.get(dirname(p)) ?? new Set<string>();
      names.add(basename(p));
      wanted.set(dirname(p), names);
    }
    for (const [folder, entry] of this.#folders) {
      if (!wanted.has(folder)) {
        entry.watcher.close();
        this.#folders.delete(folder);
      }
    }
    for (const [folder, names] of wanted) {
      const existing = this.#folders.get(folder);
      if (existing !== undefined) {
        existing.names = names;
        continue;
      }
      try {
        const entry = { watcher: undefined as unknown as FSWatcher, names };
        entry.watcher = watch(folder, { persistent: false }, (_event, filename) => {
          const name = filename === null ? null : String(filename);
          if (name === null || entry.names.has(name)) this.#o.onChange(name === null ? folder : join(folder, name));
        });
        entry.watcher.on('error', (err: unknown) => {
          // The folder went away (or was replaced): forget it; the next update watches it again.
          entry.watcher.close();
          if (this.#folders.get(folder) === entry) this.#folders.delete(folder);
          this.#o.onError(folder, err);
          this.#o.onChange(folder);
        });
        this.#folders.set(folder, entry);
      } catch (err: unknown) {
        this.#o.onError(folder, err);
      }
    }
  }

  /** Folders being watched. */
  get folders(): readonly string[] {
    return [...this.#folders.keys()].sort();
  }

  close(): void {
    this.#closed = true;
    for (const entry of this.#folders.values()) entry.watcher.close();
    this.#folders.clear();
  }
}
