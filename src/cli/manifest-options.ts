// The manifest options every command that reads manifests shares (validate, plan, apply,
// destroy), and loading from them: `-f/--file` (repeatable; default moor.yaml or moor.yml in the
// working directory), `--env-file` (repeatable), `--allow-external-files`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { type Issue, ManifestError } from '../manifest/issues.js';
import { type LoadResult, loadManifest } from '../manifest/load.js';
import type { DesiredProject } from '../model/desired.js';
import type { CommandContext } from './command.js';

/** For `parseArgs({ options: { ...MANIFEST_OPTIONS, ... } })`. */
export const MANIFEST_OPTIONS = {
  file: { type: 'string', short: 'f', multiple: true },
  'env-file': { type: 'string', multiple: true },
  'allow-external-files': { type: 'boolean' },
} as const;

export const MANIFEST_OPTIONS_HELP = `Manifest options:
  -f, --file FILE            A manifest; repeat to merge several in order (default: moor.yaml
                             or moor.yml in the current directory)
      --env-file FILE        Variables for \${VAR} interpolation; repeatable, later files win
                             (default: .env next to the first manifest). The environment wins
                             over every env file.
      --allow-external-files Let file: and env_file: name files outside the manifest's folder`;

export interface ManifestOptionValues {
  readonly file?: readonly string[] | undefined;
  readonly 'env-file'?: readonly string[] | undefined;
  readonly 'allow-external-files'?: boolean | undefined;
}

/** The manifest files to read: the -f options, or the default file of the working directory. */
export function manifestFiles(values: ManifestOptionValues, ctx: Pick<CommandContext, 'cwd'>): { files: string[]; warnings: string[] } {
  if (values.file !== undefined && values.file.length > 0) return { files: [...values.file], warnings: [] };
  const found = ['moor.yaml', 'moor.yml'].filter((name) => existsSync(path.join(ctx.cwd, name)));
  const [first] = found;
  if (first === undefined) throw new UsageError(`no moor.yaml or moor.yml in ${ctx.cwd}: name a manifest with -f FILE`);
  return { files: [first], warnings: found.length > 1 ? [`both moor.yaml and moor.yml exist: using moor.yaml`] : [] };
}

/** Loads the manifests the options name; every problem is in the result, none is thrown. */
export async function loadFromOptions(values: ManifestOptionValues, ctx: Pick<CommandContext, 'cwd' | 'env'>): Promise<LoadResult & { readonly notes: readonly string[] }> {
  const { files, warnings } = manifestFiles(values, ctx);
  const result = await loadManifest({
    files,
    cwd: ctx.cwd,
    env: ctx.env,
    envFiles: values['env-file'] ?? [],
    allowExternalFiles: values['allow-external-files'] === true,
  });
  return { ...result, notes: warnings };
}

/** For commands that need a desired state: the project, or a ManifestError listing every issue. */
export async function loadDesiredOrThrow(values: ManifestOptionValues, ctx: Pick<CommandContext, 'cwd' | 'env'>): Promise<{ desired: DesiredProject; warnings: readonly Issue[] }> {
  const result = await loadFromOptions(values, ctx);
  if (!result.ok) throw new ManifestError(result.issues);
  return { desired: result.desired, warnings: result.warnings };
}
