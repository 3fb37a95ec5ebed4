// Stable hashing of model values. Pure computation (node:crypto hashes, it does no I/O).
//
// `stableStringify` sorts object keys, so two equal models always hash the same whatever the order
// their maps were built in. Sensitive values stringify to their placeholder, so a hash of a spec
// never depends on (or reveals) secret bytes; secrets are fingerprinted separately, with a salt.
import { createHash, randomBytes } from 'node:crypto';

export function stableStringify(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}

function sortDeep(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return sortDeep((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortDeep(v);
  }
  return out;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The hash of a model value (a spec), as stored in the `io.moor.spec-hash` label. */
export function specHash(value: unknown): string {
  return sha256Hex(stableStringify(value));
}

/**
 * The fingerprint of secret bytes, salted: `<salt>:<sha256(salt || bytes)>`. A per-version random
 * salt means a leaked fingerprint cannot be tested against a dictionary of likely passwords.
 */
export function saltedFingerprint(bytes: Uint8Array, salt: string): string {
  return `${salt}:${createHash('sha256').update(salt).update(bytes).digest('hex')}`;
}

/** Whether `bytes` match a fingerprint made by `saltedFingerprint`. */
export function matchesFingerprint(bytes: Uint8Array, fingerprint: string): boolean {
  const colon = fingerprint.indexOf(':');
  if (colon <= 0) return false;
  return saltedFingerprint(bytes, fingerprint.slice(0, colon)) === fingerprint;
}

/** A source of random identifiers; injected so that planning stays deterministic in tests. */
export type IdSource = () => string;

export const randomId: IdSource = () => randomBytes(4).toString('hex');

/**
 * A deterministic id source: the n-th id is derived from `seed` and n. A saved plan records its
 * seed, so planning again from the same manifest and state gives the very same secret versions.
 */
export function seededIds(seed: string): IdSource {
  let n = 0;
  return () => createHash('sha256').update(`${seed}:${++n}`).digest('hex').slice(0, 8);
}

export function randomSeed(): string {
  return randomBytes(16).toString('hex');
}
