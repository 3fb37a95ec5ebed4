// EngineClient: the public face of moor's Docker Engine API client. `connect` resolves the
// endpoint (--host, DOCKER_HOST, TLS variables), pings, negotiates the API version and pins it;
// the object kinds hang off the client as `engine.containers`, `engine.services`, ...
//
// Must not: know about manifests, models or plans; print anything (warnings are returned).
import { Containers } from './containers.js';
import { Configs } from './configs.js';
import { Nodes, Swarm, Tasks } from './cluster.js';
import { loadTlsFiles, parseEndpoint } from './endpoint.js';
import type { Env } from './endpoint.js';
import { openEvents } from './events.js';
import type { EventOptions } from './events.js';
import { Images } from './images.js';
import { Networks } from './networks.js';
import { Secrets } from './secrets.js';
import { Services } from './services.js';
import { System, pingEngine } from './system.js';
import { Transport } from './transport.js';
import type { EngineStream, RequestCounters, RequestHook } from './transport.js';
import type { EngineEvent, PingInfo } from './types.js';
import { negotiateApiVersion } from './version.js';
import { Volumes } from './volumes.js';

export interface EngineClientOptions {
  /** The endpoint (the CLI's --host/-H); wins over DOCKER_HOST. */
  readonly host?: string | undefined;
  /** Where DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and HOME are read; default process.env. */
  readonly env?: Env;
  /** Allow plaintext tcp:// to a non-loopback address (--insecure-plaintext). */
  readonly allowInsecurePlaintext?: boolean | undefined;
  /** Deadline of each non-streaming request, connection included; default 30 000 ms. */
  readonly timeoutMs?: number | undefined;
  /** Deadline of opening a connection; default 5 000 ms, so a dead endpoint fails in seconds. */
  readonly connectTimeoutMs?: number | undefined;
  /** Extra tries of a GET/HEAD after a dropped connection or a 5xx; default 2. Never for writes. */
  readonly retries?: number | undefined;
  /** Base of the jittered exponential backoff between retries; default 100 ms. */
  readonly retryDelayMs?: number | undefined;
  /** Called after each HTTP exchange, with no body and no header (see RequestEvent). */
  readonly onRequest?: RequestHook | undefined;
  readonly signal?: AbortSignal | undefined;
}

const DEFAULTS = { timeoutMs: 30_000, connectTimeoutMs: 5_000, retries: 2, retryDelayMs: 100 } as const;

function readCount(options: EngineClientOptions, field: keyof typeof DEFAULTS, min: number): number {
  const value = options[field] ?? DEFAULTS[field];
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`EngineClient option ${field} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

export class EngineClient {
  /** The endpoint as the user named it, e.g. unix:///var/run/docker.sock. */
  readonly endpoint: string;
  /** The API version every request speaks (pinned into its path). */
  readonly apiVersion: string;
  /** What the Engine answered to the ping at connect time (its own max API version, Swarm state). */
  readonly pingInfo: PingInfo;
  /** Things the user should fix, e.g. a TLS key others can read. */
  readonly warnings: readonly string[];

  readonly containers: Containers;
  readonly networks: Networks;
  readonly volumes: Volumes;
  readonly secrets: Secrets;
  readonly configs: Configs;
  readonly services: Services;
  readonly tasks: Tasks;
  readonly nodes: Nodes;
  readonly images: Images;
  readonly system: System;
  readonly swarm: Swarm;

  readonly #http: Transport;

  private constructor(http: Transport, apiVersion: string, pingInfo: PingInfo, warnings: readonly string[]) {
    this.#http = http;
    this.endpoint = http.endpoint;
    this.apiVersion = apiVersion;
    this.pingInfo = pingInfo;
    this.warnings = warnings;
    this.networks = new Networks(http);
    this.containers = new Containers(http, this.networks);
    this.volumes = new Volumes(http);
    this.secrets = new Secrets(http);
    this.configs = new Configs(http);
    this.services = new Services(http, apiVersion);
    this.tasks = new Tasks(http);
    this.nodes = new Nodes(http);
    this.images = new Images(http);
    this.system = new System(http);
    this.swarm = new Swarm(http);
  }

  /** Connects, pings and negotiates; fails with an EngineError (kind unreachable, version, ...) otherwise. */
  static async connect(options: EngineClientOptions = {}): Promise<EngineClient> {
    const timeoutMs = readCount(options, 'timeoutMs', 1);
    const connectTimeoutMs = readCount(options, 'connectTimeoutMs', 1);
    const retries = readCount(options, 'retries', 0);
    const retryDelayMs = readCount(options, 'retryDelayMs', 0);
    const env = options.env ?? process.env;
    const endpoint = parseEndpoint({ host: options.host, allowInsecurePlaintext: options.allowInsecurePlaintext }, env);
    const tls = endpoint.kind === 'tcp' && endpoint.tls !== null ? await loadTlsFiles(endpoint.url, endpoint.tls) : null;
    const http = new Transport({ endpoint, tls, timeoutMs, connectTimeoutMs, retries, retryDelayMs, onRequest: options.onRequest });
    try {
      const ping = await pingEngine(http, { signal: options.signal });
      const apiVersion = negotiateApiVersion(endpoint.url, ping.apiVersion);
      http.pinVersion(apiVersion);
      return new EngineClient(http, apiVersion, ping, tls?.warnings ?? []);
    } catch (err: unknown) {
      await http.close();
      throw err;
    }
  }

  /**
   * Subscribes to the events stream. Resolves once the Engine accepted the subscription, so a
   * caller can subscribe, then list, and miss nothing in between.
   */
  async events(options: EventOptions = {}): Promise<EngineStream<EngineEvent>> {
    return openEvents(this.#http, options);
  }

  /** Requests and failed requests so far, by HTTP method (each retry counts). */
  counters(): RequestCounters {
    return this.#http.counters();
  }

  /** Closes the connection pool; open streams end. */
  async close(): Promise<void> {
    await this.#http.close();
  }
}
