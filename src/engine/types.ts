// Wire types of the Docker Engine API 1.41, PascalCase as on the wire. The fields moor reads or
// writes are typed; every object stays open (`Open`) because the Engine adds fields in each release
// and moor must carry unknown ones through a read-modify-write of a Swarm spec untouched.
//
// Types only: what is actually checked at run time is in decode.ts and the per-kind files.

export interface Open {
  readonly [field: string]: unknown;
}

export type Labels = Readonly<Record<string, string>>;

/** Swarm objects' optimistic-concurrency version: send `Index` back on update. */
export interface ObjectVersion extends Open {
  readonly Index: number;
}

export interface SwarmMeta extends Open {
  readonly ID: string;
  readonly Version: ObjectVersion;
  readonly CreatedAt?: string;
  readonly UpdatedAt?: string;
}

// ---------------------------------------------------------------- containers

export interface ContainerSummary extends Open {
  readonly Id: string;
  readonly Names: readonly string[];
  readonly Image: string;
  readonly ImageID?: string;
  readonly Command?: string;
  readonly Created?: number;
  readonly State: string;
  readonly Status?: string;
  readonly Labels: Labels | null;
}

export interface RestartPolicy extends Open {
  readonly Name?: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  readonly MaximumRetryCount?: number;
}

export interface Mount extends Open {
  readonly Type?: 'bind' | 'volume' | 'tmpfs' | 'npipe';
  readonly Source?: string;
  readonly Target?: string;
  readonly ReadOnly?: boolean;
}

export interface PortBinding extends Open {
  readonly HostIp?: string;
  readonly HostPort?: string;
}

/** The resource fields `POST /containers/{id}/update` can change in place. */
export interface ContainerResources extends Open {
  readonly CpuShares?: number;
  readonly Memory?: number;
  readonly MemoryReservation?: number;
  readonly MemorySwap?: number;
  readonly NanoCpus?: number;
  readonly CpuQuota?: number;
  readonly CpuPeriod?: number;
  readonly PidsLimit?: number | null;
}

export interface HostConfig extends ContainerResources {
  readonly Binds?: readonly string[];
  readonly Mounts?: readonly Mount[];
  readonly NetworkMode?: string;
  readonly PortBindings?: Readonly<Record<string, readonly PortBinding[] | null>>;
  readonly RestartPolicy?: RestartPolicy;
  readonly AutoRemove?: boolean;
  readonly Init?: boolean | null;
}

export interface EndpointSettings extends Open {
  readonly Aliases?: readonly string[] | null;
  readonly NetworkID?: string;
  readonly EndpointID?: string;
  readonly IPAddress?: string;
}

export interface ContainerConfig extends Open {
  readonly Image?: string;
  readonly Cmd?: readonly string[];
  readonly Entrypoint?: readonly string[] | null;
  readonly Env?: readonly string[];
  readonly Labels?: Labels;
  readonly WorkingDir?: string;
  readonly User?: string;
  readonly Tty?: boolean;
  readonly ExposedPorts?: Readonly<Record<string, Open>>;
  readonly StopSignal?: string;
  readonly StopTimeout?: number;
}

/** The body of `POST /containers/create`. */
export interface ContainerCreateSpec extends ContainerConfig {
  readonly Image: string;
  readonly HostConfig?: HostConfig;
  readonly NetworkingConfig?: { readonly EndpointsConfig?: Readonly<Record<string, EndpointSettings>> };
}

export interface ContainerState extends Open {
  readonly Status: string;
  readonly Running: boolean;
  readonly ExitCode?: number;
  readonly StartedAt?: string;
  readonly FinishedAt?: string;
  readonly Health?: Open & { readonly Status?: string; readonly Log?: readonly (Open & { readonly Output?: string })[] };
}

export interface ContainerInspect extends Open {
  readonly Id: string;
  readonly Name: string;
  readonly Image: string;
  readonly Created?: string;
  readonly RestartCount?: number;
  readonly State: ContainerState;
  readonly Config: ContainerConfig;
  readonly HostConfig: HostConfig;
  readonly Mounts?: readonly Open[];
  readonly NetworkSettings: Open & { readonly Networks?: Readonly<Record<string, EndpointSettings>> };
}

/** The body of `POST /containers/{id}/update`. */
export interface ContainerUpdateSpec extends ContainerResources {
  readonly RestartPolicy?: RestartPolicy;
}

export interface ContainerWaitResult extends Open {
  readonly StatusCode: number;
  readonly Error?: { readonly Message?: string } | null;
}

// ---------------------------------------------------------------- networks

export interface IpamConfig extends Open {
  readonly Subnet?: string;
  readonly IPRange?: string;
  readonly Gateway?: string;
}

export interface Ipam extends Open {
  readonly Driver?: string;
  readonly Config?: readonly IpamConfig[] | null;
  readonly Options?: Readonly<Record<string, string>> | null;
}

export interface Network extends Open {
  readonly Id: string;
  readonly Name: string;
  readonly Driver: string;
  readonly Scope: string;
  readonly Internal?: boolean;
  readonly Attachable?: boolean;
  readonly Ingress?: boolean;
  readonly EnableIPv6?: boolean;
  readonly IPAM?: Ipam;
  readonly Options?: Readonly<Record<string, string>> | null;
  readonly Labels: Labels | null;
  readonly Containers?: Readonly<Record<string, Open>> | null;
  readonly Created?: string;
}

/** The body of `POST /networks/create`. */
export interface NetworkCreateSpec extends Open {
  readonly Name: string;
  /** Without it, API 1.41 Engines allow two networks of the same name. */
  readonly CheckDuplicate?: boolean;
  readonly Driver?: string;
  readonly Internal?: boolean;
  readonly Attachable?: boolean;
  readonly EnableIPv6?: boolean;
  readonly IPAM?: Ipam;
  readonly Options?: Readonly<Record<string, string>>;
  readonly Labels?: Labels;
}

/** The body of `POST /networks/{id}/connect`. */
export interface NetworkConnectSpec extends Open {
  readonly Container: string;
  readonly EndpointConfig?: EndpointSettings;
}

// ---------------------------------------------------------------- volumes

export interface Volume extends Open {
  readonly Name: string;
  readonly Driver: string;
  readonly Mountpoint: string;
  readonly Scope?: string;
  readonly Labels: Labels | null;
  readonly Options: Readonly<Record<string, string>> | null;
  readonly CreatedAt?: string;
}

export interface VolumeCreateSpec extends Open {
  readonly Name: string;
  readonly Driver?: string;
  readonly DriverOpts?: Readonly<Record<string, string>>;
  readonly Labels?: Labels;
}

// ---------------------------------------------------------------- secrets and configs

export interface Driver extends Open {
  readonly Name: string;
  readonly Options?: Readonly<Record<string, string>>;
}

export interface SecretSpec extends Open {
  readonly Name: string;
  readonly Labels?: Labels;
  /** Base64 of the secret bytes. Never log it. */
  readonly Data?: string;
  readonly Driver?: Driver;
  readonly Templating?: Driver;
}

export interface Secret extends SwarmMeta {
  readonly Spec: SecretSpec;
}

export interface ConfigSpec extends Open {
  readonly Name: string;
  readonly Labels?: Labels;
  /** Base64 of the config bytes (inspect returns it too, unlike for secrets). */
  readonly Data?: string;
  readonly Templating?: Driver;
}

export interface Config extends SwarmMeta {
  readonly Spec: ConfigSpec;
}

// ---------------------------------------------------------------- services and tasks

export interface ServiceSpec extends Open {
  readonly Name?: string;
  readonly Labels?: Labels;
  readonly TaskTemplate: TaskSpec;
  readonly Mode?: Open & { readonly Replicated?: { readonly Replicas?: number }; readonly Global?: Open };
  readonly UpdateConfig?: Open;
  readonly RollbackConfig?: Open;
  readonly Networks?: readonly Open[];
  readonly EndpointSpec?: Open;
}

export interface TaskSpec extends Open {
  readonly ContainerSpec?: Open & {
    readonly Image?: string;
    readonly Command?: readonly string[];
    readonly Args?: readonly string[];
    readonly Env?: readonly string[];
    readonly Labels?: Labels;
  };
  readonly Resources?: Open;
  readonly RestartPolicy?: Open;
  readonly Placement?: Open;
  readonly Networks?: readonly Open[];
  readonly LogDriver?: Open;
  /** Bump to force a redeploy; copy the live value otherwise (a drop to 0 restarts every task). */
  readonly ForceUpdate?: number;
}

export type UpdateState = 'updating' | 'paused' | 'completed' | 'rollback_started' | 'rollback_paused' | 'rollback_completed';

export interface Service extends SwarmMeta {
  readonly Spec: ServiceSpec;
  readonly PreviousSpec?: ServiceSpec;
  readonly Endpoint?: Open;
  /** `UpdateState` values, though the swagger lists only three: keep it a string. */
  readonly UpdateStatus?: Open & { readonly State?: UpdateState | string; readonly Message?: string };
  /** Present with `status=true` (API ≥ 1.41). */
  readonly ServiceStatus?: Open & { readonly RunningTasks: number; readonly DesiredTasks: number; readonly CompletedTasks?: number };
}

export interface ServiceCreateResult {
  readonly id: string;
  readonly warnings: readonly string[];
}

export interface Task extends SwarmMeta {
  readonly ServiceID: string;
  readonly NodeID?: string;
  readonly Slot?: number;
  readonly Spec: TaskSpec;
  readonly DesiredState: string;
  readonly Status: Open & {
    readonly State: string;
    readonly Message?: string;
    readonly Err?: string;
    readonly Timestamp?: string;
    readonly ContainerStatus?: Open & { readonly ContainerID?: string; readonly ExitCode?: number };
  };
}

export interface SwarmNode extends SwarmMeta {
  readonly Spec: Open & { readonly Role?: 'worker' | 'manager'; readonly Availability?: string; readonly Labels?: Labels };
  readonly Description?: Open & { readonly Hostname?: string };
  readonly Status: Open & { readonly State: string; readonly Addr?: string };
  readonly ManagerStatus?: Open & { readonly Leader?: boolean; readonly Reachability?: string };
}

export interface SwarmInfo extends SwarmMeta {
  readonly Spec: Open & { readonly Name?: string };
  readonly JoinTokens?: Open;
}

// ---------------------------------------------------------------- images

export interface ImageSummary extends Open {
  readonly Id: string;
  readonly RepoTags: readonly string[] | null;
  readonly RepoDigests: readonly string[] | null;
  readonly Created?: number;
  readonly Size?: number;
  readonly Labels: Labels | null;
}

export interface ImageInspect extends Open {
  readonly Id: string;
  readonly RepoTags: readonly string[];
  readonly RepoDigests: readonly string[];
  readonly Config?: ContainerConfig | null;
  readonly Os?: string;
  readonly Architecture?: string;
}

export interface ImageDeleteItem extends Open {
  readonly Untagged?: string;
  readonly Deleted?: string;
}

/** One message of the pull stream (`POST /images/create`). */
export interface PullProgress extends Open {
  readonly status?: string;
  readonly id?: string;
  readonly progress?: string;
  readonly progressDetail?: Open & { readonly current?: number; readonly total?: number };
}

// ---------------------------------------------------------------- system

export interface SystemVersion extends Open {
  readonly Version: string;
  readonly ApiVersion: string;
  readonly MinAPIVersion?: string;
  readonly Os?: string;
  readonly Arch?: string;
  readonly KernelVersion?: string;
}

export interface SystemInfo extends Open {
  readonly ID?: string;
  readonly Name?: string;
  readonly ServerVersion?: string;
  readonly OperatingSystem?: string;
  readonly Swarm?: Open & { readonly LocalNodeState?: string; readonly ControlAvailable?: boolean; readonly NodeID?: string; readonly Cluster?: Open & { readonly ID?: string } };
}

/** What `GET /_ping` says in its headers. */
export interface PingInfo {
  /** The highest API version the Engine speaks. */
  readonly apiVersion: string;
  /** `inactive`, `pending`, `error`, `locked`, `active/worker`, `active/manager`; null when the Engine does not say. */
  readonly swarm: string | null;
  readonly experimental: boolean;
  readonly osType: string | null;
  readonly builderVersion: string | null;
}

// ---------------------------------------------------------------- events

export type EventType = 'container' | 'image' | 'volume' | 'network' | 'daemon' | 'plugin' | 'node' | 'service' | 'secret' | 'config';

export interface EngineEvent extends Open {
  readonly Type: EventType | string;
  readonly Action: string;
  readonly Actor: Open & { readonly ID: string; readonly Attributes: Readonly<Record<string, string>> };
  /** `local` or `swarm`. */
  readonly scope?: string;
  /** Seconds since the epoch. */
  readonly time: number;
  readonly timeNano: number;
}
