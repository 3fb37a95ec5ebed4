// System endpoints: ping (unversioned, for negotiation and the Swarm pre-flight), version, info.
// Must not: cache anything (the client caches what negotiation found).
import { expectObjectWith, expectRecord } from './decode.js';
import { KindApi } from './kind-api.js';
import { apiPath } from './transport.js';
import type { EngineResponse, Transport } from './transport.js';
import type { PingInfo, SystemInfo, SystemVersion } from './types.js';

function header(headers: EngineResponse['headers'], name: string): string | null {
  const value = headers[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? (value[0] ?? null) : null;
}

/** `GET /_ping`, without the version prefix: it is how the version is learnt. */
export async function pingEngine(http: Transport, options: { signal?: AbortSignal | undefined } = {}): Promise<PingInfo> {
  const headers = await http.empty({ method: 'GET', path: apiPath`/_ping`, unversioned: true, signal: options.signal });
  return {
    apiVersion: header(headers, 'api-version') ?? '',
    swarm: header(headers, 'swarm'),
    experimental: header(headers, 'docker-experimental') === 'true',
    osType: header(headers, 'ostype'),
    builderVersion: header(headers, 'builder-version'),
  };
}

export class System extends KindApi {

  async ping(options: { signal?: AbortSignal } = {}): Promise<PingInfo> {
    return pingEngine(this.http, options);
  }

  async version(options: { signal?: AbortSignal } = {}): Promise<SystemVersion> {
    return this.http.json({ method: 'GET', path: apiPath`/version`, signal: options.signal }, (value) =>
      expectObjectWith<SystemVersion>(value, 'version', ['Version', 'ApiVersion']),
    );
  }

  async info(options: { signal?: AbortSignal } = {}): Promise<SystemInfo> {
    return this.http.json({ method: 'GET', path: apiPath`/info`, signal: options.signal }, (value) => expectRecord(value, 'info') as SystemInfo);
  }
}
