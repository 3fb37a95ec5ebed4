// Field-by-field comparison of two canonical specs. Pure.
//
// Records recurse per key (`environment.FOO`, `labels["com.example.tier"]`); lists of objects of
// equal length recurse per index (`ports[0].published`); any other list is compared whole, since a
// list of scalars reads best as one before/after pair.
import type { FieldChange } from './changes.js';

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  }
  const isArray = Array.isArray(a);
  if (isArray !== Array.isArray(b)) return false;
  // Loops, not every()/filter(): a plan compares every field of every object, and the closures
  // and key arrays were a tenth of a 1000-service plan's CPU time (bench/HISTORY.md).
  if (isArray) {
    const x = a as readonly unknown[];
    const y = b as readonly unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  // A key whose value is undefined counts as absent.
  const x = a as Readonly<Record<string, unknown>>;
  const y = b as Readonly<Record<string, unknown>>;
  let defined = 0;
  for (const key of Object.keys(x)) {
    const value = x[key];
    if (value === undefined) continue;
    defined++;
    if (!deepEqual(value, y[key])) return false;
  }
  for (const key of Object.keys(y)) if (y[key] !== undefined) defined--;
  return defined === 0;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function joinPath(base: string, key: string): string {
  if (IDENTIFIER.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

/** Every difference between `before` (live) and `after` (desired), in a stable order. */
export function diffFields(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (deepEqual(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffFields(before[key], after[key], joinPath(path, key)));
  }
  if (
    Array.isArray(before) &&
    Array.isArray(after) &&
    before.length === after.length &&
    before.every(isRecord) &&
    after.every(isRecord)
  ) {
    return before.flatMap((item, i) => diffFields(item, after[i], `${path}[${i}]`));
  }
  return [fieldChange(path, before, after)];
}

function fieldChange(path: string, before: unknown, after: unknown): FieldChange {
  const change: { path: string; before?: unknown; after?: unknown } = { path };
  if (before !== undefined) change.before = before;
  if (after !== undefined) change.after = after;
  return change;
}

/** The top-level field names (`image`, `environment`, ...) that a list of changes touches. */
export function topLevelFields(changes: readonly FieldChange[]): Set<string> {
  return new Set(changes.map((c) => /^[^.[]+/.exec(c.path)?.[0] ?? c.path));
}

function isEmptyValue(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isRecord(v)) return Object.keys(v).length === 0;
  return false;
}

/** The fields a new object sets (top-level, non-empty), as changes from nothing. */
export function newFields(spec: object): FieldChange[] {
  return Object.keys(spec)
    .sort()
    .filter((key) => !isEmptyValue((spec as Record<string, unknown>)[key]))
    .map((key) => ({ path: key, after: (spec as Record<string, unknown>)[key] }));
}
