// Containers: `/containers/...` of the Engine API. Must not: decide anything (recreate or not is
// the planner's business); each method is one request (logs without `tty` make two).
import type { Readable } from 'node:stream';
import { DecodeError, expectCreated, expectListOf, expectObjectWith, expectRecord } from './decode.js';
import { openLogs } from './logs.js';
import type { LogChunk, LogOptions } from './logs.js';
import type { Networks } from './networks.js';
import { KindApi } from './kind-api.js';
import type { ListOptions } from './kind-api.js';
import { apiPath } from './transport.js';
import type { EngineStream, Transport } from './transport.js';
import type { ContainerCreateSpec, ContainerInspect, ContainerSummary, ContainerUpdateSpec, ContainerWaitResult, EndpointSettings } from './types.js';

export interface ContainerListOptions extends ListOptions {
  /** Include stopped containers (the Engine lists only running ones by default). */
  readonly all?: boolean;
}

export class Containers extends KindApi {
  readonly #networks: Networks;

  constructor(http: Transport, networks: Networks) {
    super(http);
    this.#networks = networks;
  }

  async list(options: ContainerListOptions = {}): Promise<ContainerSummary[]> {
    return this.listFiltered(apiPath`/containers/json`, options, (value) => expectListOf<ContainerSummary>(value, 'container list', ['Id', 'State']), {
      all: options.all ?? false,
    });
  }

  async inspect(id: string, options: { signal?: AbortSignal } = {}): Promise<ContainerInspect> {
    return this.http.json({ method: 'GET', path: apiPath`/containers/${id}/json`, signal: options.signal }, (value) => {
      const container = expectObjectWith<ContainerInspect>(value, 'container', ['Id', 'Name']);
      expectObjectWith(container.State, 'container.State', ['Status']);
      expectRecord(container.Config, 'container.Config');
      expectRecord(container.HostConfig, 'container.HostConfig');
      return container;
    });
  }

  async create(spec: ContainerCreateSpec, options: { name?: string; platform?: string } = {}): Promise<{ id: string; warnings: string[] }> {
    return this.http.json({ method: 'POST', path: apiPath`/containers/create`, query: { name: options.name, platform: options.platform }, json: spec }, (value) =>
      expectCreated(value, 'created container'),
    );
  }

  /** Starting a running container is not an error (the Engine answers 304). */
  async start(id: string): Promise<void> {
    await this.http.empty({ method: 'POST', path: apiPath`/containers/${id}/start` });
  }

  /** Stopping a stopped container is not an error (304). `timeoutSeconds`: grace before SIGKILL. */
  async stop(id: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    const grace = options.timeoutSeconds;
    // The Engine holds the answer for up to the grace period: the deadline must outlast it.
    const timeoutMs = grace === undefined ? undefined : this.#defaultDeadline(grace);
    await this.http.empty({ method: 'POST', path: apiPath`/containers/${id}/stop`, query: { t: grace }, timeoutMs });
  }

  async kill(id: string, options: { signal?: string } = {}): Promise<void> {
    await this.http.empty({ method: 'POST', path: apiPath`/containers/${id}/kill`, query: { signal: options.signal } });
  }

  /** `volumes` also removes the container's anonymous volumes. */
  async remove(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.http.empty({ method: 'DELETE', path: apiPath`/containers/${id}`, query: { force: options.force ?? false, v: options.volumes ?? false } });
  }

  async rename(id: string, newName: string): Promise<void> {
    await this.http.empty({ method: 'POST', path: apiPath`/containers/${id}/rename`, query: { name: newName } });
  }

  /** Changes resources and the restart policy in place (nothing else can change without a recreate). */
  async update(id: string, spec: ContainerUpdateSpec): Promise<{ warnings: string[] }> {
    return this.http.json({ method: 'POST', path: apiPath`/containers/${id}/update`, json: spec }, (value) => {
      const warnings = expectRecord(value, 'container update')['Warnings'];
      return { warnings: Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === 'string') : [] };
    });
  }

  /**
   * Waits until the container reaches `condition` (default not-running). No deadline of its own
   * once the Engine has accepted the wait: bound it with `signal` (e.g. AbortSignal.timeout()).
   */
  async wait(id: string, options: { condition?: 'not-running' | 'next-exit' | 'removed'; signal?: AbortSignal } = {}): Promise<ContainerWaitResult> {
    // stream: the Engine answers the headers at once and the body when the container is done.
    return this.http.json(
      { method: 'POST', path: apiPath`/containers/${id}/wait`, query: { condition: options.condition }, signal: options.signal, stream: true },
      (value) => {
        const result = expectRecord(value, 'container wait result');
        if (typeof result['StatusCode'] !== 'number') throw new DecodeError('container wait result.StatusCode', 'a number');
        return result as ContainerWaitResult;
      },
    );
  }

  async connectNetwork(id: string, network: string, endpoint: EndpointSettings = {}): Promise<void> {
    await this.#networks.connect(network, { Container: id, EndpointConfig: endpoint });
  }

  async disconnectNetwork(id: string, network: string, options: { force?: boolean } = {}): Promise<void> {
    await this.#networks.disconnect(network, id, options);
  }

  /**
   * Extracts a tar archive into the container's filesystem at `path` (a directory that must
   * exist). The container may be stopped. `noOverwriteDirNonDir` refuses to replace a directory by
   * a file or the reverse.
   */
  async putArchive(id: string, path: string, tar: Buffer | Readable, options: { noOverwriteDirNonDir?: boolean } = {}): Promise<void> {
    await this.http.empty({
      method: 'PUT',
      path: apiPath`/containers/${id}/archive`,
      query: { path, noOverwriteDirNonDir: options.noOverwriteDirNonDir },
      body: tar,
      contentType: 'application/x-tar',
    });
  }

  /** The container's output as chunks of stdout and stderr, decoded as they arrive. */
  async logs(id: string, options: LogOptions = {}): Promise<EngineStream<LogChunk>> {
    const tty = options.tty ?? (await this.inspect(id, options.signal === undefined ? {} : { signal: options.signal })).Config.Tty === true;
    return openLogs(this.http, apiPath`/containers/${id}/logs`, tty, options);
  }

  #defaultDeadline(graceSeconds: number): number {
    return this.http.defaultTimeoutMs + graceSeconds * 1000;
  }
}
