// What every part of the normaliser shares: the input, the issue list, and small helpers that turn
// manifest values (maps or KEY=VALUE lists, numbers YAML typed) into the model's string maps.
import type { StringMap } from '../model/desired.js';
import type { ObjectKind } from '../model/kinds.js';
import { RESERVED_LABEL_PREFIX } from '../model/labels.js';
import type { FileRead } from './files.js';
import type { Lookup } from './interpolate.js';
import { type Issues, type ValuePath } from './issues.js';
import type { Manifest } from './manifest-types.js';
import { splitKeyValue } from './syntax.js';
import type { Locator } from './tree.js';

export interface NormaliseInput {
  /** The merged manifest; parts listed in `invalid` failed the schema and are skipped. */
  readonly manifest: Manifest;
  /** Object ids (`service/web`), collection names (`services`) and `project` that failed the schema. */
  readonly invalid: ReadonlySet<string>;
  readonly locator: Locator;
  /** Absolute path of the project folder (the first manifest's folder): relative paths start there. */
  readonly projectDir: string;
  /** Variables for bare environment keys and `environment:` secrets (process environment, then env files). */
  readonly lookup: Lookup;
  /** For `~` in bind mount sources; null when unknown. */
  readonly home: string | null;
  /** The files the manifest names, read beforehand (see collectFileReferences), by name as written. */
  readonly files: ReadonlyMap<string, FileRead>;
  /** How to show an absolute path in messages (relative to the working directory). */
  readonly displayPath: (absolute: string) => string;
}

export class Context {
  readonly input: NormaliseInput;
  readonly issues: Issues;
  /** The project name, or '' when it is missing or invalid (name checks that need it are skipped). */
  readonly project: string;

  constructor(input: NormaliseInput, issues: Issues) {
    this.input = input;
    this.issues = issues;
    this.project = input.invalid.has('project') || typeof input.manifest.project !== 'string' ? '' : input.manifest.project;
  }

  error(path: ValuePath, text: string): void {
    this.issues.error(this.input.locator.value(path), path, text);
  }

  errorAtKey(path: ValuePath, text: string): void {
    this.issues.error(this.input.locator.key(path), path, text);
  }

  warning(path: ValuePath, text: string): void {
    this.issues.warning(this.input.locator.value(path), path, text);
  }

  /** An error about a whole object, named by its id (`service/web: ...`), at its key or at `path`. */
  objectError(kind: ObjectKind, name: string, path: ValuePath, text: string): void {
    this.issues.add('error', this.input.locator.key(path), path, text, `${kind}/${name}`);
  }

  objectWarning(kind: ObjectKind, name: string, path: ValuePath, text: string): void {
    this.issues.add('warning', this.input.locator.key(path), path, text, `${kind}/${name}`);
  }

  /** A scalar as text, spelled as written (`1.10` stays "1.10", not "1.1"). */
  text(path: ValuePath, value: string | number | boolean | null | undefined): string {
    if (typeof value === 'string') return value;
    if (value === null || value === undefined) return '';
    return this.input.locator.text(path) ?? String(value);
  }

  /** Driver options and the like: a map whose values become strings. */
  options(value: Readonly<Record<string, string | number | boolean | undefined>> | undefined, path: ValuePath): StringMap {
    const out: Record<string, string> = {};
    for (const key of Object.keys(value ?? {}).sort()) out[key] = this.text([...path, key], value?.[key]);
    return out;
  }

  /**
   * A map, or a KEY=VALUE list, as [key, value, path] entries in order; a list item without "="
   * (or a null map value) has the value null. Bad items and repeated keys are reported.
   */
  keyValues(value: Readonly<Record<string, string | number | boolean | null | undefined>> | readonly string[] | undefined, path: ValuePath): [string, string | null, ValuePath][] {
    if (value === undefined) return [];
    const out: [string, string | null, ValuePath][] = [];
    if (Array.isArray(value)) {
      const seen = new Set<string>();
      value.forEach((item: string, i) => {
        const itemPath = [...path, i];
        const kv = splitKeyValue(item);
        if (!kv.ok) return this.error(itemPath, kv.error);
        const [key, v] = kv.value;
        if (key === '__proto__') return this.error(itemPath, 'the key "__proto__" is not allowed');
        if (seen.has(key)) return this.error(itemPath, `${JSON.stringify(key)} is given twice`);
        seen.add(key);
        out.push([key, v, itemPath]);
      });
      return out;
    }
    const map = value as Readonly<Record<string, string | number | boolean | null | undefined>>;
    for (const key of Object.keys(map)) {
      const v = map[key];
      out.push([key, v === null || v === undefined ? null : this.text([...path, key], v), [...path, key]]);
    }
    return out;
  }

  /** User labels: a map or KEY=VALUE list; `io.moor.` keys are refused (moor's own labels). */
  labels(value: Parameters<Context['keyValues']>[0], path: ValuePath): StringMap {
    const out: Record<string, string> = {};
    for (const [key, v, itemPath] of this.keyValues(value, path)) {
      if (key.startsWith(RESERVED_LABEL_PREFIX)) {
        this.errorAtKey(itemPath, `the label prefix "${RESERVED_LABEL_PREFIX}" is reserved for moor's own labels`);
        continue;
      }
      out[key] = v ?? '';
    }
    return sortedRecord(out);
  }

  /** `${kind}/${name}` failed the schema (or its whole collection did). */
  isInvalid(collection: string, kind: ObjectKind, name: string): boolean {
    return this.input.invalid.has(collection) || this.input.invalid.has(`${kind}/${name}`);
  }
}

export function sortedRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key] as T;
  return out;
}

/** The entries of an optional manifest collection, sorted by name. */
export function sortedEntries<T>(record: Readonly<Record<string, T | undefined>> | undefined | null): [string, T][] {
  if (record === undefined || record === null || typeof record !== 'object') return [];
  return Object.keys(record)
    .sort()
    .map((key) => [key, record[key] as T]);
}
