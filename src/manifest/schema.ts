// Validation against schemas/moor.schema.json (the single source of truth of the format) with ajv,
// and the translation of ajv's errors into positioned, readable issues:
//   - unknown fields name the field and suggest the nearest known one, or say where it belongs
//     (a Swarm-only field on a container, Compose's `deploy:` section...);
//   - a value that fits no branch of a union (short or long syntax) is explained against the
//     branch of its own type only, instead of listing every branch's complaints;
//   - messages quote values only for enum and pattern fields, which are structural (never
//     environment values, labels or commands).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv2020, ErrorObject, Options, ValidateFunction } from 'ajv/dist/2020.js';
import { type Issues, type PathSegment, type ValuePath, quoteValue } from './issues.js';
import { precompiledValidator } from './precompiled.js';
import { didYouMean } from './suggest.js';
import { type Locator, describeValue } from './tree.js';

const SCHEMA_URL = new URL('../../schemas/moor.schema.json', import.meta.url);

type JsonSchema = Readonly<Record<string, unknown>>;

const require = createRequire(import.meta.url);

/** The ajv options and keywords of moor's schema: the build and the run-time fallback share them. */
export function createAjv(extra: Options = {}): Ajv2020 {
  const { Ajv2020: AjvClass } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const ajv = new AjvClass({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, ...extra });
  // The JSON language service (VS Code, yaml-language-server) shows `errorMessage`; so do we.
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  return ajv;
}

export function readSchema(): JsonSchema {
  return JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as JsonSchema;
}

let validator: ValidateFunction | null = null;
let rootSchema: JsonSchema | null = null;

function schemaValidator(): ValidateFunction {
  if (validator !== null) return validator;
  // Compiling the schema at run time costs ~400 ms of a command's start: the build does it
  // (precompiled.ts); only tests run from src/ compile it here, with the same options.
  validator = precompiledValidator();
  if (validator === null) {
    rootSchema = readSchema();
    validator = createAjv().compile(rootSchema);
  }
  return validator;
}

/** The schema itself: only needed to explain errors. */
function root(): JsonSchema {
  rootSchema ??= readSchema();
  return rootSchema;
}

export const COLLECTIONS = ['networks', 'volumes', 'secrets', 'configs', 'containers', 'services'] as const;
export type Collection = (typeof COLLECTIONS)[number];

export interface SchemaOutcome {
  /** Object ids (`service/web`), collections (`services`) and `project` with schema errors: not normalised. */
  readonly invalid: ReadonlySet<string>;
  /**
   * Values with schema errors that the rest of their container or service can do without (see
   * `prunable`): the object is normalised without them, so its other problems are reported in
   * the same run.
   */
  readonly pruned: readonly (readonly string[])[];
  /** False when the document is not a mapping at all. */
  readonly usable: boolean;
}

const KIND_OF: Readonly<Record<Collection, string>> = { networks: 'network', volumes: 'volume', secrets: 'secret', configs: 'config', containers: 'container', services: 'service' };

/** Validates `value` (the plain form of the merged tree); issues are added at their source. */
export function validateSchema(value: unknown, locator: Locator, issues: Issues): SchemaOutcome {
  const validate = schemaValidator();
  if (validate(value)) return { invalid: new Set(), pruned: [], usable: true };
  const invalid = new Set<string>();
  const pruned: (readonly string[])[] = [];
  let usable = true;
  for (const problem of explain(root(), validate.errors ?? [], value)) {
    report(problem, value, locator, issues);
    const [top, name] = problem.path;
    if (problem.path.length === 0 && problem.error.keyword === 'type') usable = false;
    if (top === 'project') invalid.add('project');
    if (!(COLLECTIONS as readonly PathSegment[]).includes(top as PathSegment)) continue;
    const cut = prunable(problem.path);
    if (cut !== null) pruned.push(cut);
    else invalid.add(name === undefined ? String(top) : `${KIND_OF[top as Collection]}/${String(name)}`);
  }
  return { invalid, pruned, usable };
}

/**
 * What to leave out of a container or service so that the rest of it can be normalised: the
 * field (of the object, or nested in it) that holds the problem, or the whole list when it is in
 * a list's item (taking an item out would shift the positions of the items after it). Null for
 * `image` (required: the object cannot do without it), for the object itself, and for networks,
 * volumes, secrets and configs: their checks are of the object as a whole (a secret whose `file:`
 * is refused would then be reported again, as having no content at all).
 */
function prunable(path: ValuePath): readonly string[] | null {
  const [top] = path;
  if (top !== 'containers' && top !== 'services') return null;
  const item = path.findIndex((segment) => typeof segment === 'number');
  const cut = (item === -1 ? path : path.slice(0, item)) as readonly string[];
  return cut.length < 3 || (cut.length === 3 && cut[2] === 'image') ? null : cut;
}

interface Problem {
  readonly error: ErrorObject;
  /** The path of the value the error is about (for unknown fields: the field itself). */
  readonly path: ValuePath;
}

/**
 * Turns ajv's errors into problems. A union (anyOf) of short and long syntaxes makes ajv report
 * every branch; the branches of moor's schema accept disjoint JSON types, so only the branch of
 * the value's own type can complain below the union's path, and the other branches only say
 * "must be <type>" at it. Those type errors are dropped; a union left with nothing to explain it
 * (the value fits no branch's type) becomes one "must be X or Y" problem.
 */
function explain(schema: JsonSchema, errors: readonly ErrorObject[], data: unknown): Problem[] {
  const all = errors.map((error) => ({ error, path: pointerToPath(error.instancePath, data) }));
  const isUnion = (e: ErrorObject): boolean => e.keyword === 'anyOf' || e.keyword === 'oneOf';
  const unions = all.filter((p) => isUnion(p.error));
  const kept: Problem[] = all.filter((p) => !isUnion(p.error) && !(p.error.keyword === 'type' && unions.some((u) => samePath(u.path, p.path))));
  for (const u of unions) {
    if (kept.some((k) => isPrefix(u.path, k.path))) continue;
    const branches = Array.isArray(u.error.schema) ? (u.error.schema as JsonSchema[]) : [];
    const expected = [...new Set(branches.flatMap((b) => typesOf(schema, b) ?? []))];
    kept.push({ error: { ...u.error, keyword: 'type', params: { type: expected } }, path: u.path });
  }
  return kept.map((p) => (p.error.keyword === 'additionalProperties' ? { error: p.error, path: [...p.path, String(p.error.params.additionalProperty)] } : p));
}

function report(problem: Problem, data: unknown, locator: Locator, issues: Issues): void {
  const { error, path } = problem;
  const parent = (error.parentSchema ?? {}) as JsonSchema;
  const custom = typeof parent.errorMessage === 'string' ? parent.errorMessage : null;
  const value = valueAt(data, path);
  const got = (v: unknown): string => (typeof v === 'string' && v.length <= 60 ? ` (got ${quoteValue(v)})` : typeof v === 'number' ? ` (got ${v})` : '');
  switch (error.keyword) {
    case 'required':
      issues.error(locator.key(path), path, `missing required field "${String(error.params.missingProperty)}"`);
      return;
    case 'additionalProperties': {
      const field = String(path[path.length - 1]);
      const known = Object.keys((parent.properties ?? {}) as JsonSchema);
      issues.error(locator.key(path), path, `unknown field${wrongPlace(field, String(parent.title ?? ''), path.length === 1) ?? didYouMean(field, known)}`);
      return;
    }
    case 'type': {
      const types = ([] as unknown[]).concat(error.params.type).map(String);
      const text = `${custom ?? `must be ${describeTypes(types)}`}, not ${describeValue(value)}`;
      // An empty value has no position of its own worth showing: point at its key.
      issues.error(value === null ? locator.key(path) : locator.value(path), path, path.length === 0 ? `the manifest ${text}` : text);
      return;
    }
    case 'enum':
      issues.error(locator.value(path), path, `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got(value)}`);
      return;
    case 'pattern':
      issues.error(locator.value(path), path, `${custom ?? `must match ${String(error.params.pattern)}`}${got(value)}`);
      return;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      issues.error(locator.value(path), path, `${custom ?? `must be ${String(error.params.comparison)} ${String(error.params.limit)}`}${got(value)}`);
      return;
    default:
      issues.error(locator.value(path), path, error.message ?? `is invalid (${error.keyword})`);
  }
}

// Fields written in the wrong place, with where they belong.
const SWARM_ONLY = ['secrets', 'configs', 'mode', 'replicas', 'update_config', 'rollback_config', 'restart_policy', 'placement', 'resources', 'container_labels', 'endpoint_mode'];
const CONTAINER_ONLY = ['cap_add', 'cap_drop', 'privileged', 'tmpfs', 'extra_hosts', 'dns', 'sysctls', 'ulimits'];

function wrongPlace(field: string, title: string, topLevel: boolean): string | null {
  if (field === 'deploy' && (title === 'Service' || title === 'Container')) {
    return title === 'Service'
      ? ': moor has no deploy: section; mode, replicas, update_config, rollback_config, restart_policy, placement and resources go directly under the service'
      : ': deploy settings are for Swarm services (declare this under services:)';
  }
  if (field === 'build') return ': moor does not build images; give the image to run with image:';
  if (title === 'Container' && SWARM_ONLY.includes(field)) return `: ${field} is a Swarm service feature; containers cannot use it (declare this under services: to use it)`;
  if (title === 'Service') {
    if (field === 'restart') return ': services use restart_policy: {condition, delay, max_attempts, window}';
    if (field === 'mem_limit') return ': services set memory with resources: {limits: {memory}}';
    if (field === 'cpus') return ': services set CPUs with resources: {limits: {cpus}}';
    if (CONTAINER_ONLY.includes(field)) return `: ${field} is supported on containers only`;
  }
  if (topLevel && field === 'version') return ': a moor manifest has no version (this is not a Compose file)';
  if (topLevel && field === 'name') return ': the project is named with project:';
  return null;
}

function describeTypes(types: readonly string[]): string {
  const words: Readonly<Record<string, string>> = { string: 'a string', integer: 'an integer', number: 'a number', boolean: 'a boolean (true or false)', object: 'a mapping', array: 'a list', null: 'empty' };
  // null is accepted in a few places (an empty value), but naming it only confuses the message.
  const list = types.filter((t) => !(t === 'integer' && types.includes('number')) && !(t === 'null' && types.length > 1)).map((t) => words[t] ?? t);
  return list.length <= 1 ? (list[0] ?? 'valid') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1] as string}`;
}

// ---------------------------------------------------------------------------------------------
// JSON helpers

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

function resolveRef(root: JsonSchema, schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return schema;
  return ((root.$defs as Record<string, JsonSchema>)[ref.slice('#/$defs/'.length)] ?? {}) as JsonSchema;
}

/** The JSON types a schema accepts at the top level, or null for any. */
function typesOf(root: JsonSchema, schema: JsonSchema): string[] | null {
  const s = resolveRef(root, schema);
  if (typeof s.type === 'string') return [s.type];
  if (Array.isArray(s.type)) return s.type.map(String);
  if (Array.isArray(s.enum)) return [...new Set(s.enum.map(jsonType))];
  if (Array.isArray(s.anyOf)) {
    const all = (s.anyOf as JsonSchema[]).map((b) => typesOf(root, b));
    return all.includes(null) ? null : all.flatMap((t) => t ?? []);
  }
  return null;
}

function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment: PathSegment = Array.isArray(node) ? Number(key) : key;
    path.push(segment);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return path;
}

function valueAt(data: unknown, path: ValuePath): unknown {
  let node = data;
  for (const segment of path) node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[segment] : undefined;
  return node;
}

function samePath(a: ValuePath, b: ValuePath): boolean {
  return a.length === b.length && isPrefix(a, b);
}

function isPrefix(prefix: ValuePath, path: ValuePath): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => s === path[i]);
}
