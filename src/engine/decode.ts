// Light runtime checks of Engine JSON: the answer is `unknown` until the fields moor relies on are
// checked. Not full schemas: the Engine adds fields in every release, and moor must not break on them.
//
// A failed check throws DecodeError; transport.ts turns it into an EngineError of kind 'protocol'
// with the endpoint, method and path. Must not: do I/O.

export class DecodeError extends Error {
  constructor(what: string, expected: string, options?: { cause?: unknown }) {
    super(`${what}: expected ${expected}`, options);
    this.name = 'DecodeError';
  }
}

export type JsonRecord = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectRecord(value: unknown, what: string): JsonRecord {
  if (!isRecord(value)) throw new DecodeError(what, 'an object');
  return value;
}

/** Checks that `value` is an object whose `keys` are strings, and gives it the wire type `T`. */
export function expectObjectWith<T>(value: unknown, what: string, keys: readonly string[]): T {
  const record = expectRecord(value, what);
  for (const key of keys) {
    if (typeof record[key] !== 'string') throw new DecodeError(`${what}.${key}`, 'a string');
  }
  return record as T;
}

/** Checks an array whose items are objects with string `keys`. A JSON `null` list counts as empty (some Engines send it). */
export function expectListOf<T>(value: unknown, what: string, keys: readonly string[]): T[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw new DecodeError(what, 'an array');
  return value.map((item: unknown, index) => expectObjectWith<T>(item, `${what}[${index}]`, keys));
}

/** Swarm objects carry `Version.Index`, which every update must send back. */
export function expectSwarmObject<T>(value: unknown, what: string): T {
  const record = expectObjectWith<JsonRecord>(value, what, ['ID']);
  const version = record['Version'];
  if (!isRecord(version) || typeof version['Index'] !== 'number') throw new DecodeError(`${what}.Version.Index`, 'a number');
  return record as T;
}

export function expectSwarmList<T>(value: unknown, what: string): T[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw new DecodeError(what, 'an array');
  return value.map((item: unknown, index) => expectSwarmObject<T>(item, `${what}[${index}]`));
}

/** The `{"Id": "..."}` answer of most create endpoints. */
export function expectCreated(value: unknown, what: string, key: 'Id' | 'ID' = 'Id'): { id: string; warnings: string[] } {
  const record = expectObjectWith<JsonRecord>(value, what, [key]);
  const warnings = record['Warnings'];
  return {
    id: record[key] as string,
    warnings: Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === 'string' && w !== '') : [],
  };
}
