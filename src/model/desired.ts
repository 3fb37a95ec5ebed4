// The canonical desired model: what a manifest means, with every short syntax expanded, every unit
// converted and every default filled in, so that later layers never see two spellings of one thing.
//
// The same `*Spec` types describe live objects (see observed.ts): the diff compares a desired spec
// with an observed one field by field. Conventions, which both sides must follow exactly:
//   - "not set" is `null`, never `undefined` or a missing key; empty collections are `[]` / `{}`;
//     a 0 that the Engine reads as not set is `null` too (the fields are in model/engine-zeros.ts);
//   - durations are integer nanoseconds, sizes integer bytes, CPUs integer nano-CPUs (1 CPU = 1e9);
//   - maps are plain records; lists whose order has no meaning are sorted (see the field comments);
//   - `labels` are the user's labels only: moor's own `io.moor.*` labels never appear in a spec;
//   - references to other objects use their *logical* names (the manifest keys) in desired specs
//     and Engine names in observed specs; the diff resolves desired references before comparing.
import type { Sensitive } from './sensitive.js';

/** Nanoseconds. */
export type Duration = number;
/** Bytes. */
export type Bytes = number;
export type StringMap = Readonly<Record<string, string>>;

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

// ---------------------------------------------------------------------------------------------
// Networks, volumes, secrets, configs

export interface IpamPool {
  readonly subnet: string | null;
  readonly ipRange: string | null;
  readonly gateway: string | null;
}

export interface IpamSpec {
  /** 'default' unless the manifest names another IPAM driver. */
  readonly driver: string;
  /** In manifest order. */
  readonly config: readonly IpamPool[];
}

export interface NetworkSpec {
  /** 'bridge' or 'overlay' (the default is overlay when a service uses the network, else bridge). */
  readonly driver: string;
  readonly internal: boolean;
  readonly attachable: boolean;
  readonly enableIpv6: boolean;
  readonly driverOpts: StringMap;
  /** null: the Engine picks subnets; they are then not compared (they differ on every host). */
  readonly ipam: IpamSpec | null;
  readonly labels: StringMap;
}

export interface VolumeSpec {
  /** 'local' unless the manifest names another driver. */
  readonly driver: string;
  readonly driverOpts: StringMap;
  readonly labels: StringMap;
}

/** Only the labels of a secret or config can change in place; content is compared separately. */
export interface SecretSpec {
  readonly labels: StringMap;
}

export interface ConfigSpec {
  readonly labels: StringMap;
}

// ---------------------------------------------------------------------------------------------
// Pieces shared by containers and services

export interface Healthcheck {
  /**
   * ['CMD', ...args] | ['CMD-SHELL', command] | ['NONE'] (disables the image's healthcheck) | []
   * (keeps the image's test, sets only the timings).
   */
  readonly test: readonly string[];
  readonly interval: Duration | null;
  readonly timeout: Duration | null;
  readonly retries: number | null;
  readonly startPeriod: Duration | null;
}

export type Mount =
  | {
      readonly type: 'volume';
      /** Logical volume name (desired) / Engine volume name (observed); '' for an anonymous volume. */
      readonly source: string;
      readonly target: string;
      readonly readOnly: boolean;
      readonly noCopy: boolean;
    }
  | {
      readonly type: 'bind';
      /** Absolute host path (relative manifest paths are resolved against the manifest folder). */
      readonly source: string;
      readonly target: string;
      readonly readOnly: boolean;
    }
  | {
      readonly type: 'tmpfs';
      readonly target: string;
      readonly size: Bytes | null;
      readonly mode: number | null;
    };

export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface Ulimit {
  readonly soft: number;
  readonly hard: number;
}

export interface LoggingSpec {
  readonly driver: string;
  readonly options: StringMap;
}

// ---------------------------------------------------------------------------------------------
// Containers

export interface ContainerPort {
  readonly target: number;
  /** null: the Engine picks a free host port. */
  readonly published: number | null;
  /** '' binds all host addresses. */
  readonly hostIp: string;
  readonly protocol: Protocol;
}

export interface ContainerNetworkAttachment {
  /** Sorted. Always includes the container's logical name (Compose's service-name alias). */
  readonly aliases: readonly string[];
  readonly ipv4Address: string | null;
}

export interface RestartPolicy {
  readonly name: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  /** Only meaningful for on-failure; 0 otherwise. */
  readonly maxRetries: number;
}

export interface ContainerSpec {
  readonly image: string;
  /** null: the image's CMD / ENTRYPOINT. String forms are split into words like a shell would. */
  readonly command: readonly string[] | null;
  readonly entrypoint: readonly string[] | null;
  readonly environment: StringMap;
  /** Sorted by target, protocol, hostIp, published. Port ranges are expanded to single ports. */
  readonly ports: readonly ContainerPort[];
  /** Sorted by target. */
  readonly mounts: readonly Mount[];
  /** Keyed by network (logical name in desired specs, Engine name in observed ones). */
  readonly networks: Readonly<Record<string, ContainerNetworkAttachment>>;
  readonly restart: RestartPolicy;
  /** null: the image's healthcheck. */
  readonly healthcheck: Healthcheck | null;
  readonly labels: StringMap;
  readonly user: string | null;
  readonly workingDir: string | null;
  readonly hostname: string | null;
  /** Upper case, without the CAP_ prefix, sorted. */
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly privileged: boolean;
  readonly readOnly: boolean;
  /** Mount path -> mount options ('' for none). */
  readonly tmpfs: StringMap;
  readonly init: boolean | null;
  /** `host:ip`, sorted. */
  readonly extraHosts: readonly string[];
  /** In manifest order (resolver order matters). */
  readonly dns: readonly string[];
  readonly sysctls: StringMap;
  readonly ulimits: Readonly<Record<string, Ulimit>>;
  readonly logging: LoggingSpec | null;
  readonly stopSignal: string | null;
  readonly stopGracePeriod: Duration | null;
  readonly memLimit: Bytes | null;
  /** Nano-CPUs (cpus: 0.5 -> 500000000). */
  readonly cpus: number | null;
}

/**
 * Container fields the Engine can change in place (`POST /containers/{id}/update`, network
 * connect/disconnect). A change to any other field replaces the container, and so does removing
 * memLimit or cpus: the update endpoint can set a limit, not drop one (diff/compare.ts).
 */
export const CONTAINER_MUTABLE_FIELDS = ['restart', 'memLimit', 'cpus', 'networks'] as const satisfies readonly (keyof ContainerSpec)[];

export type DependencyCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

// ---------------------------------------------------------------------------------------------
// Swarm services

export interface ServicePort {
  readonly target: number;
  /** null: Swarm picks a port from its range (30000+). */
  readonly published: number | null;
  readonly protocol: Protocol;
  readonly mode: 'ingress' | 'host';
}

export interface ServiceNetworkAttachment {
  /** Sorted. Always includes the service's logical name. */
  readonly aliases: readonly string[];
}

export interface FileReference {
  /** Logical secret/config name (desired) / Engine name (observed). */
  readonly source: string;
  /** File name: for secrets relative to /run/secrets/ unless absolute; configs default to /<source>. */
  readonly target: string;
  readonly uid: string;
  readonly gid: string;
  /** Permission bits, e.g. 0o444. */
  readonly mode: number;
}

export interface UpdateConfig {
  readonly parallelism: number;
  readonly delay: Duration;
  readonly failureAction: 'continue' | 'pause' | 'rollback';
  readonly monitor: Duration;
  readonly maxFailureRatio: number;
  readonly order: 'stop-first' | 'start-first';
}

export interface ServiceRestartPolicy {
  readonly condition: 'none' | 'on-failure' | 'any';
  readonly delay: Duration | null;
  readonly maxAttempts: number | null;
  readonly window: Duration | null;
}

export interface Placement {
  /** Sorted. */
  readonly constraints: readonly string[];
  /** In manifest order. */
  readonly preferences: readonly { readonly spread: string }[];
  readonly maxReplicas: number | null;
}

export interface ResourceLimits {
  readonly cpus: number | null;
  readonly memory: Bytes | null;
  readonly pids: number | null;
}

export interface ResourceReservations {
  readonly cpus: number | null;
  readonly memory: Bytes | null;
}

export interface ServiceSpec {
  readonly image: string;
  readonly command: readonly string[] | null;
  readonly entrypoint: readonly string[] | null;
  readonly environment: StringMap;
  /** Sorted by target, protocol, published, mode. */
  readonly ports: readonly ServicePort[];
  /** Sorted by target. */
  readonly mounts: readonly Mount[];
  readonly networks: Readonly<Record<string, ServiceNetworkAttachment>>;
  /** Sorted by target. */
  readonly secrets: readonly FileReference[];
  /** Sorted by target. */
  readonly configs: readonly FileReference[];
  readonly mode: 'replicated' | 'global';
  /** null for global services. */
  readonly replicas: number | null;
  /** null: Swarm's defaults (not sent). A partial manifest section is completed with Swarm's defaults. */
  readonly updateConfig: UpdateConfig | null;
  readonly rollbackConfig: UpdateConfig | null;
  readonly restartPolicy: ServiceRestartPolicy | null;
  readonly placement: Placement;
  readonly resources: { readonly limits: ResourceLimits; readonly reservations: ResourceReservations };
  readonly healthcheck: Healthcheck | null;
  readonly labels: StringMap;
  readonly containerLabels: StringMap;
  readonly user: string | null;
  readonly workingDir: string | null;
  readonly hostname: string | null;
  readonly stopSignal: string | null;
  readonly stopGracePeriod: Duration | null;
  readonly readOnly: boolean;
  readonly init: boolean | null;
  /** The tasks' logging driver; null: the Engine's default. */
  readonly logging: LoggingSpec | null;
  readonly endpointMode: 'vip' | 'dnsrr';
}

// ---------------------------------------------------------------------------------------------
// Desired objects: identity + spec (+ what is not part of the spec, such as ordering and content)

/** An object the manifest uses but moor does not manage (`external: true`): it must exist. */
export interface ExternalObject<K extends 'network' | 'volume' | 'secret' | 'config'> {
  readonly kind: K;
  readonly name: string;
  readonly external: true;
  /** The Engine name to look for (the manifest key, or its `name:`). */
  readonly engineName: string;
}

export interface ManagedNetwork {
  readonly kind: 'network';
  readonly name: string;
  readonly external: false;
  readonly engineName: string;
  readonly spec: NetworkSpec;
}

export interface ManagedVolume {
  readonly kind: 'volume';
  readonly name: string;
  readonly external: false;
  readonly engineName: string;
  readonly spec: VolumeSpec;
}

export type SecretSource =
  | { readonly type: 'file'; readonly path: string }
  | { readonly type: 'environment'; readonly variable: string };

export interface ManagedSecret {
  readonly kind: 'secret';
  readonly name: string;
  readonly external: false;
  /** Where the content came from (shown in plans instead of the content). */
  readonly source: SecretSource;
  readonly data: Sensitive;
  readonly spec: SecretSpec;
}

export type ConfigSource = { readonly type: 'file'; readonly path: string } | { readonly type: 'content' };

export interface ManagedConfig {
  readonly kind: 'config';
  readonly name: string;
  readonly external: false;
  readonly source: ConfigSource;
  readonly data: Uint8Array;
  readonly spec: ConfigSpec;
}

export interface DesiredContainer {
  readonly kind: 'container';
  readonly name: string;
  readonly engineName: string;
  readonly spec: ContainerSpec;
  /** Start order only (not part of the spec: changing it changes no container). */
  readonly dependsOn: Readonly<Record<string, { readonly condition: DependencyCondition }>>;
  /** See SensitiveEnvironment. */
  readonly sensitiveEnvironment?: SensitiveEnvironment;
}

/**
 * The environment keys whose values the manifest does not hold as written (a variable's value,
 * moor's environment for a bare key, an env_file's): they may be secrets, so plans show them as
 * "(sensitive)". Sorted; absent means none.
 */
export type SensitiveEnvironment = readonly string[];

export interface DesiredService {
  readonly kind: 'service';
  readonly name: string;
  readonly engineName: string;
  readonly spec: ServiceSpec;
  /** Create order only. */
  readonly dependsOn: readonly string[];
  /** See SensitiveEnvironment. */
  readonly sensitiveEnvironment?: SensitiveEnvironment;
}

export type DesiredNetwork = ManagedNetwork | ExternalObject<'network'>;
export type DesiredVolume = ManagedVolume | ExternalObject<'volume'>;
export type DesiredSecret = ManagedSecret | ExternalObject<'secret'>;
export type DesiredConfig = ManagedConfig | ExternalObject<'config'>;
export type DesiredObject = DesiredNetwork | DesiredVolume | DesiredSecret | DesiredConfig | DesiredContainer | DesiredService;

export interface DesiredProject {
  /** [a-z0-9][a-z0-9_-]*: scopes ownership of every object. */
  readonly project: string;
  /** All records are keyed by logical name, keys in sorted order. */
  readonly networks: Readonly<Record<string, DesiredNetwork>>;
  readonly volumes: Readonly<Record<string, DesiredVolume>>;
  readonly secrets: Readonly<Record<string, DesiredSecret>>;
  readonly configs: Readonly<Record<string, DesiredConfig>>;
  readonly containers: Readonly<Record<string, DesiredContainer>>;
  readonly services: Readonly<Record<string, DesiredService>>;
  /** Where each object was declared, by object id (`service/web`), for messages. */
  readonly locations: Readonly<Record<string, SourceLocation>>;
}

/** A project with nothing in it: planned against the Engine, it removes everything the project owns (destroy). */
export function emptyProject(project: string): DesiredProject {
  return { project, networks: {}, volumes: {}, secrets: {}, configs: {}, containers: {}, services: {}, locations: {} };
}

/** The container or service `name` of the project, if it has one. */
export function workloadOf(desired: DesiredProject, kind: 'container' | 'service', name: string): DesiredContainer | DesiredService | undefined {
  return kind === 'container' ? desired.containers[name] : desired.services[name];
}
