// Volumes: `/volumes/...` of the Engine API. Must not: decide anything; one request per method.
import { DecodeError, expectListOf, expectObjectWith, expectRecord } from './decode.js';
import type { ListOptions } from './kind-api.js';
import { KindApi } from './kind-api.js';
import { apiPath } from './transport.js';
import type { Volume, VolumeCreateSpec } from './types.js';

const VOLUME_KEYS = ['Name', 'Driver'] as const;

export class Volumes extends KindApi {

  async list(options: ListOptions = {}): Promise<{ volumes: Volume[]; warnings: string[] }> {
    return this.listFiltered(apiPath`/volumes`, options, (value) => {
      const record = expectRecord(value, 'volume list');
      const warnings = record['Warnings'];
      if (warnings !== null && warnings !== undefined && !Array.isArray(warnings)) throw new DecodeError('volume list.Warnings', 'an array');
      return {
        volumes: expectListOf<Volume>(record['Volumes'], 'volume list.Volumes', VOLUME_KEYS),
        warnings: (warnings ?? []).filter((w: unknown): w is string => typeof w === 'string'),
      };
    });
  }

  async inspect(name: string, options: { signal?: AbortSignal } = {}): Promise<Volume> {
    return this.http.json({ method: 'GET', path: apiPath`/volumes/${name}`, signal: options.signal }, (value) => expectObjectWith<Volume>(value, 'volume', VOLUME_KEYS));
  }

  /** WARNING: creating a volume whose name exists returns the existing volume, not a conflict. */
  async create(spec: VolumeCreateSpec): Promise<Volume> {
    return this.http.json({ method: 'POST', path: apiPath`/volumes/create`, json: spec }, (value) => expectObjectWith<Volume>(value, 'created volume', VOLUME_KEYS));
  }

  /** A volume used by a container fails with kind 'in-use' unless `force`. */
  async remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    await this.http.empty({ method: 'DELETE', path: apiPath`/volumes/${name}`, query: { force: options.force ?? false } });
  }
}
