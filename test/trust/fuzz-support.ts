// What the manifest fuzzers share (fuzz-manifest.test.ts for moor's format, fuzz-compose.test.ts
// for Compose files): the run knobs (FUZZ_RUNS, FUZZ_SEED/FUZZ_PATH replay), the secret canary,
// YAML styles, the text and tree mutations, and the checks every load outcome must pass. No
// format-specific generator lives here.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LoadResult } from '../../src/manifest/index.js';

export const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

/** fast-check's run options: `numRuns`, and the replay of a failure when FUZZ_SEED is set. */
const runs = (numRuns: number): fc.Parameters<unknown> =>
  process.env.FUZZ_SEED === undefined ? { numRuns } : { numRuns, seed: Number(process.env.FUZZ_SEED), ...(process.env.FUZZ_PATH === undefined ? {} : { path: process.env.FUZZ_PATH }) };

/** Runs a property `numRuns` times; a failure says how to replay it (FUZZ_SEED, FUZZ_PATH). */
export async function checkProperty<T>(property: fc.IAsyncProperty<T>, numRuns: number): Promise<void> {
  const details = await fc.check(property, runs(numRuns) as fc.Parameters<T>);
  if (!details.failed) return;
  const message = await fc.asyncDefaultReportMessage(details);
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`${message ?? 'the property failed'}\n${cause}\nreplay it with: FUZZ_SEED=${details.seed} FUZZ_PATH=${JSON.stringify(details.counterexamplePath ?? '')}`);
}

/** A secret: it must never appear in a message. */
export const CANARY = 'CANARY-fuzz-9b1d';
/**
 * Each case must be decided well within this much CPU time (a hang would be caught by the test's
 * timeout). CPU time, not wall time: a loaded machine (a CI runner, parallel test files) stretches
 * wall time many times over, but not the CPU a case needs.
 */
export const CASE_BUDGET_MS = 3000;

/** Runs `fn`, and the CPU time (user + system, ms) the process spent meanwhile. */
export async function withCpuTime<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const before = process.cpuUsage();
  const result = await fn();
  const used = process.cpuUsage(before);
  return { result, ms: (used.user + used.system) / 1000 };
}

export interface YamlStyle {
  readonly collectionStyle: 'any' | 'block' | 'flow';
  readonly defaultStringType: 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE';
  readonly indent: number;
}

export const yamlStyleArb: fc.Arbitrary<YamlStyle> = fc.record({
  collectionStyle: fc.constantFrom('any' as const, 'block' as const, 'flow' as const),
  defaultStringType: fc.constantFrom('PLAIN' as const, 'QUOTE_DOUBLE' as const, 'QUOTE_SINGLE' as const),
  indent: fc.integer({ min: 2, max: 6 }),
});

/** fast-check makes objects without a prototype: compare as plain JSON values. */
export const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

// ---------------------------------------------------------------------------------------------
// Text mutations: hostile characters and fragments of YAML syntax, inserted or substituted; lines
// cut, duplicated, swapped or re-indented.

const hostile = fc.constantFrom(':', ': ', '- ', '-', '{', '}', '[', ']', '&a ', '*a', '!!binary ', '!x ', '|', '>', "'", '"', '%YAML 1.1\n', '@', '`', '#', '\n', '\t', '  ', '\\', '$', '${', '${X:?boom}', '<<: ', '? ', ',', '\u0000', '\uFEFF', '\u2028', '---\n', '...\n', '__proto__: ', '0o777', '1e9999', '~', 'null');

export type TextMutation =
  | { readonly kind: 'insert' | 'replace'; readonly at: number; readonly what: string }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'duplicate-line' | 'truncate'; readonly at: number }
  | { readonly kind: 'swap-lines'; readonly at: number; readonly with: number }
  | { readonly kind: 'indent'; readonly at: number; readonly by: number };

export const textMutationArb: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), what: hostile }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), what: hostile }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap-lines' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

export function mutateText(text: string, m: TextMutation): string {
  const at = m.at % (text.length + 1);
  const lines = text.split('\n');
  const line = m.at % lines.length;
  switch (m.kind) {
    case 'insert':
      return text.slice(0, at) + m.what + text.slice(at);
    case 'replace':
      return text.slice(0, at) + m.what + text.slice(at + 1);
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'duplicate-line':
      return [...lines.slice(0, line + 1), ...lines.slice(line)].join('\n');
    case 'swap-lines': {
      const other = m.with % lines.length;
      const copy = [...lines];
      [copy[line], copy[other]] = [copy[other] as string, copy[line] as string];
      return copy.join('\n');
    }
    case 'indent': {
      const copy = [...lines];
      const l = copy[line] as string;
      copy[line] = m.by >= 0 ? ' '.repeat(m.by) + l : l.replace(new RegExp(`^ {0,${-m.by}}`), '');
      return copy.join('\n');
    }
    case 'truncate':
      return text.slice(0, at);
  }
}

// ---------------------------------------------------------------------------------------------
// Tree mutations: a value of another type, an unknown key, a removed key, at a random place.

const junk = fc.oneof(fc.constantFrom(null, true, false, 0, -1, 1.5, 1e300, '', ' ', '0o777', 'NO', '22:22', '1.10', '${UNSET}', '../../etc/passwd', '/var/run/docker.sock', '\n'), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 2 }));

export interface TreeMutation {
  readonly path: number[];
  readonly kind: 'set' | 'add-key' | 'remove' | 'wrap';
  readonly value: unknown;
  readonly key: string;
}

/** `keys`: key names worth trying besides random strings (the format's own field names). */
export const treeMutationArb = (keys: readonly string[]): fc.Arbitrary<TreeMutation> =>
  fc.record({ path: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), kind: fc.constantFrom('set' as const, 'add-key' as const, 'remove' as const, 'wrap' as const), value: junk, key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...keys)) });

/** The node at a random path of `root`, and where it hangs (null for the root itself). */
export function pickNode(root: unknown, path: readonly number[]): { parent: Record<string | number, unknown> | unknown[] | null; key: string | number | null; node: unknown } {
  let parent: Record<string | number, unknown> | unknown[] | null = null;
  let key: string | number | null = null;
  let node = root;
  for (const step of path) {
    if (node === null || typeof node !== 'object') break;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    parent = node as Record<string, unknown> | unknown[];
    key = keys[step % keys.length] as string | number;
    node = (parent as Record<string | number, unknown>)[key];
  }
  return { parent, key, node };
}

export function mutateTree(root: unknown, m: TreeMutation): void {
  const { parent, key, node } = pickNode(root, m.path);
  if (parent === null || key === null) return;
  const slot = parent as Record<string | number, unknown>;
  switch (m.kind) {
    case 'set':
      slot[key] = m.value;
      return;
    case 'wrap':
      slot[key] = [node];
      return;
    case 'remove':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete slot[key];
      return;
    default:
      if (node !== null && typeof node === 'object' && !Array.isArray(node)) (node as Record<string, unknown>)[m.key] = m.value;
      else slot[key] = { [m.key]: m.value };
  }
}

// ---------------------------------------------------------------------------------------------
// What every outcome must satisfy, valid or not.

/**
 * Decided in time; when refused, with an error; every problem in one of `files`, positioned, with
 * a message of its own; the secret in no message. Messages name keys (paths), never free-form
 * values: the secret may only appear in one if a mutation turned the text holding it into a key.
 */
export function assertWellBehaved(result: LoadResult, ms: number, files: readonly string[]): void {
  assert.ok(ms < CASE_BUDGET_MS, `took ${Math.round(ms)} ms of CPU`);
  if (!result.ok) assert.ok(result.issues.some((i) => i.severity === 'error'));
  for (const issue of result.ok ? result.warnings : result.issues) {
    assert.ok(files.includes(issue.file), `in a file read: ${issue.file}`);
    assert.ok(issue.line >= 1 && issue.column >= 1, `positioned: ${issue.line}:${issue.column} ${issue.message}`);
    assert.ok(issue.message.length > 0 && !issue.message.includes('undefined') && !issue.message.includes('[object Object]'), issue.message);
    if (issue.message.includes(CANARY)) assert.ok(issue.path.includes(CANARY), `a value leaked into a message: ${issue.message}`);
  }
}
