// Secrets and configs share one shape of API (`/secrets/...`, `/configs/...`): list, inspect,
// create, update (labels only, with the object's version) and remove. Both are Swarm objects.
//
// Must not: put a spec (it holds secret data) into an error message or anywhere else but the body.
import { expectCreated, expectSwarmList, expectSwarmObject } from './decode.js';
import { KindApi } from './kind-api.js';
import type { ListOptions } from './kind-api.js';
import type { Transport } from './transport.js';
import { apiPath, literal } from './transport.js';
import type { SwarmMeta } from './types.js';

export class SwarmResources<TObject extends SwarmMeta, TSpec> extends KindApi {
  readonly #kind: 'secrets' | 'configs';

  constructor(http: Transport, kind: 'secrets' | 'configs') {
    super(http);
    this.#kind = kind;
  }

  async list(options: ListOptions = {}): Promise<TObject[]> {
    const kind = literal(this.#kind);
    return this.listFiltered(apiPath`/${kind}`, options, (value) => expectSwarmList<TObject>(value, `${kind.literal} list`));
  }

  async inspect(id: string, options: { signal?: AbortSignal } = {}): Promise<TObject> {
    const kind = literal(this.#kind);
    return this.http.json({ method: 'GET', path: apiPath`/${kind}/${id}`, signal: options.signal }, (value) => expectSwarmObject<TObject>(value, kind.literal));
  }

  async create(spec: TSpec): Promise<{ id: string }> {
    const kind = literal(this.#kind);
    return this.http.json({ method: 'POST', path: apiPath`/${kind}/create`, json: spec }, (value) => ({ id: expectCreated(value, `created ${kind.literal}`, 'ID').id }));
  }

  /**
   * Only Labels may change (the Engine refuses any other change with 400 "only updates to Labels
   * are allowed"); send the spec as read, without Data for secrets. `version` is the `Version.Index`
   * read; a stale one fails with kind 'out-of-sequence'.
   */
  async update(id: string, version: number, spec: TSpec): Promise<void> {
    const kind = literal(this.#kind);
    await this.http.empty({ method: 'POST', path: apiPath`/${kind}/${id}/update`, query: { version }, json: spec });
  }

  /** A secret or config a service uses fails with kind 'in-use'. */
  async remove(id: string): Promise<void> {
    const kind = literal(this.#kind);
    await this.http.empty({ method: 'DELETE', path: apiPath`/${kind}/${id}` });
  }
}
