// The located tree: a parsed manifest where every value remembers where it was written (file, line,
// column), so that a problem found after interpolation, merging and schema validation can still be
// reported at its source. Loaders (YAML today, Compose later) build it; nothing here does I/O.
import type { SourceLocation } from '../model/desired.js';
import type { ValuePath } from './issues.js';

export type Scalar = string | number | boolean | null;

export interface ScalarNode {
  readonly kind: 'scalar';
  readonly loc: SourceLocation;
  readonly value: Scalar;
  /**
   * How the value was written: the source text of a plain scalar (`0440`, `1.10`, `yes`), the
   * value of a quoted or block one. Fields where the spelling matters (octal modes, environment
   * values that YAML read as numbers) use it.
   */
  readonly text: string;
  /** Plain (unquoted) scalars are typed by YAML's core schema; quoted ones are always strings. */
  readonly plain: boolean;
  /** The text before interpolation, when interpolation changed it (`${TAG:-1.0}`): converters keep it. */
  readonly source?: string;
  /**
   * The variables that gave the value are ones a converted manifest cannot name (an included
   * Compose file's own .env): `moor convert` writes the value itself, not `source`.
   */
  readonly inlined?: true;
  /**
   * The text as written in its file, when the front end rewrote the value after interpolation (a
   * relative path of an included or extended Compose file, rebased to the project folder):
   * messages quote it, as they quote `source`; converters write the rewritten value.
   */
  readonly written?: string;
  /** A tag the front end allowed (Compose's `!reset` and `!override`); never set on moor manifests. */
  readonly tag?: string;
}

export interface MapEntry {
  readonly keyLoc: SourceLocation;
  readonly value: Node;
}

export interface MapNode {
  readonly kind: 'map';
  readonly loc: SourceLocation;
  /** In source order. */
  readonly entries: ReadonlyMap<string, MapEntry>;
  readonly tag?: string;
}

export interface SeqNode {
  readonly kind: 'seq';
  readonly loc: SourceLocation;
  readonly items: readonly Node[];
  readonly tag?: string;
}

export type Node = ScalarNode | MapNode | SeqNode;

export function describeNode(node: Node): string {
  if (node.kind === 'map') return 'a mapping';
  if (node.kind === 'seq') return 'a list';
  return describeValue(node.value);
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return Number.isInteger(value) ? 'an integer' : 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return 'a mapping';
  }
}

/** The plain JSON value of a tree, as the schema validator and the typed normaliser see it. */
export function toPlain(node: Node): unknown {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toPlain);
    case 'map': {
      const out: Record<string, unknown> = {};
      // The loader refuses `__proto__`, `constructor` and `prototype` keys, so plain assignment is safe.
      for (const [key, entry] of node.entries) out[key] = toPlain(entry.value);
      return out;
    }
  }
}

/** Deletes the field at `path`, a path of keys, from a value made by toPlain (nothing if absent). */
export function deleteField(plain: unknown, path: readonly string[]): void {
  let parent = plain;
  for (const key of path.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) return;
    parent = (parent as Record<string, unknown>)[key];
  }
  const last = path[path.length - 1];
  if (last !== undefined && parent !== null && typeof parent === 'object' && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[last];
}

/** The node at `path`, or undefined. */
export function nodeAt(root: Node, path: ValuePath): Node | undefined {
  let node: Node | undefined = root;
  for (const segment of path) {
    if (node === undefined) return undefined;
    if (typeof segment === 'number') node = node.kind === 'seq' ? node.items[segment] : undefined;
    else node = node.kind === 'map' ? node.entries.get(segment)?.value : undefined;
  }
  return node;
}

/** Where values are, for messages about them: answers for any path, falling back to the nearest ancestor. */
export class Locator {
  readonly #root: Node;

  constructor(root: Node) {
    this.#root = root;
  }

  /** Where the value at `path` starts (or its nearest existing ancestor). */
  value(path: ValuePath): SourceLocation {
    return this.#walk(path).value;
  }

  /** Where the key of the map entry at `path` is written (the value's position for list items and the root). */
  key(path: ValuePath): SourceLocation {
    return this.#walk(path).key;
  }

  /** How the scalar at `path` was written (see ScalarNode.text); undefined when it is not a scalar. */
  text(path: ValuePath): string | undefined {
    const node = nodeAt(this.#root, path);
    return node?.kind === 'scalar' ? node.text : undefined;
  }

  node(path: ValuePath): Node | undefined {
    return nodeAt(this.#root, path);
  }

  #walk(path: ValuePath): { value: SourceLocation; key: SourceLocation } {
    let node: Node = this.#root;
    let key = node.loc;
    for (const segment of path) {
      if (typeof segment === 'number') {
        const item = node.kind === 'seq' ? node.items[segment] : undefined;
        if (item === undefined) break;
        node = item;
        key = item.loc;
      } else {
        const entry = node.kind === 'map' ? node.entries.get(segment) : undefined;
        if (entry === undefined) break;
        node = entry.value;
        key = entry.keyLoc;
      }
    }
    return { value: node.loc, key };
  }
}
