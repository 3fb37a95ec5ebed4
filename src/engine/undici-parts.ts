// The two parts of undici the transport uses: its connection pool and its request API, imported
// from their own modules. undici's index also loads fetch, WebSocket, EventSource, caches, mocks and
// proxies, which moor never uses: ~30 ms of every command's start (bench/HISTORY.md, fix 6).
// The types are undici's own (a type import costs nothing at run time).
import type { Dispatcher, Pool as UndiciPool } from 'undici';
import PoolModule from 'undici/lib/dispatcher/pool.js';
import requestModule from 'undici/lib/api/api-request.js';

export type Pool = UndiciPool;
export const Pool = PoolModule as unknown as typeof UndiciPool;

const request = requestModule as unknown as (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

/** `pool.request(options)`, which undici's index would have attached to every dispatcher. */
export function requestOn(pool: UndiciPool, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return request.call(pool, options);
}
