// API version policy and negotiation. Must not: do I/O (the client pings and calls negotiateApiVersion).
import { EngineError } from './errors.js';

/**
 * The highest (and, in practice, the only) Engine API version moor speaks.
 * moor is tested against API 1.41 only, and every current Engine still accepts 1.41, so speaking
 * it keeps behaviour identical to what the tests prove: newer APIs changed behaviour moor depends
 * on (e.g. how network aliases are reported, duplicate network names). Raise it only together
 * with tests against an Engine of the new version.
 */
export const CLIENT_MAX_API_VERSION = '1.41';

/** Engines older than this are refused: moor relies on 1.41 behaviour (e.g. services list `status`). */
export const CLIENT_MIN_API_VERSION = '1.41';

/** Compares dotted versions numerically: -1, 0 or 1. */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function supportsApi(negotiated: string, needed: string): boolean {
  return compareApiVersions(negotiated, needed) >= 0;
}

/** min(server, client max); refuses a server below the client minimum. */
export function negotiateApiVersion(endpoint: string, serverVersion: string): string {
  if (!/^\d+\.\d+$/.test(serverVersion)) {
    throw new EngineError({
      kind: 'protocol',
      endpoint,
      method: 'GET',
      path: '/_ping',
      status: 200,
      engineMessage: null,
      reason: `the Api-Version header is ${JSON.stringify(serverVersion)}, not a version number`,
    });
  }
  if (compareApiVersions(serverVersion, CLIENT_MIN_API_VERSION) < 0) {
    throw new EngineError({
      kind: 'version',
      endpoint,
      method: 'GET',
      path: '/_ping',
      status: 200,
      engineMessage: null,
      reason: `the Engine speaks API ${serverVersion} at most, but moor needs API ${CLIENT_MIN_API_VERSION} (it speaks ${CLIENT_MIN_API_VERSION} to ${CLIENT_MAX_API_VERSION})`,
      hints: ['Upgrade the Docker Engine (20.10 or later).'],
    });
  }
  return compareApiVersions(serverVersion, CLIENT_MAX_API_VERSION) < 0 ? serverVersion : CLIENT_MAX_API_VERSION;
}
