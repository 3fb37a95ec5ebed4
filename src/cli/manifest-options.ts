// The manifest options every command that reads manifests shares (validate, plan, apply, destroy,
// watch, convert), and loading from them: `-f/--file` (repeatable; default moor.yaml or moor.yml,
// else COMPOSE_FILE's files, else Compose's compose.yaml & co. in the working directory),
// `--env-file` (repeatable),
// `--allow-external-files`, and for Compose files `--compose`, `--as`, `--profile`;
// `-p/--project-name` names the project in both formats.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type ProjectLoadOptions, type ProjectLoadResult, loadProject, loadProjectName } from '../compose/front.js';
import type { Detection } from '../compose/detect.js';
import type { ComposeInfo } from '../compose/load.js';
import { READINGS, type Reading, describeReading } from '../compose/reading.js';
import { UsageError } from '../errors.js';
import { requireFileName } from './args.js';
import { parseEnvFile } from '../manifest/env-file.js';
import { type Issue, ManifestError } from '../manifest/issues.js';
import type { LoadOptions } from '../manifest/load.js';
import type { DesiredProject } from '../model/desired.js';
import type { SavedReading } from '../plan/saved.js';
import type { CommandContext } from './command.js';

/** For `parseArgs({ options: { ...MANIFEST_OPTIONS, ... } })`. */
export const MANIFEST_OPTIONS = {
  file: { type: 'string', short: 'f', multiple: true },
  'env-file': { type: 'string', multiple: true },
  'allow-external-files': { type: 'boolean' },
  'project-name': { type: 'string', short: 'p' },
  project: { type: 'string' },
  compose: { type: 'boolean' },
  as: { type: 'string' },
  profile: { type: 'string', multiple: true },
} as const;

export const MANIFEST_OPTIONS_HELP = `Manifest options:
  -f, --file FILE            A manifest; repeat to merge several in order (default: moor.yaml
                             or moor.yml in the current directory, else the files COMPOSE_FILE
                             names, else compose.yaml, compose.yml, docker-compose.yml or
                             docker-compose.yaml, with compose.override.yaml & co. merged over it)
      --env-file FILE        Variables for \${VAR} interpolation; repeatable, later files win
                             (default: .env next to the first manifest). The environment wins
                             over every env file.
      --allow-external-files Let file: and env_file: name files outside the manifest's folder
  -p, --project-name NAME    The project name (also --project), in place of the manifest's
                             project: (Compose files: name:, COMPOSE_PROJECT_NAME, the folder)

Compose files (read as Compose when they have services:, name:, version: or include: and no
project:, or with --compose):
      --compose              Read the files as Compose files
      --as containers|services
                             containers (default): each Compose service becomes plain
                             containers, as with docker compose up; services: each becomes a
                             Swarm service, as with docker stack deploy
      --profile NAME         Enable the services of a profile; repeatable (default:
                             COMPOSE_PROFILES)`;

export interface ManifestOptionValues {
  readonly file?: readonly string[] | undefined;
  readonly 'env-file'?: readonly string[] | undefined;
  readonly 'allow-external-files'?: boolean | undefined;
  readonly 'project-name'?: string | undefined;
  readonly project?: string | undefined;
  readonly compose?: boolean | undefined;
  readonly as?: string | undefined;
  readonly profile?: readonly string[] | undefined;
}

const MOOR_FILES = ['moor.yaml', 'moor.yml'];
/** Compose's default file names and override files, in its order of preference. */
const COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
const COMPOSE_OVERRIDES = ['compose.override.yml', 'compose.override.yaml', 'docker-compose.override.yml', 'docker-compose.override.yaml'];
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** The manifest files to read: the -f options, or the default files of the working directory. */
export function manifestFiles(values: ManifestOptionValues, ctx: Pick<CommandContext, 'cwd' | 'env'>): { files: string[]; warnings: string[] } {
  for (const file of values['env-file'] ?? []) requireFileName('--env-file', file);
  if (values.file !== undefined && values.file.length > 0) return { files: values.file.map((file) => requireFileName('-f/--file', file)), warnings: [] };
  const present = (names: readonly string[]): string[] => names.filter((name) => existsSync(path.join(ctx.cwd, name)));
  const moor = values.compose === true ? [] : present(MOOR_FILES);
  if (moor[0] !== undefined) return { files: [moor[0]], warnings: moor.length > 1 ? ['both moor.yaml and moor.yml exist: using moor.yaml'] : [] };
  const named = composeFileVariable(values, ctx);
  if (named !== null) return { files: named, warnings: [] };
  const [compose, ...others] = present(COMPOSE_FILES);
  if (compose === undefined) {
    const looked = values.compose === true ? COMPOSE_FILES.join(', ') : `moor.yaml, moor.yml, ${COMPOSE_FILES.join(', ')}`;
    throw new UsageError(`no manifest in ${ctx.cwd} (looked for ${looked}): name one with -f FILE`);
  }
  const [override] = present(COMPOSE_OVERRIDES);
  const warnings = others.length > 0 ? [`several Compose files exist (${[compose, ...others].join(', ')}): using ${compose}`] : [];
  return { files: override === undefined ? [compose] : [compose, override], warnings };
}

/**
 * The files COMPOSE_FILE names, as Compose reads it when no -f is given: from the environment,
 * else from the env files (--env-file, else .env in the current folder; later files win),
 * separated by COMPOSE_PATH_SEPARATOR (default ':'), relative to the current folder. null when it
 * is not set. An env file that cannot be read is passed over here: the loader reports it.
 */
function composeFileVariable(values: ManifestOptionValues, ctx: Pick<CommandContext, 'cwd' | 'env'>): string[] | null {
  const fromFiles = new Map<string, string>();
  const variable = (name: string): string | undefined => ctx.env[name] ?? fromFiles.get(name);
  for (const file of values['env-file'] ?? ['.env']) {
    let text: string;
    try {
      text = readFileSync(path.resolve(ctx.cwd, file), 'utf8');
    } catch {
      continue;
    }
    for (const { key, value } of parseEnvFile(text).entries) if (value !== null) fromFiles.set(key, value);
  }
  const list = variable('COMPOSE_FILE');
  if (list === undefined || list === '') return null;
  const given = variable('COMPOSE_PATH_SEPARATOR');
  const separator = given === undefined || given === '' ? ':' : given;
  const files = list.split(separator).filter((file) => file !== '');
  return files.length === 0 ? null : files;
}

/** -p / --project-name / --project: one name, valid for the Engine. */
export function projectNameOption(values: ManifestOptionValues): string | undefined {
  const given = [...new Set([values['project-name'], values.project].filter((v): v is string => v !== undefined))];
  if (given.length > 1) throw new UsageError(`-p/--project-name and --project name different projects ('${given.join("' and '")}'): give one`);
  const [name] = given;
  if (name !== undefined && !PROJECT_NAME.test(name)) throw new UsageError(`the project name must match ${PROJECT_NAME.source} (lower case letters, digits, "_" and "-"), not '${name}'`);
  return name;
}

function readingOption(values: ManifestOptionValues): Reading | undefined {
  if (values.as === undefined) return undefined;
  const reading = READINGS.find((r) => r === values.as);
  if (reading === undefined) throw new UsageError(`--as must be containers or services, not '${values.as}'`);
  return reading;
}

/** The options that decide how the files are read (format, reading, project name, profiles). */
export function readingOptions(values: ManifestOptionValues): Pick<ProjectLoadOptions, 'compose' | 'reading' | 'projectName' | 'profiles'> {
  const reading = readingOption(values);
  const projectName = projectNameOption(values);
  return {
    compose: values.compose === true,
    ...(reading === undefined ? {} : { reading }),
    ...(projectName === undefined ? {} : { projectName }),
    profiles: values.profile ?? [],
  };
}

/** A loader of the files with the reading the options ask for (for moor watch, which reloads at every cycle). */
export function manifestLoader(values: ManifestOptionValues): (options: LoadOptions) => Promise<ProjectLoadResult> {
  const reading = readingOptions(values);
  return (options) => loadProject({ ...options, ...reading });
}

export type LoadedFromOptions = ProjectLoadResult & { readonly notes: readonly string[]; /** The manifest files as given (or found). */ readonly written: readonly string[] };

/** Loads the manifests the options name; every problem is in the result, none is thrown (bad options are usage errors). */
export async function loadFromOptions(values: ManifestOptionValues, ctx: Pick<CommandContext, 'cwd' | 'env'>): Promise<LoadedFromOptions> {
  return loadWith(values, ctx, loadProject);
}

/** The files the options name, read by `load` with the options' reading. */
async function loadWith<R extends { readonly detection: Detection }>(values: ManifestOptionValues, ctx: Pick<CommandContext, 'cwd' | 'env'>, load: (options: ProjectLoadOptions) => Promise<R>): Promise<R & { readonly notes: readonly string[]; readonly written: readonly string[] }> {
  const reading = readingOptions(values);
  const { files, warnings } = manifestFiles(values, ctx);
  const result = await load({
    files,
    cwd: ctx.cwd,
    env: ctx.env,
    envFiles: values['env-file'] ?? [],
    allowExternalFiles: values['allow-external-files'] === true,
    ...reading,
  });
  if (result.detection.format === 'moor' && (reading.reading !== undefined || (values.profile ?? []).length > 0)) {
    throw new UsageError(`${reading.reading === undefined ? '--profile' : '--as'} applies to Compose files, and this is a moor manifest (${result.detection.reason}); add --compose to read it as Compose`);
  }
  return { ...result, notes: warnings, written: files };
}

/** One line saying how Compose files were read (null for moor manifests): plans and validate print it. */
export function describeSource(result: { readonly compose?: Omit<ComposeInfo, 'tree'> | undefined }, files: readonly string[]): string | null {
  const c = result.compose;
  if (c === undefined) return null;
  const from: Readonly<Record<typeof c.projectFrom, string>> = { '-p': '-p', COMPOSE_PROJECT_NAME: 'COMPOSE_PROJECT_NAME', 'name:': 'name:', folder: 'the folder name' };
  const project = c.project === '' ? '' : `; project ${c.project} (from ${from[c.projectFrom]})`;
  const profiles = c.profiles.length === 0 ? '' : `; profiles ${c.profiles.join(', ')}`;
  return `Read ${files.join(', ')} as Compose (--as ${c.reading}: ${describeReading(c.reading)})${project}${profiles}.`;
}

/** The source of a plan in JSON output. */
export function sourceJson(result: ProjectLoadResult, files: readonly string[]): Record<string, unknown> {
  const c = result.compose;
  const base = { format: result.detection.format, files: [...files] };
  return c === undefined ? base : { ...base, as: c.reading, project_from: c.projectFrom, profiles: [...c.profiles] };
}

/** The reading options, as a saved plan records them. */
export function savedReading(values: ManifestOptionValues): SavedReading {
  return { compose: values.compose === true, as: values.as ?? null, project_name: projectNameOption(values) ?? null, profiles: [...(values.profile ?? [])] };
}

/** The reading options of a saved plan, for apply --plan (options given again on the command line win). */
export function readingValues(values: ManifestOptionValues, saved: SavedReading | undefined): ManifestOptionValues {
  if (saved === undefined) return values;
  return {
    ...values,
    compose: values.compose ?? saved.compose,
    as: values.as ?? saved.as ?? undefined,
    'project-name': values['project-name'] ?? values.project ?? saved.project_name ?? undefined,
    profile: values.profile ?? [...saved.profiles],
  };
}

export interface LoadedDesired {
  readonly desired: DesiredProject;
  readonly warnings: readonly Issue[];
  /** How Compose files were read (null for moor manifests). */
  readonly source: string | null;
  readonly sourceJson: Record<string, unknown>;
}

/** For commands that need a desired state: the project, or a ManifestError listing every issue. */
export async function loadDesiredOrThrow(values: ManifestOptionValues, ctx: Pick<CommandContext, 'cwd' | 'env'>): Promise<LoadedDesired> {
  const result = await loadFromOptions(values, ctx);
  const source = describeSource(result, result.written);
  if (!result.ok) throw new ManifestError(result.issues, source === null ? [] : [source]);
  return { desired: result.desired, warnings: result.warnings, source, sourceJson: sourceJson(result, result.written) };
}

/**
 * For `moor destroy`: only the project name of the manifests (compose/front.ts, loadProjectName:
 * no secret's value, no named file, no variable but the name's), or a ManifestError.
 */
export async function loadProjectNameOrThrow(values: ManifestOptionValues, ctx: Pick<CommandContext, 'cwd' | 'env'>): Promise<{ readonly project: string; readonly notes: readonly string[]; readonly source: string | null }> {
  const result = await loadWith(values, ctx, loadProjectName);
  const source = describeSource(result, result.written);
  if (!result.ok) throw new ManifestError(result.issues, source === null ? [] : [source]);
  return { project: result.project, notes: result.notes, source };
}
