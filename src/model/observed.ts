// The observed model: live Engine state, normalised into the same `*Spec` shapes as the desired
// model (see desired.ts), with references as Engine names. Built by src/observe/ in one bulk read;
// the diff and the plan are computed from it without further Engine calls.
import type {
  ConfigSpec,
  ContainerSpec,
  NetworkSpec,
  Protocol,
  SecretSpec,
  ServiceSpec,
  VolumeSpec,
} from './desired.js';

export interface ObservedNetwork {
  readonly kind: 'network';
  readonly id: string;
  readonly engineName: string;
  /** Logical name, from the io.moor.name label. */
  readonly name: string;
  readonly scope: 'local' | 'swarm' | 'global';
  readonly spec: NetworkSpec;
  /** Ids of the containers attached to it (local networks). */
  readonly containerIds: readonly string[];
  /** When the Engine created it (RFC 3339): which of two networks of one name to keep. */
  readonly created?: string;
}

export interface ObservedVolume {
  readonly kind: 'volume';
  readonly engineName: string;
  readonly name: string;
  readonly spec: VolumeSpec;
}

export interface ObservedSecret {
  readonly kind: 'secret';
  readonly id: string;
  readonly engineName: string;
  readonly name: string;
  readonly version: number;
  readonly spec: SecretSpec;
  /** The io.moor.content label (salted fingerprint), or null when absent. */
  readonly fingerprint: string | null;
  readonly createdAt: string;
}

export interface ObservedConfig {
  readonly kind: 'config';
  readonly id: string;
  readonly engineName: string;
  readonly name: string;
  readonly version: number;
  readonly spec: ConfigSpec;
  readonly data: Uint8Array;
  readonly createdAt: string;
}

export interface ContainerState {
  /** The Engine's status: created, running, paused, restarting, removing, exited, dead. */
  readonly status: string;
  readonly running: boolean;
  readonly exitCode: number;
  /** null when the container has no healthcheck. */
  readonly health: 'starting' | 'healthy' | 'unhealthy' | null;
  readonly restartCount: number;
  readonly startedAt: string;
  readonly finishedAt: string;
}

export interface ObservedContainer {
  readonly kind: 'container';
  readonly id: string;
  /** Its current Engine name (a leftover replacement may still carry a temporary name). */
  readonly engineName: string;
  readonly name: string;
  /**
   * The spec: immutable fields from the io.moor.container-spec label, mutable ones (restart,
   * memLimit, cpus, networks) read live. null when the label is missing or unreadable: such a
   * container can only be replaced.
   */
  readonly spec: ContainerSpec | null;
  readonly specHash: string | null;
  readonly state: ContainerState;
  /** Set on a replacement that was created but not yet swapped in: the id it replaces. */
  readonly replaces: string | null;
  /** Logical names of the containers it depends on (io.moor.depends-on). */
  readonly dependsOn: readonly string[];
  /** The id of the image it runs. */
  readonly imageId: string;
  /**
   * Its anonymous volumes (named by the Engine, mounted where its spec mounts no named volume or
   * bind: an `anonymous` mount, or an image's VOLUME), by target path. A replacement takes them over;
   * a removal with volumes removes them.
   */
  readonly anonymousVolumes: Readonly<Record<string, string>>;
}

export type UpdateState =
  | 'updating'
  | 'paused'
  | 'completed'
  | 'rollback_started'
  | 'rollback_paused'
  | 'rollback_completed';

/** A rollout Swarm rolled back, as recorded on the service by moor (io.moor.failed-* labels). */
export interface FailedRollout {
  /** The io.moor.spec-hash of the spec that was rolled back. */
  readonly specHash: string;
  /** Swarm's reason, e.g. "update rolled back due to failure or early termination of task ...". */
  readonly message: string;
}

export interface ObservedService {
  readonly kind: 'service';
  readonly id: string;
  readonly engineName: string;
  readonly name: string;
  /** Version.Index: every update must send it (optimistic concurrency). */
  readonly version: number;
  readonly spec: ServiceSpec;
  /**
   * TaskTemplate.ForceUpdate. Not part of the spec: moor sends the live value back unchanged so
   * that an update never restarts tasks by resetting it.
   */
  readonly forceUpdate: number;
  /**
   * The live spec's fields moor does not manage (convert/unmanaged.ts), as the Engine returned
   * them (`{}` for none): an update sends them back unchanged.
   */
  readonly unmanaged: Readonly<Record<string, unknown>>;
  /** Engine names of the secrets and configs the previous spec (the rollback target) uses. */
  readonly previousSpecRefs: { readonly secrets: readonly string[]; readonly configs: readonly string[] };
  readonly updateStatus: { readonly state: UpdateState; readonly message: string } | null;
  /** Logical names of the services it depends on (io.moor.depends-on). */
  readonly dependsOn: readonly string[];
  /** The io.moor.spec-hash label: the hash of the spec moor last sent; null when absent. */
  readonly specHash: string | null;
  /** The last rollout Swarm rolled back, when moor recorded one (apply --wait does). */
  readonly failedRollout: FailedRollout | null;
}

export type ObservedObject =
  | ObservedNetwork
  | ObservedVolume
  | ObservedSecret
  | ObservedConfig
  | ObservedContainer
  | ObservedService;

/** An Engine object the project does not own (no io.moor.project label with its name). */
export interface UnownedObject {
  readonly id: string;
  readonly engineName: string;
  /** The io.moor.project label when another moor project owns it, else null. */
  readonly ownerProject: string | null;
}

/** A container or service the project does not own, named in the plan's messages. */
export interface ForeignUser {
  readonly kind: 'container' | 'service';
  readonly engineName: string;
  /** The io.moor.project label when another moor project owns it, else null. */
  readonly ownerProject: string | null;
  /** A container that runs a task of a Swarm service: the service's name, else null. */
  readonly taskOf: string | null;
}

/** A host port held by a container or service the project does not own. */
export interface ForeignPort {
  readonly holder: ForeignUser;
  /**
   * 'bind': a container's port binding, on `hostIp` ('0.0.0.0' or '::' for every address): a
   * second binding that overlaps fails to start ("port is already allocated").
   * 'ingress': a service's port on Swarm's routing mesh, on every address of every node (`hostIp`
   * ''): the Engine lets a container bind it too, but the mesh's rules take its traffic.
   */
  readonly mode: 'bind' | 'ingress';
  readonly hostIp: string;
  readonly port: number;
  readonly protocol: Protocol;
}

/**
 * What containers and services the project does not own use of the project's objects and of the
 * host, where the plan's changes would meet them half-way through an apply: the Engine refuses to
 * remove a volume a container mounts (even a stopped one) or a secret or config a service uses,
 * and to start a container on a host port another holds. Containers running tasks of the
 * project's own services are not foreign (the plan knows those services' specs).
 */
export interface ForeignUse {
  /** The project's volumes (Engine names) mounted by foreign containers. */
  readonly volumes: ReadonlyMap<string, readonly ForeignUser[]>;
  /** Host ports that foreign containers publish (running ones: only they hold a port), and foreign services in ingress mode. */
  readonly ports: readonly ForeignPort[];
  /** The project's secret and config versions (Engine names) used by foreign services (their spec or their rollback target). */
  readonly secrets: ReadonlyMap<string, readonly ForeignUser[]>;
  readonly configs: ReadonlyMap<string, readonly ForeignUser[]>;
  /** The project's networks (by id) that foreign services are attached to: Swarm will not remove a network a service uses. */
  readonly networks: ReadonlyMap<string, readonly ForeignUser[]>;
}

export interface EngineFacts {
  readonly apiVersion: string;
  readonly engineVersion: string;
  /** LocalNodeState: inactive, pending, active, error, locked. */
  readonly swarm: string;
  /** Whether this node can manage Swarm objects. */
  readonly swarmManager: boolean;
}

export interface ObservedProject {
  readonly project: string;
  readonly engine: EngineFacts;
  /** Owned objects. Several containers may carry one logical name after an interrupted replace. */
  readonly networks: readonly ObservedNetwork[];
  readonly volumes: readonly ObservedVolume[];
  readonly secrets: readonly ObservedSecret[];
  readonly configs: readonly ObservedConfig[];
  readonly containers: readonly ObservedContainer[];
  readonly services: readonly ObservedService[];
  /** Every other object, by kind and Engine name: for name conflicts and `external` references. */
  readonly unowned: {
    readonly network: ReadonlyMap<string, UnownedObject>;
    readonly volume: ReadonlyMap<string, UnownedObject>;
    readonly secret: ReadonlyMap<string, UnownedObject>;
    readonly config: ReadonlyMap<string, UnownedObject>;
    readonly container: ReadonlyMap<string, UnownedObject>;
    readonly service: ReadonlyMap<string, UnownedObject>;
  };
  /**
   * Services named as the project names its services (`<project>_...`) that no moor project owns:
   * what `--adopt service/NAME` may take over (a `docker stack deploy` of the same name made them).
   */
  readonly adoptable: readonly ObservedService[];
  /** Where objects the project does not own use what the plan may change. */
  readonly foreign: ForeignUse;
  /** Images present on the Engine: reference (see model/images.ts imageKey) -> image id. */
  readonly images: ReadonlyMap<string, string>;
}
