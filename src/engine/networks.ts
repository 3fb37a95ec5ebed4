// Networks: `/networks/...` of the Engine API. Must not: decide anything; one request per method.
import { expectCreated, expectListOf, expectObjectWith } from './decode.js';
import type { ListOptions } from './kind-api.js';
import { KindApi } from './kind-api.js';
import { apiPath } from './transport.js';
import type { Network, NetworkConnectSpec, NetworkCreateSpec } from './types.js';

const NETWORK_KEYS = ['Id', 'Name', 'Driver'] as const;

export class Networks extends KindApi {

  async list(options: ListOptions = {}): Promise<Network[]> {
    return this.listFiltered(apiPath`/networks`, options, (value) => expectListOf<Network>(value, 'network list', NETWORK_KEYS));
  }

  /** `scope` picks between a local and a swarm network of the same name. */
  async inspect(idOrName: string, options: { scope?: 'local' | 'swarm' | 'global'; signal?: AbortSignal } = {}): Promise<Network> {
    return this.http.json({ method: 'GET', path: apiPath`/networks/${idOrName}`, query: { scope: options.scope }, signal: options.signal }, (value) =>
      expectObjectWith<Network>(value, 'network', NETWORK_KEYS),
    );
  }

  /**
   * WARNING: on API 1.41 the Engine creates a second network of the same name unless
   * `CheckDuplicate` is true; this method sets it unless the spec says otherwise.
   */
  async create(spec: NetworkCreateSpec): Promise<{ id: string; warnings: string[] }> {
    return this.http.json({ method: 'POST', path: apiPath`/networks/create`, json: { CheckDuplicate: true, ...spec } }, (value) => {
      const created = expectCreated(value, 'created network');
      const warning = (value as { Warning?: unknown }).Warning;
      return { id: created.id, warnings: typeof warning === 'string' && warning !== '' ? [warning] : created.warnings };
    });
  }

  async remove(idOrName: string): Promise<void> {
    await this.http.empty({ method: 'DELETE', path: apiPath`/networks/${idOrName}` });
  }

  async connect(idOrName: string, spec: NetworkConnectSpec): Promise<void> {
    await this.http.empty({ method: 'POST', path: apiPath`/networks/${idOrName}/connect`, json: spec });
  }

  async disconnect(idOrName: string, container: string, options: { force?: boolean } = {}): Promise<void> {
    await this.http.empty({ method: 'POST', path: apiPath`/networks/${idOrName}/disconnect`, json: { Container: container, Force: options.force ?? false } });
  }
}
