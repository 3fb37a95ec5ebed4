// The common base of the per-kind APIs: the transport they share, and the filtered list every
// kind has. Must not: hold state of its own.
import { encodeFilters } from './filters.js';
import type { Filters } from './filters.js';
import type { ApiPath, QueryValue, Transport } from './transport.js';

export interface ListOptions {
  readonly filters?: Filters;
  readonly signal?: AbortSignal;
}

export abstract class KindApi {
  protected readonly http: Transport;

  constructor(http: Transport) {
    this.http = http;
  }

  /** `GET path?filters=...` (plus `query`), decoded by `decode`. */
  protected async listFiltered<T>(path: ApiPath, options: ListOptions, decode: (value: unknown) => T, query: Readonly<Record<string, QueryValue>> = {}): Promise<T> {
    return this.http.json({ method: 'GET', path, query: { ...query, filters: encodeFilters(options.filters) }, signal: options.signal }, decode);
  }
}
