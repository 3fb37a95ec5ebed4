// Services: `/services/...` (Swarm). Must not: merge specs (an update replaces the whole spec, see
// the WARNING on update), retry an out-of-sequence update (the caller must re-read and re-diff),
// or expose the registry credentials it forwards.
import { expectCreated, expectRecord, expectSwarmList, expectSwarmObject } from './decode.js';
import { registryAuthHeaders } from './auth.js';
import type { RegistryAuth } from './auth.js';
import { openLogs } from './logs.js';
import type { LogChunk, LogOptions } from './logs.js';
import { KindApi } from './kind-api.js';
import type { ListOptions } from './kind-api.js';
import { apiPath } from './transport.js';
import type { EngineStream, Transport } from './transport.js';
import type { Service, ServiceCreateResult, ServiceSpec } from './types.js';
import { supportsApi } from './version.js';

export interface ServiceUpdateOptions {
  /** `previous`: roll back to PreviousSpec (the spec sent is then ignored by the Engine). */
  readonly rollback?: 'previous';
  /** Where the Engine takes registry credentials from when `auth` is not given (Engine default: spec). */
  readonly registryAuthFrom?: 'spec' | 'previous-spec';
  readonly auth?: RegistryAuth;
}

export class Services extends KindApi {
  readonly #apiVersion: string;

  constructor(http: Transport, apiVersion: string) {
    super(http);
    this.#apiVersion = apiVersion;
  }

  /** With `ServiceStatus` (running/desired task counts) when the API has it (≥ 1.41). */
  async list(options: ListOptions = {}): Promise<Service[]> {
    const status = supportsApi(this.#apiVersion, '1.41') ? true : undefined;
    return this.listFiltered(apiPath`/services`, options, (value) => expectSwarmList<Service>(value, 'service list'), { status });
  }

  async inspect(idOrName: string, options: { signal?: AbortSignal } = {}): Promise<Service> {
    return this.http.json({ method: 'GET', path: apiPath`/services/${idOrName}`, query: { insertDefaults: false }, signal: options.signal }, (value) => {
      const service = expectSwarmObject<Service>(value, 'service');
      expectRecord(service.Spec, 'service.Spec');
      return service;
    });
  }

  /** The answer has no version: inspect before the first update. */
  async create(spec: ServiceSpec, options: { auth?: RegistryAuth } = {}): Promise<ServiceCreateResult> {
    return this.http.json({ method: 'POST', path: apiPath`/services/create`, json: spec, headers: registryAuthHeaders(options.auth) }, (value) =>
      expectCreated(value, 'created service', 'ID'),
    );
  }

  /**
   * WARNING: the spec replaces the live one whole (omitted fields are cleared), and even an
   * identical spec bumps the version and overwrites PreviousSpec, the rollback target. Send
   * `version` = the `Version.Index` read; a stale one fails with kind 'out-of-sequence'.
   */
  async update(id: string, version: number, spec: ServiceSpec, options: ServiceUpdateOptions = {}): Promise<{ warnings: string[] }> {
    return this.http.json(
      {
        method: 'POST',
        path: apiPath`/services/${id}/update`,
        query: { version, rollback: options.rollback, registryAuthFrom: options.registryAuthFrom },
        json: spec,
        headers: registryAuthHeaders(options.auth),
      },
      (value) => {
        const warnings = expectRecord(value, 'service update')['Warnings'];
        return { warnings: Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === 'string') : [] };
      },
    );
  }

  async remove(idOrName: string): Promise<void> {
    await this.http.empty({ method: 'DELETE', path: apiPath`/services/${idOrName}` });
  }

  /** The output of all the service's tasks, decoded as it arrives. */
  async logs(idOrName: string, options: LogOptions = {}): Promise<EngineStream<LogChunk>> {
    const tty = options.tty ?? (await this.inspect(idOrName, options.signal === undefined ? {} : { signal: options.signal })).Spec.TaskTemplate.ContainerSpec?.['TTY'] === true;
    return openLogs(this.http, apiPath`/services/${idOrName}/logs`, tty, options);
  }
}
