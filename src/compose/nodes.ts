// Small helpers to read and build located trees (manifest/tree.ts) in the Compose front end. Built
// nodes keep the position of the source value they come from, so that a message about a translated
// value still points into compose.yaml.
import type { SourceLocation } from '../model/desired.js';
import { resolvePlainScalar } from '../manifest/interpolate.js';
import type { MapEntry, MapNode, Node, Scalar, ScalarNode, SeqNode } from '../manifest/tree.js';

export function isMap(node: Node | undefined): node is MapNode {
  return node?.kind === 'map';
}

export function isSeq(node: Node | undefined): node is SeqNode {
  return node?.kind === 'seq';
}

export function isScalar(node: Node | undefined): node is ScalarNode {
  return node?.kind === 'scalar';
}

export function isNull(node: Node | undefined): boolean {
  return node === undefined || (node.kind === 'scalar' && node.value === null);
}

export function get(node: Node | undefined, key: string): Node | undefined {
  return node?.kind === 'map' ? node.entries.get(key)?.value : undefined;
}

export function entryOf(node: Node | undefined, key: string): MapEntry | undefined {
  return node?.kind === 'map' ? node.entries.get(key) : undefined;
}

/** The string value of a scalar (numbers and booleans spelled as written), or undefined. */
export function text(node: Node | undefined): string | undefined {
  if (node?.kind !== 'scalar' || node.value === null) return undefined;
  return typeof node.value === 'string' ? node.value : node.text;
}

export function scalar(value: Scalar, loc: SourceLocation, from?: ScalarNode): ScalarNode {
  const spelled = value === null ? '' : typeof value === 'string' ? value : String(value);
  // A string that reads back as itself unquoted is plain, so that moor convert writes it so.
  const node: ScalarNode = { kind: 'scalar', loc, value, text: spelled, plain: typeof value !== 'string' || resolvePlainScalar(value) === value };
  return {
    ...node,
    ...(from?.source === undefined ? {} : { source: from.source }),
    ...(from?.inlined === true ? { inlined: true as const } : {}),
    ...(from?.written === undefined ? {} : { written: from.written }),
  };
}

export function seq(items: readonly Node[], loc: SourceLocation): SeqNode {
  return { kind: 'seq', loc, items };
}

export function map(entries: Iterable<readonly [string, MapEntry]>, loc: SourceLocation): MapNode {
  return { kind: 'map', loc, entries: new Map(entries) };
}

/** A map entry whose key is positioned where the value is (for keys the translation invents). */
export function at(value: Node, keyLoc: SourceLocation = value.loc): MapEntry {
  return { keyLoc, value };
}

/**
 * A scalar's text as written in the file (`${VAR}` kept, a rebased path as it was), for messages
 * positioned elsewhere than on the scalar (manifest/as-written.ts rewrites those positioned on it):
 * a variable may hold a secret, and a path an environment entry moved there.
 */
export function writtenText(node: Node | undefined): string | undefined {
  return node?.kind === 'scalar' ? (node.written ?? node.source ?? text(node)) : undefined;
}

/**
 * Whether two trees hold the same values: scalars by value and by spelling once interpolated
 * (`text`: a mode 0440 is not 440, a version 1.10 not 1.1), lists in order, mappings key by key in
 * any order, `!reset`/`!override` tags included. Positions and what a value was before
 * interpolation or rebasing (`source`, `written`) do not count.
 */
export function sameValue(a: Node, b: Node): boolean {
  if (a.tag !== b.tag) return false;
  if (a.kind === 'scalar') return b.kind === 'scalar' && a.value === b.value && a.text === b.text;
  if (a.kind === 'seq') return b.kind === 'seq' && a.items.length === b.items.length && a.items.every((item, i) => sameValue(item, b.items[i] as Node));
  if (b.kind !== 'map' || a.entries.size !== b.entries.size) return false;
  for (const [key, entry] of a.entries) {
    const other = b.entries.get(key);
    if (other === undefined || !sameValue(entry.value, other.value)) return false;
  }
  return true;
}

/** A mapping as key -> value, or a `KEY=VALUE` list read as one (values null for a bare KEY). */
export function keyValueEntries(node: Node | undefined): [string, MapEntry][] {
  if (node?.kind === 'map') return [...node.entries];
  if (node?.kind !== 'seq') return [];
  const out: [string, MapEntry][] = [];
  for (const item of node.items) {
    const t = text(item);
    if (t === undefined || item.kind !== 'scalar') continue;
    const eq = t.indexOf('=');
    const key = eq === -1 ? t : t.slice(0, eq);
    const value = eq === -1 ? null : t.slice(eq + 1);
    out.push([key, { keyLoc: item.loc, value: scalar(value, item.loc, item) }]);
  }
  return out;
}

/** true/false, also from Compose's string spellings ("true", "false"); undefined otherwise. */
export function booleanOf(node: Node | undefined): boolean | undefined {
  if (node?.kind !== 'scalar') return undefined;
  if (typeof node.value === 'boolean') return node.value;
  if (node.value === 'true' || node.value === 'True' || node.value === 'TRUE') return true;
  if (node.value === 'false' || node.value === 'False' || node.value === 'FALSE') return false;
  return undefined;
}

/** A whole number, also from a string ("3"); undefined otherwise. */
export function integerOf(node: Node | undefined): number | undefined {
  if (node?.kind !== 'scalar') return undefined;
  if (typeof node.value === 'number') return Number.isInteger(node.value) ? node.value : undefined;
  if (typeof node.value === 'string' && /^[-+]?[0-9]+$/.test(node.value.trim())) return Number(node.value.trim());
  return undefined;
}

/**
 * Compose accepts strings where moor's schema wants booleans and numbers ("true", "3"), most often
 * after interpolation in quotes: such a scalar is retyped; anything else is left for the schema.
 */
export function coerce(node: Node, to: 'boolean' | 'integer' | 'number'): Node {
  if (node.kind !== 'scalar' || typeof node.value !== 'string') return node;
  const trimmed = node.value.trim();
  let value: Scalar | undefined;
  if (to === 'boolean') value = booleanOf(node);
  else if (to === 'integer') value = integerOf(node);
  else if (/^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(trimmed)) value = Number(trimmed);
  return value === undefined ? node : { ...node, value, text: String(value), plain: true };
}

/** Whether a value does nothing (false, empty, an empty list or mapping): such fields need no message. */
export function isNoop(node: Node | undefined): boolean {
  if (node === undefined) return true;
  if (node.kind === 'scalar') return node.value === null || node.value === false || node.value === '' || node.value === 'false';
  if (node.kind === 'seq') return node.items.length === 0;
  return node.entries.size === 0;
}
