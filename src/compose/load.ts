// loadCompose: Compose files -> DesiredProject, through the same tail as moor.yaml:
//
//   read, parse (Compose's !reset / !override allowed) -> project name -> per file: interpolate
//   (with COMPOSE_PROJECT_NAME), include, extends -> merge in order (Compose's rules, merge.ts)
//   -> profiles -> translate to a moor tree (translate.ts) -> resolveTree (schema, files,
//   normalisation, checks) -> messages rewritten to Compose paths (paths.ts)
//
// The project name follows Compose: -p, else COMPOSE_PROJECT_NAME, else the files' `name:`, else
// the project folder's name (lower-cased, stripped to [a-z0-9_-]). Interpolation is moor's (strict:
// an unset variable without a default is an error, where Compose would use ""). Nothing here throws
// for bad input, and nothing calls the Engine.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SourceLocation } from '../model/desired.js';
import { type InterpolatedValues, collectInterpolated, quoteAsWritten } from '../manifest/as-written.js';
import { type Lookup, interpolateString, interpolateTree } from '../manifest/interpolate.js';
import { type Issue, Issues, positionKey, quoteValue } from '../manifest/issues.js';
import { type LoadOptions, type LoadResult, MAX_MANIFEST_BYTES, type ProjectNameResult, displayPath, readEnvFiles, readText, resolveTree } from '../manifest/load.js';
import { parseYaml } from '../manifest/parse-yaml.js';
import type { MapEntry, Node } from '../manifest/tree.js';
import { type IncludedServices, resolveExtends } from './extends.js';
import { finishMerge, mergeCompose } from './merge.js';
import { get, isMap, isSeq, map, sameValue, text, writtenText } from './nodes.js';
import { rewriteIssue } from './paths.js';
import { applyProfiles, selectedProfiles } from './profiles.js';
import type { Reading } from './reading.js';
import { absoluteDefinitionPaths, rebaseFile } from './rebase.js';
import { translateCompose } from './translate.js';

export const COMPOSE_TAGS: ReadonlySet<string> = new Set(['!reset', '!override']);
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const MAX_INCLUDE_DEPTH = 10;

export interface ComposeLoadOptions extends LoadOptions {
  readonly reading: Reading;
  /** --profile (repeatable); none: COMPOSE_PROFILES. */
  readonly profiles?: readonly string[];
}

export type ProjectNameSource = '-p' | 'COMPOSE_PROJECT_NAME' | 'name:' | 'folder';

export interface ComposeInfo {
  readonly reading: Reading;
  /** '' when it could not be determined (an issue says why). */
  readonly project: string;
  readonly projectFrom: ProjectNameSource;
  readonly profiles: readonly string[];
  /** The moor manifest the files translate to (null when they could not be read). */
  readonly tree: Node | null;
}

export type ComposeLoadResult = LoadResult & { readonly compose: ComposeInfo };

export async function loadCompose(options: ComposeLoadOptions): Promise<ComposeLoadResult> {
  const { absolute, display, order, issues, projectDir, baseLookup, profiles, roots, named } = await readComposeProject(options);
  const info = (project: string, projectFrom: ProjectNameSource, tree: Node | null): ComposeInfo => ({ reading: options.reading, project, projectFrom, profiles, tree });
  if (named === null) return { ok: false, issues: issues.sorted(order), compose: info('', 'folder', null) };
  const lookup: Lookup = (name) => (name === 'COMPOSE_PROJECT_NAME' ? named.name : baseLookup(name));
  const interpolated: InterpolatedValues = new Map();
  const interpolate = (root: Node, using: Lookup): Node => {
    const out = interpolateTree(root, using, issues);
    collectInterpolated(out, interpolated);
    return out;
  };
  /** A file read from another folder, once its paths are rebased: messages quote them as it writes them. */
  const rebased = (root: Node): Node => {
    collectInterpolated(root, interpolated);
    return root;
  };

  const loader = new FileLoader(projectDir, display, issues, options.maxManifestBytes ?? MAX_MANIFEST_BYTES);
  // Each file is read as Compose reads it, before the files merge: what its include: brings read
  // first, then its extends: resolved (a base from the file itself, else from what it includes, or
  // from the file named), then what it includes added to it. A later file may so change an included
  // service (only the including file may not define it again), and a base is merged under the
  // extending service of its file only, not over what earlier files say of it. The file an
  // extends: names is interpolated with the variables of the file naming it (`using`): an included
  // file's own .env reaches what it extends, as in Compose.
  const extendsFailed = new Set<string>();
  const extend = async (root: Node, file: string, using: Lookup, brought?: ReadonlyMap<string, Node>): Promise<Node> => {
    // The included files were read first: a failed chain there is already recorded (by name, as imageExplained is).
    const included: IncludedServices | undefined = brought === undefined ? undefined : { services: brought, failed: extendsFailed };
    const extended = await resolveExtends(
      root,
      file,
      async (written, at, node) => {
        const abs = path.resolve(projectDir, written);
        const read = await loader.read(abs, writtenText(node) ?? written, node.loc, at);
        return read === null ? null : { id: abs, root: rebased(keepSourceWhere(rebaseFile(interpolate(read, using), path.dirname(abs), projectDir), lookup)) };
      },
      issues,
      included,
    );
    for (const name of extended.failed) extendsFailed.add(name);
    return extended.root;
  };
  const include: IncludeContext = { projectDir, lookup, projectLookup: lookup, interpolate, rebased, extend, loader, display, issues, seen: new Set(absolute), depth: 0 };
  const files: Node[] = [];
  for (const [i, root] of roots.entries()) files.push(await readComposeFile(interpolate(root, lookup), absolute[i] as string, include));
  const model = applyProfiles(finishMerge(files.reduce((base, over) => mergeCompose(base, over, issues))), profiles, options.reading, issues);

  const translation = translateCompose(
    { root: model, reading: options.reading, project: named.name, projectLoc: named.loc, projectDir, lookup, exists: existsSync, imageExplained: extendsFailed },
    issues,
  );
  const tail = new Issues();
  const result = await resolveTree(translation.tree, {
    projectDir,
    env: options.env,
    lookup,
    allowExternalFiles: options.allowExternalFiles ?? false,
    display,
    issues: tail,
    order,
    files: absolute,
  });
  // One error per position: a value the front end already refused (it failed to interpolate, to
  // merge, to translate) is not reported again by the schema; nor is the missing image of a
  // service whose build: or extends: was refused.
  const front = firstErrorPerPosition(issues.sorted(order));
  const refusedAt = new Set(front.filter((i) => i.severity === 'error').map(positionKey));
  const tailIssues = (result.ok ? result.warnings : result.issues)
    .map((i) => rewriteIssue(i, translation.paths))
    .filter((i) => !(i.severity === 'error' && refusedAt.has(positionKey(i))))
    .filter((i) => !(translation.imageExplained.has(i.path) && i.message.endsWith('missing required field "image"')));
  const all = new Issues();
  all.addAll(front.map((i) => quoteAsWritten(i, interpolated)));
  all.addAll(tailIssues.map((i) => quoteAsWritten(i, interpolated)));
  const compose = info(named.name, named.from, translation.tree);
  if (!result.ok || all.hasErrors) return { ok: false, issues: all.sorted(order), compose };
  // Every file read (extends: and include: ones too): moor watch reloads when one changes.
  return { ok: true, desired: result.desired, files: [...absolute, ...loader.files], namedFiles: result.namedFiles, warnings: all.sorted(order), compose };
}

/** Errors at a position already holding an error are left out (the first one explains the value). */
function firstErrorPerPosition(issues: readonly Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    if (i.severity !== 'error' || i.line === 0) return true;
    if (seen.has(positionKey(i))) return false;
    seen.add(positionKey(i));
    return true;
  });
}

/**
 * Only the project name of the files, as loadCompose finds it (-p, COMPOSE_PROJECT_NAME, `name:`,
 * the folder): what `moor destroy` needs. The files must be read and parsed; nothing else in them
 * is interpolated, read or checked.
 */
export async function loadComposeProjectName(options: ComposeLoadOptions): Promise<ProjectNameResult & { readonly compose: Omit<ComposeInfo, 'tree'> }> {
  const { issues, order, profiles, named } = await readComposeProject(options);
  const compose = { reading: options.reading, project: named?.name ?? '', projectFrom: named?.from ?? 'folder', profiles };
  return named === null ? { ok: false, issues: issues.sorted(order), compose } : { ok: true, project: named.name, compose };
}

interface ComposeStart {
  /** Absolute paths of the files. */
  readonly absolute: readonly string[];
  readonly display: (absolute: string) => string;
  readonly order: readonly string[];
  readonly issues: Issues;
  readonly projectDir: string;
  /** The variables, before COMPOSE_PROJECT_NAME is known. */
  readonly baseLookup: Lookup;
  readonly profiles: readonly string[];
  readonly roots: readonly Node[];
  /** null when a file could not be read or parsed, or the name not told (the issues say why). */
  readonly named: ProjectName | null;
}

/** The start of both readings: the variables, the files parsed and the project's name. */
async function readComposeProject(options: ComposeLoadOptions): Promise<ComposeStart> {
  const { cwd } = options;
  const absolute = options.files.map((f) => path.resolve(cwd, f));
  const display = (file: string): string => displayPath(cwd, file);
  const order = absolute.map(display);
  const issues = new Issues();
  const first = absolute[0];
  if (first === undefined) throw new Error('loadCompose needs at least one file');
  const projectDir = path.dirname(first);
  const explicitEnv = (options.envFiles ?? []).length > 0;
  const envFiles = explicitEnv ? (options.envFiles ?? []).map((f) => path.resolve(cwd, f)) : [path.join(projectDir, '.env')];
  const variables = await readEnvFiles(envFiles, explicitEnv, display, issues, (name) => options.env[name]);
  const baseLookup: Lookup = (name) => options.env[name] ?? variables.get(name);
  const profiles = selectedProfiles(options.profiles ?? [], baseLookup('COMPOSE_PROFILES'));

  const roots: Node[] = [];
  for (const file of absolute) {
    const root = await parseFile(file, display(file), options.maxManifestBytes ?? MAX_MANIFEST_BYTES, issues);
    if (root !== null) roots.push(root);
  }
  const named = roots.length === absolute.length ? projectName(options, roots, baseLookup, projectDir, issues) : null;
  return { absolute, display, order, issues, projectDir, baseLookup, profiles, roots, named };
}

async function parseFile(file: string, shown: string, maxBytes: number, issues: Issues): Promise<Node | null> {
  const read = await readText(file, maxBytes, 'Compose file');
  if (!read.ok) {
    issues.add('error', { file: shown, line: 0, column: 0 }, [], read.error, null);
    return null;
  }
  const parsed = parseYaml(read.text, shown, { allowedTags: COMPOSE_TAGS });
  issues.addAll(parsed.issues);
  return parsed.root;
}

/** Files read for `extends: {file}` and `include:`, each once. */
class FileLoader {
  readonly #cache = new Map<string, Node | null>();
  /** The files read so far. */
  get files(): string[] {
    return [...this.#cache.keys()];
  }

  readonly #projectDir: string;
  readonly #display: (f: string) => string;
  readonly #issues: Issues;
  readonly #maxBytes: number;

  constructor(projectDir: string, display: (f: string) => string, issues: Issues, maxBytes: number) {
    this.#projectDir = projectDir;
    this.#display = display;
    this.#issues = issues;
    this.#maxBytes = maxBytes;
  }

  /**
   * The parsed (not yet interpolated) file, or null after an error at `loc`, which quotes the file
   * as `written` (not as a path normalised from it, which the message rewriting of as-written.ts
   * would not recognise as the interpolated value).
   */
  async read(file: string, written: string, loc: SourceLocation, at: readonly (string | number)[]): Promise<Node | null> {
    if (this.#cache.has(file)) return this.#cache.get(file) ?? null;
    const read = await readText(file, this.#maxBytes, 'Compose file');
    let root: Node | null = null;
    if (!read.ok) this.#issues.error(loc, at, `${quoteValue(written)}: ${read.error}`);
    else {
      const parsed = parseYaml(read.text, this.#display(file), { allowedTags: COMPOSE_TAGS });
      this.#issues.addAll(parsed.issues);
      root = parsed.root;
    }
    this.#cache.set(file, root);
    return root;
  }
}

/** -p, COMPOSE_PROJECT_NAME, the last `name:` of the files, or the project folder's name. */
interface ProjectName {
  readonly name: string;
  readonly from: ProjectNameSource;
  readonly loc: SourceLocation;
}

function projectName(options: ComposeLoadOptions, roots: readonly Node[], lookup: Lookup, projectDir: string, issues: Issues): ProjectName | null {
  const top = (roots[0] as Node).loc;
  if (options.projectName !== undefined) return { name: options.projectName, from: '-p', loc: top };
  const fromEnv = lookup('COMPOSE_PROJECT_NAME');
  if (fromEnv !== undefined && fromEnv !== '') {
    if (PROJECT_NAME.test(fromEnv)) return { name: fromEnv, from: 'COMPOSE_PROJECT_NAME', loc: top };
    issues.add('error', { ...top, line: 0, column: 0 }, [], `COMPOSE_PROJECT_NAME must be lower case letters, digits, "_" and "-", starting with a letter or digit`, null);
    return null;
  }
  let named: Node | undefined;
  for (const root of roots) named = get(root, 'name') ?? named;
  if (named !== undefined) {
    const failed = new Issues();
    const value = text(interpolateTree(named, lookup, failed, ['name']));
    issues.addAll(failed.sorted());
    if (failed.hasErrors) return null;
    if (value !== undefined && PROJECT_NAME.test(value)) return { name: value, from: 'name:', loc: named.loc };
    issues.error(named.loc, ['name'], 'the project name must be lower case letters, digits, "_" and "-", starting with a letter or digit');
    return null;
  }
  const folder = path.basename(projectDir);
  const normalised = folder.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[_-]+/, '');
  if (normalised !== '') return { name: normalised, from: 'folder', loc: top };
  issues.add('error', { ...top, line: 0, column: 0 }, [], `the folder name ${JSON.stringify(folder)} gives no project name: name the project with name: or -p NAME`, null);
  return null;
}

interface IncludeContext {
  readonly projectDir: string;
  /** The variables of the including file. */
  readonly lookup: Lookup;
  /** The project's variables: the only ones a converted manifest can name. */
  readonly projectLookup: Lookup;
  readonly interpolate: (root: Node, lookup: Lookup) => Node;
  /** A file with its paths rebased, noted for messages. */
  readonly rebased: (root: Node) => Node;
  /**
   * A file with its extends: resolved, the files it names interpolated with `lookup`; a base it
   * does not define may be one of `brought` (what its include: brings; none: it has no include:).
   */
  readonly extend: (root: Node, file: string, lookup: Lookup, brought?: ReadonlyMap<string, Node>) => Promise<Node>;
  readonly loader: FileLoader;
  readonly display: (f: string) => string;
  readonly issues: Issues;
  /** Files on the include path (a file including itself, directly or not, is refused). */
  readonly seen: ReadonlySet<string>;
  readonly depth: number;
}

const COLLECTIONS = ['services', 'networks', 'volumes', 'secrets', 'configs'];

/**
 * One file (interpolated, its paths rebased), as Compose reads it before the files merge: what its
 * `include:` brings is read first (readIncluded), then its `extends:` is resolved, a base it does
 * not define itself being looked for in what it includes (compose-go applies a file's include:
 * before its extends:), then what it includes is added to it (addIncluded).
 */
async function readComposeFile(model: Node, file: string, c: IncludeContext): Promise<Node> {
  const included = await readIncluded(model, c);
  const extended = await c.extend(model, file, c.lookup, included === null ? undefined : broughtServices(included));
  if (included === null || !isMap(extended)) return extended;
  const out = new Map<string, MapEntry>([...extended.entries].filter(([k]) => k !== 'include'));
  for (const { model: brought, file: from } of included) addIncluded(out, brought, from, c.projectDir, c.issues);
  return map(out, extended.loc);
}

/** The services that what a file includes brings, each from the first entry that brings it (as addIncluded keeps it). */
function broughtServices(included: readonly Included[]): Map<string, Node> {
  const services = new Map<string, Node>();
  for (const { model } of included) {
    const from = get(model, 'services');
    if (!isMap(from)) continue;
    for (const [name, entry] of from.entries) if (!services.has(name)) services.set(name, entry.value);
  }
  return services;
}

/** What one include: entry brings: its files merged, and the first of them as the entry names it (for messages). */
interface Included {
  readonly model: Node;
  readonly file: string;
}

/**
 * `include:` of one file (null: it has none): each entry is read as a Compose application of its
 * own (its relative paths from its folder, its variables from its own .env under the including
 * project's, its files' own include: and extends: resolved in each before they merge); its
 * services, networks, volumes, secrets and configs are then added to the file (readComposeFile);
 * one the file defines too is an error unless both definitions are identical (addIncluded). Other
 * files given with -f may change them: they merge after (as in Compose). An entry that cannot be
 * read is reported, and left out.
 */
async function readIncluded(model: Node, c: IncludeContext): Promise<Included[] | null> {
  const include = get(model, 'include');
  if (!isMap(model) || include === undefined) return null;
  if (!isSeq(include)) {
    c.issues.error(include.loc, ['include'], 'include is a list of files (or of {path, project_directory, env_file})');
    return [];
  }
  const out: Included[] = [];
  for (const [i, item] of include.items.entries()) {
    const at = ['include', i];
    const paths = isMap(item) ? get(item, 'path') : item;
    const named = (isSeq(paths) ? paths.items : paths === undefined ? [] : [paths]).filter((n) => text(n) !== undefined);
    const files = named.map((n) => text(n) as string);
    if (files.length === 0) {
      c.issues.error(item.loc, at, 'an include entry names a Compose file (or {path: ...})');
      continue;
    }
    const absolute = files.map((f) => path.resolve(c.projectDir, f));
    if (absolute.some((f) => c.seen.has(f)) || c.depth >= MAX_INCLUDE_DEPTH) {
      c.issues.error(item.loc, at, c.depth >= MAX_INCLUDE_DEPTH ? `includes are nested more than ${MAX_INCLUDE_DEPTH} deep` : 'the file includes itself (directly or through other files)');
      continue;
    }
    const dirWritten = text(get(item, 'project_directory'));
    const fromDir = dirWritten === undefined ? path.dirname(absolute[0] as string) : path.resolve(c.projectDir, dirWritten);
    // Env files named here: one that cannot be read is reported here, quoted as written.
    const envWritten = get(item, 'env_file');
    const envItems = isSeq(envWritten) ? envWritten.items.map((n, j) => [n, [...at, 'env_file', j]] as const) : envWritten === undefined ? [] : [[envWritten, [...at, 'env_file']] as const];
    const envNamed = envItems.flatMap(([n, p]) => {
      const written = text(n);
      return written === undefined ? [] : [{ file: path.resolve(c.projectDir, written), loc: n.loc, path: p, written: writtenText(n) ?? written }];
    });
    const variables = await readEnvFiles(envNamed.length > 0 ? envNamed.map((e) => e.file) : [path.join(fromDir, '.env')], envNamed.length > 0, c.display, c.issues, c.lookup, envNamed);
    const lookup: Lookup = (name) => c.lookup(name) ?? variables.get(name);
    const roots: Node[] = [];
    for (const [j, file] of absolute.entries()) {
      const root = await c.loader.read(file, writtenText(named[j]) ?? '', item.loc, at);
      if (root !== null) roots.push(c.rebased(keepSourceWhere(rebaseFile(c.interpolate(root, lookup), fromDir, c.projectDir), c.projectLookup)));
    }
    if (roots.length !== absolute.length) continue;
    const nested: IncludeContext = { ...c, lookup, seen: new Set([...c.seen, ...absolute]), depth: c.depth + 1 };
    const read: Node[] = [];
    for (const [j, root] of roots.entries()) read.push(await readComposeFile(root, absolute[j] as string, nested));
    out.push({ model: read.reduce((base, over) => mergeCompose(base, over, c.issues)), file: files[0] as string });
  }
  return out;
}

/**
 * An included file is interpolated with its own .env too; a converted manifest only has the
 * project's. A value is written with its `${VAR}` spelling (by moor convert) only where the
 * project's variables give it the same value; elsewhere the value itself is written (`inlined`).
 * Its `source` stays: messages quote it as written, and plans hide it (it may be a secret).
 */
function keepSourceWhere(node: Node, lookup: Lookup): Node {
  switch (node.kind) {
    case 'scalar': {
      if (node.source === undefined) return node;
      const again = interpolateString(node.source, lookup);
      return again.ok && again.value === node.text ? node : { ...node, inlined: true };
    }
    case 'seq':
      return { ...node, items: node.items.map((i) => keepSourceWhere(i, lookup)) };
    case 'map':
      return { ...node, entries: new Map([...node.entries].map(([k, e]) => [k, { keyLoc: e.keyLoc, value: keepSourceWhere(e.value, lookup) }])) };
  }
}

/**
 * Adds what an included project defines to the including file. A name both define is accepted when
 * the two definitions are identical, and the including file's is kept: compose-go's include
 * compares them too and refuses only different ones. Identical means the same meaning, not the same
 * text: both are compared after their own interpolation (each with its variables: the included
 * file's .env may give what the including file writes as it is) and with their relative paths
 * rebased to the project folder, then made absolute, so a path counts by the file it names:
 * `./data` in sub/compose.yaml is ./sub/data, not the including file's `./data`, while `../data`
 * there and `./data` here are the same. Positions, comments and the order of a mapping's keys do
 * not count; the order of a list, a value's type (`"2"` is not `2`) and the syntax (a port written
 * long or short) do: such pairs are refused, the safe side. (compose-go compared the included
 * definition, its paths already absolute and its syntax canonical, with the including one as
 * written, so it refused more; its latest versions merge the including file's over it instead.)
 */
function addIncluded(out: Map<string, MapEntry>, included: Node, file: string, projectDir: string, issues: Issues): void {
  if (!isMap(included)) return;
  for (const collection of COLLECTIONS) {
    const from = included.entries.get(collection);
    if (from === undefined || !isMap(from.value)) continue;
    const into = out.get(collection);
    const entries = new Map<string, MapEntry>(isMap(into?.value) ? into.value.entries : []);
    for (const [name, entry] of from.value.entries) {
      const existing = entries.get(name);
      if (existing !== undefined) {
        if (sameValue(absoluteDefinitionPaths(collection, existing.value, projectDir), absoluteDefinitionPaths(collection, entry.value, projectDir))) continue;
        const { file: other, line, column } = entry.keyLoc;
        issues.error(existing.keyLoc, [collection, name], `is also defined by the included file ${file} (${other}:${line}:${column}): rename one of them`);
        continue;
      }
      entries.set(name, entry);
    }
    out.set(collection, { keyLoc: into?.keyLoc ?? from.keyLoc, value: map(entries, into?.value.loc ?? from.value.loc) });
  }
}
