// loadManifest: manifest files -> DesiredProject, or every problem found, each positioned.
//
//   read (size cap, UTF-8) -> parse YAML (parse-yaml.ts) -> interpolate (per file, interpolate.ts)
//   -> merge in order (merge.ts) -> schema (schema.ts) -> read named files (files.ts)
//   -> normalise + cross-object checks (normalise.ts)
//
// The tail from the merged located tree on (`resolveTree`) is shared with any other front end: a
// Compose reader converts compose.yaml into the same tree shape and calls it. No Engine call is
// made; nothing here throws for bad input.
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { DesiredProject, SourceLocation } from '../model/desired.js';
import { parseEnvFile } from './env-file.js';
import { type InterpolatedValues, collectInterpolated, quoteAsWritten } from './as-written.js';
import { type FileRead, describeFsError, isMissing, readProjectFile } from './files.js';
import { type Lookup, interpolateString, interpolateTree } from './interpolate.js';
import { type Issue, Issues, type ValuePath, formatPath, quoteValue } from './issues.js';
import type { Manifest } from './manifest-types.js';
import { mergeTrees } from './merge.js';
import { collectFileReferences, normaliseManifest } from './normalise.js';
import { parseYaml } from './parse-yaml.js';
import { validateSchema } from './schema.js';
import { Locator, type Node, deleteField, toPlain } from './tree.js';

/** Manifests larger than this are refused before parsing. */
export const MAX_MANIFEST_BYTES = 10 * 1024 * 1024;
const MAX_DOTENV_BYTES = 1024 * 1024;

export interface LoadOptions {
  /** Manifest files in merge order, relative to `cwd` or absolute. At least one. */
  readonly files: readonly string[];
  readonly cwd: string;
  /** moor's environment: for interpolation (it wins over env files) and bare environment keys. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--env-file` files, in order (later ones win). Default: `.env` next to the first manifest, if any. */
  readonly envFiles?: readonly string[];
  /** Let `file:` and `env_file:` name files outside the project folder. */
  readonly allowExternalFiles?: boolean;
  readonly maxManifestBytes?: number;
  /** `-p NAME`: the project name, in place of the manifest's `project:`. */
  readonly projectName?: string;
}

export type LoadResult =
  | {
      readonly ok: true;
      readonly desired: DesiredProject;
      /** Absolute paths of the manifests read. */
      readonly files: readonly string[];
      /** Absolute paths of the files the manifests name, read too: `file:` sources, `env_file:`. */
      readonly namedFiles: readonly string[];
      readonly warnings: readonly Issue[];
    }
  | { readonly ok: false; readonly issues: readonly Issue[] };

export async function loadManifest(options: LoadOptions): Promise<LoadResult> {
  const read = await readManifests(options, (root) => root);
  if (read.tree === null) return { ok: false, issues: read.issues.sorted(read.order) };
  const { projectDir, lookup, display, issues, order, files } = read;
  const context: ResolveContext = { projectDir, env: options.env, lookup, display, issues, order, files, allowExternalFiles: options.allowExternalFiles ?? false };
  const result = await resolveTree(read.tree, context);
  // A variable's value is often a secret the file never holds: messages quote it as written.
  if (read.interpolated.size === 0) return result;
  const asWritten = (all: readonly Issue[]): Issue[] => all.map((i) => quoteAsWritten(i, read.interpolated));
  return result.ok ? { ...result, warnings: asWritten(result.warnings) } : { ok: false, issues: asWritten(result.issues) };
}

export type ProjectNameResult = { readonly ok: true; readonly project: string } | { readonly ok: false; readonly issues: readonly Issue[] };

/**
 * Only the project name of the manifests: what `moor destroy` needs, which plans against an empty
 * project. The manifests as loadManifest reads them, each cut down to its `project:` before it is
 * interpolated: so the files must be read and parsed, the variables `project:` names be set, and
 * the name be valid (the schema's own messages), and nothing else is read or checked (no other
 * variable, no `file:` or `env_file:`, no secret's environment variable, no other field).
 */
export async function loadManifestProjectName(options: LoadOptions): Promise<ProjectNameResult> {
  const read = await readManifests(options, (root) => (root.kind === 'map' ? { ...root, entries: new Map([...root.entries].filter(([key]) => key === 'project')) } : root));
  if (read.tree === null) return { ok: false, issues: read.issues.sorted(read.order) };
  const plain = toPlain(read.tree);
  validateSchema(plain, new Locator(read.tree), read.issues);
  if (read.issues.hasErrors) return { ok: false, issues: read.issues.sorted(read.order).map((i) => quoteAsWritten(i, read.interpolated)) };
  return { ok: true, project: (plain as { project: string }).project };
}

interface ReadManifests {
  /** The merged tree, named by -p; null when a file could not be read or parsed. */
  readonly tree: Node | null;
  /** Absolute paths of the manifests. */
  readonly files: readonly string[];
  readonly display: (absolute: string) => string;
  readonly issues: Issues;
  readonly order: readonly string[];
  readonly projectDir: string;
  readonly lookup: Lookup;
  readonly interpolated: InterpolatedValues;
}

/** What both readings share: the variables; each file read, parsed, cut down by `select` and interpolated; then merged, and named by -p. */
async function readManifests(options: LoadOptions, select: (root: Node) => Node): Promise<ReadManifests> {
  const { cwd } = options;
  const files = options.files.map((f) => path.resolve(cwd, f));
  const display = (file: string): string => displayPath(cwd, file);
  const issues = new Issues();
  const order = files.map(display);
  const first = files[0];
  if (first === undefined) throw new Error('loadManifest needs at least one file');
  const projectDir = path.dirname(first);

  const lookup = await loadVariables(options, projectDir, display, issues);
  const trees: Node[] = [];
  const interpolated: InterpolatedValues = new Map();
  let unreadable = false;
  for (const file of files) {
    const read = await readText(file, options.maxManifestBytes ?? MAX_MANIFEST_BYTES, 'manifest');
    if (!read.ok) {
      issues.add('error', { file: display(file), line: 0, column: 0 }, [], read.error, null);
      unreadable = true;
      continue;
    }
    const parsed = parseYaml(read.text, display(file));
    issues.addAll(parsed.issues);
    if (parsed.root === null) {
      unreadable = true;
      continue;
    }
    const failed = new Issues();
    const tree = interpolateTree(select(parsed.root), lookup, failed);
    collectInterpolated(tree, interpolated);
    trees.push(tree);
    issues.addAll(failed.sorted());
    // A value that failed to interpolate would only cause more (confusing) messages downstream.
    for (const issue of failed.sorted()) issues.suppressBelow(issue.path);
  }
  const merged = unreadable ? null : trees.reduce((base, over) => mergeTrees(base, over, issues));
  const tree = merged === null || options.projectName === undefined ? merged : withProjectName(merged, options.projectName);
  return { tree, files, display, issues, order, projectDir, lookup, interpolated };
}

/** The tree with `project:` set to `name` (given on the command line: positioned where project: was, or at the top). */
function withProjectName(root: Node, name: string): Node {
  if (root.kind !== 'map') return root;
  const previous = root.entries.get('project');
  const loc = previous?.value.loc ?? root.loc;
  const entries = new Map(root.entries);
  entries.set('project', { keyLoc: previous?.keyLoc ?? root.loc, value: { kind: 'scalar', loc, value: name, text: name, plain: false } });
  return { ...root, entries };
}

/** What the shared tail needs besides the tree: a front end (moor.yaml, later compose.yaml) provides it. */
export interface ResolveContext {
  /** Relative paths in the tree (file:, env_file:, bind sources) start here. */
  readonly projectDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly lookup: Lookup;
  readonly allowExternalFiles?: boolean;
  /** How to show an absolute path in messages. */
  readonly display: (absolute: string) => string;
  /** Where problems go; the front end's own (parse, interpolation) are already in it. */
  readonly issues: Issues;
  /** Display names of the source files, to order the issues by. */
  readonly order: readonly string[];
  /** Absolute paths of the source files, for LoadResult.files. */
  readonly files: readonly string[];
}

/** From the merged located tree: schema, named files, normalisation and checks. */
export async function resolveTree(tree: Node, c: ResolveContext): Promise<LoadResult> {
  const { issues } = c;
  const plain = toPlain(tree);
  const locator = new Locator(tree);
  const schema = validateSchema(plain, locator, issues);
  if (!schema.usable) return { ok: false, issues: issues.sorted(c.order) };
  // The rest of a container or service is still checked without the values the schema refused
  // (reported once, not again by the checks below).
  for (const at of schema.pruned) {
    deleteField(plain, at);
    issues.suppressBelow(formatPath(at));
  }

  const files = new Map<string, FileRead>();
  for (const ref of collectFileReferences(plain)) {
    files.set(ref.written, await readProjectFile(ref.written, { projectDir: c.projectDir, allowExternalFiles: c.allowExternalFiles ?? false, maxBytes: ref.maxBytes }));
  }
  const desired = normaliseManifest(
    { manifest: plain as Manifest, invalid: schema.invalid, locator, projectDir: c.projectDir, lookup: c.lookup, home: c.env.HOME ?? null, files, displayPath: c.display },
    issues,
  );
  const all = issues.sorted(c.order);
  if (issues.hasErrors) return { ok: false, issues: all };
  return { ok: true, desired, files: c.files, namedFiles: [...files.keys()].map((written) => path.resolve(c.projectDir, written)), warnings: all };
}

/** Interpolation variables: moor's environment wins over env files, later env files over earlier ones. */
async function loadVariables(options: LoadOptions, projectDir: string, display: (f: string) => string, issues: Issues): Promise<Lookup> {
  const explicit = (options.envFiles ?? []).length > 0;
  const envFiles = explicit ? (options.envFiles ?? []).map((f) => path.resolve(options.cwd, f)) : [path.join(projectDir, '.env')];
  const fromEnvironment: Lookup = (name) => options.env[name];
  const variables = await readEnvFiles(envFiles, explicit, display, issues, fromEnvironment);
  return (name) => options.env[name] ?? variables.get(name);
}

/** Where a manifest names a file (a Compose include's env_file:): problems reading it are reported there. */
export interface NamedAt {
  readonly loc: SourceLocation;
  readonly path: ValuePath;
  /** The name as written (a variable kept): messages quote it. */
  readonly written: string;
}

/**
 * The variables of env files (absolute paths), later files winning. A missing file is an error
 * only when `required` (a default `.env` may be absent); other problems always are. A file that
 * cannot be read is reported on itself (a command-line --env-file, the default .env), or where
 * `namedAt` (by index) says a manifest names it.
 * Unquoted and double-quoted values are expanded as Compose expands the project's env files
 * (compose-go's dotenv): `${VAR}`, `$VAR` and the default, required and alternative forms, from
 * `outer` (moor's environment, which wins) then the lines read before (in this file and earlier
 * ones); single-quoted values are literal. Strict, as interpolation is: a variable that is not set
 * is an error at the line, which names neither the value nor the variable (a value may be a secret
 * with a "$" in it).
 */
export async function readEnvFiles(files: readonly string[], required: boolean, display: (f: string) => string, issues: Issues, outer: Lookup, namedAt: readonly NamedAt[] = []): Promise<Map<string, string>> {
  const variables = new Map<string, string>();
  for (const [i, file] of files.entries()) {
    const read = await readText(file, MAX_DOTENV_BYTES, 'env file');
    if (!read.ok) {
      const named = namedAt[i];
      if (!required && read.missing) continue;
      if (named === undefined) issues.add('error', { file: display(file), line: 0, column: 0 }, [], read.error, null);
      else issues.error(named.loc, named.path, `${quoteValue(named.written)}: ${read.error}`);
      continue;
    }
    const parsed = parseEnvFile(read.text);
    for (const p of parsed.problems) issues.add('error', { file: display(file), line: p.line, column: p.column }, [], p.message, null);
    for (const entry of parsed.entries) {
      if (entry.value === null) continue;
      if (entry.template === null) {
        variables.set(entry.key, entry.value);
        continue;
      }
      const expanded = interpolateString(entry.template, (name) => outer(name) ?? variables.get(name));
      if (expanded.ok) variables.set(entry.key, expanded.value);
      else issues.add('error', { file: display(file), line: entry.line, column: 1 }, [], `the value of ${entry.key} cannot be expanded: a variable in it is not set (or is required), or a "$" starts no variable (write "$$" for a literal "$", or single-quote the value to take it as written)`, null);
    }
  }
  return variables;
}

/**
 * How messages show a file: relative to the working directory (`moor.yaml`, `app/moor.yaml`,
 * `../other/moor.yaml`), but absolute for the working directory itself or a folder above it,
 * whose relative forms (`` and `../..`) read as nothing or as a riddle.
 */
export function displayPath(cwd: string, file: string): string {
  const relative = path.relative(cwd, file);
  return relative === '' || relative.split(path.sep).every((part) => part === '..') ? file : relative;
}

export type TextRead = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: string; readonly missing: boolean };

/** A whole text file, UTF-8, at most `maxBytes`; `what` names it in messages. */
export async function readText(file: string, maxBytes: number, what: string): Promise<TextRead> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err: unknown) {
    return { ok: false, error: `cannot read the ${what}: ${describeFsError(err)}`, missing: isMissing(err) };
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) return { ok: false, error: `the ${what} is a folder, not a file`, missing: false };
    if (!stat.isFile()) return { ok: false, error: `the ${what} is not a regular file`, missing: false };
    if (stat.size > maxBytes) return { ok: false, error: `the ${what} is ${stat.size} bytes: the limit is ${formatMiB(maxBytes)}`, missing: false };
    const buffer = Buffer.alloc(stat.size);
    const { bytesRead } = await handle.read(buffer, 0, stat.size, 0);
    try {
      return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buffer.subarray(0, bytesRead)) };
    } catch {
      return { ok: false, error: `the ${what} is not UTF-8 text`, missing: false };
    }
  } catch (err: unknown) {
    return { ok: false, error: `cannot read the ${what}: ${describeFsError(err)}`, missing: false };
  } finally {
    await handle.close();
  }
}

function formatMiB(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
