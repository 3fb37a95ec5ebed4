// Where the desired state comes from: manifest files on disk, or a Git checkout (git.ts). Either
// way the manifest loader (src/manifest/) turns files into a DesiredProject, or into positioned
// issues; this module adds what the watcher needs around it: which files to watch for changes,
// and which commit was loaded.
import { dirname, resolve } from 'node:path';
import type { LoadOptions, LoadResult } from '../manifest/index.js';
import type { GitCheckout } from './git.js';
import { errorMessage } from './log.js';

/** The manifest loader (`loadManifest` of src/manifest/), injected so the loop can be tested alone. */
export type ManifestLoader = (options: LoadOptions) => Promise<LoadResult>;

export interface SourceLoad {
  /** null when there is nothing to load yet (a Git checkout that never succeeded). */
  readonly manifest: LoadResult | null;
  /** The commit the manifest was read at (Git), else null. */
  readonly commit: string | null;
  /** A failed fetch (the last fetched commit was loaded instead). */
  readonly fetchError: string | null;
  /** Files whose change must trigger a cycle (absolute paths). */
  readonly watch: readonly string[];
}

export interface DesiredSource {
  /** For the start-up log line. */
  readonly description: string;
  /** `refresh`: fetch new commits first (Git; files are always read afresh). */
  load(options: { readonly refresh: boolean; readonly signal: AbortSignal }): Promise<SourceLoad>;
}

export interface ManifestOptions {
  readonly loader: ManifestLoader;
  /** The -f files, as given. */
  readonly files: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** --env-file paths, relative to `cwd`. */
  readonly envFiles: readonly string[];
  readonly allowExternalFiles: boolean;
}

/**
 * Everything the desired state was read from: the manifests, the env files (by default `.env` next
 * to the first manifest, as the loader reads it), and the files the manifests name (file: sources
 * of secrets and configs, env_file: of containers and services).
 */
export function filesToWatch(result: LoadResult, cwd: string, given: readonly string[], envFiles: readonly string[], previous: readonly string[]): string[] {
  const manifests = given.map((p) => resolve(cwd, p));
  const projectDir = manifests[0] === undefined ? cwd : dirname(manifests[0]);
  const paths = new Set<string>([...manifests, ...(envFiles.length > 0 ? envFiles.map((p) => resolve(cwd, p)) : [resolve(projectDir, '.env')])]);
  if (result.ok) {
    for (const f of [...result.files, ...result.namedFiles]) paths.add(resolve(cwd, f));
  } else {
    // An invalid edit may have dropped an include: keep watching what the last good load read.
    for (const p of previous) paths.add(p);
  }
  return [...paths].sort();
}

/** Manifest files on disk, re-read at every cycle. */
export function fileSource(options: ManifestOptions & { readonly cwd: string }): DesiredSource {
  let previous: readonly string[] = [];
  return {
    description: `manifest ${options.files.length === 0 ? '(default file)' : options.files.join(', ')}`,
    async load() {
      const manifest = await options.loader({ files: options.files, cwd: options.cwd, env: options.env, envFiles: options.envFiles, allowExternalFiles: options.allowExternalFiles });
      const watch = filesToWatch(manifest, options.cwd, options.files, options.envFiles, previous);
      if (manifest.ok) previous = watch;
      return { manifest, commit: null, fetchError: null, watch };
    },
  };
}

/** A Git checkout: fetched on `refresh`, the manifest read from its --path folder. */
export function gitSource(options: ManifestOptions & { readonly checkout: GitCheckout; readonly cwd: string }): DesiredSource {
  const { checkout } = options;
  // Env files are local files (not in the repository): they are watched like manifests.
  const watch = options.envFiles.map((p) => resolve(options.cwd, p)).sort();
  return {
    description: `git ${checkout.describe()}`,
    async load({ refresh, signal }) {
      let fetchError: string | null = null;
      if (refresh || checkout.commit === null) {
        try {
          await checkout.sync(signal);
        } catch (err: unknown) {
          fetchError = errorMessage(err);
        }
      }
      if (checkout.commit === null) return { manifest: null, commit: null, fetchError, watch };
      const manifest = await options.loader({
        files: options.files,
        cwd: checkout.directory,
        env: options.env,
        envFiles: options.envFiles.map((p) => resolve(options.cwd, p)),
        allowExternalFiles: options.allowExternalFiles,
      });
      return { manifest, commit: checkout.commit, fetchError, watch };
    },
  };
}
