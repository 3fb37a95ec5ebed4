// Canonical spec -> Engine request body. Pure. Its mirror is from-engine.ts: for every field,
// what this module sends must read back through from-engine.ts as the same canonical value, or a
// plan right after an apply would not be empty. test/convert/round-trip.int.test.ts proves it
// against the real Engine.
//
// WARNING (services): an update replaces the whole spec, and `serviceBody` writes only what moor
// manages: the runner puts back the live spec's other fields (convert/unmanaged.ts), whose list of
// managed fields must name everything written here.
import type {
  ContainerCreateSpec,
  ContainerUpdateSpec,
  EndpointSettings,
  Labels,
  Mount as WireMount,
  NetworkCreateSpec,
  ServiceSpec as WireServiceSpec,
  VolumeCreateSpec,
} from '../engine/types.js';
import type {
  ConfigSpec,
  ContainerNetworkAttachment,
  ContainerSpec,
  FileReference,
  Healthcheck,
  Mount,
  NetworkSpec,
  RestartPolicy,
  SecretSpec,
  ServiceSpec,
  UpdateConfig,
  VolumeSpec,
} from '../model/desired.js';
import { stableStringify, specHash } from '../model/hash.js';
import {
  LABEL_CONTAINER_SPEC,
  LABEL_CONTENT,
  LABEL_DEPENDS_ON,
  LABEL_REPLACES,
  LABEL_SPEC_HASH,
  ownerLabels,
} from '../model/labels.js';

/** Who an object belongs to: every body moor sends carries these labels. */
export interface Owner {
  readonly project: string;
  /** Logical name. */
  readonly name: string;
}

/** The container-spec label's format version: a label written by another format is not trusted. */
export const CONTAINER_SPEC_FORMAT = 1;

function labels(owner: Owner, user: Labels, extra: Record<string, string> = {}): Record<string, string> {
  return { ...user, ...ownerLabels(owner.project, owner.name), ...extra };
}

function env(environment: Readonly<Record<string, string>>): string[] {
  return Object.keys(environment).sort().map((k) => `${k}=${environment[k] as string}`);
}

export function networkBody(engineName: string, spec: NetworkSpec, owner: Owner): NetworkCreateSpec {
  return {
    Name: engineName,
    CheckDuplicate: true,
    Driver: spec.driver,
    Internal: spec.internal,
    Attachable: spec.attachable,
    EnableIPv6: spec.enableIpv6,
    Options: spec.driverOpts,
    ...(spec.ipam === null
      ? {}
      : {
          IPAM: {
            Driver: spec.ipam.driver,
            Config: spec.ipam.config.map((p) => ({
              ...(p.subnet === null ? {} : { Subnet: p.subnet }),
              ...(p.ipRange === null ? {} : { IPRange: p.ipRange }),
              ...(p.gateway === null ? {} : { Gateway: p.gateway }),
            })),
          },
        }),
    Labels: labels(owner, spec.labels, { [LABEL_SPEC_HASH]: specHash(spec) }),
  };
}

export function volumeBody(engineName: string, spec: VolumeSpec, owner: Owner): VolumeCreateSpec {
  return { Name: engineName, Driver: spec.driver, DriverOpts: spec.driverOpts, Labels: labels(owner, spec.labels, { [LABEL_SPEC_HASH]: specHash(spec) }) };
}

/** Secret and config bodies: `content` is the io.moor.content fingerprint label value. */
export function secretBody(engineName: string, spec: SecretSpec, data: Uint8Array, fingerprint: string, owner: Owner) {
  return { Name: engineName, Labels: labels(owner, spec.labels, { [LABEL_CONTENT]: fingerprint }), Data: Buffer.from(data).toString('base64') };
}

export function configBody(engineName: string, spec: ConfigSpec, data: Uint8Array, fingerprint: string, owner: Owner) {
  return { Name: engineName, Labels: labels(owner, spec.labels, { [LABEL_CONTENT]: fingerprint }), Data: Buffer.from(data).toString('base64') };
}

/** Labels of a secret/config label update: the owner and content labels must survive it. */
export function versionedLabels(spec: SecretSpec | ConfigSpec, liveLabels: Labels, owner: Owner): Record<string, string> {
  const content = liveLabels[LABEL_CONTENT];
  return labels(owner, spec.labels, content === undefined ? {} : { [LABEL_CONTENT]: content });
}

function healthcheck(h: Healthcheck) {
  return {
    Test: [...h.test],
    ...(h.interval === null ? {} : { Interval: h.interval }),
    ...(h.timeout === null ? {} : { Timeout: h.timeout }),
    ...(h.retries === null ? {} : { Retries: h.retries }),
    ...(h.startPeriod === null ? {} : { StartPeriod: h.startPeriod }),
  };
}

function mount(m: Mount): WireMount {
  switch (m.type) {
    case 'volume':
      return { Type: 'volume' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly, ...(m.noCopy ? { VolumeOptions: { NoCopy: true } } : {}) };
    case 'bind':
      return { Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly };
    case 'tmpfs':
      return {
        Type: 'tmpfs' as const,
        Target: m.target,
        ...(m.size === null && m.mode === null ? {} : { TmpfsOptions: { ...(m.size === null ? {} : { SizeBytes: m.size }), ...(m.mode === null ? {} : { Mode: m.mode }) } }),
      };
  }
}

export function restartPolicyBody(r: RestartPolicy) {
  return { Name: r.name, MaximumRetryCount: r.name === 'on-failure' ? r.maxRetries : 0 };
}

/**
 * The swap limit (memory + swap) the Engine gives a container created with a memory limit and no
 * swap limit: twice the memory limit.
 */
export function defaultMemorySwap(memLimit: number): number {
  return memLimit * 2;
}

/**
 * The in-place update of a container: restart policy and resources. A limit of null is left as it
 * is (the plan replaces a container whose limit must go: the Engine cannot drop one in place).
 *
 * WARNING: the Engine sets MemorySwap only at create (to twice Memory when not given) and an update
 * of Memory alone keeps it: one past it is refused (409 "Memory limit should be smaller than already
 * set memoryswap limit"), as is a first limit on a container without one (MemorySwap 0), and one
 * below it leaves the old swap limit. MemorySwap goes with Memory, at what a create would set, so an
 * updated container is the one a create from the same manifest makes.
 */
export function containerUpdateBody(restart: RestartPolicy, memLimit: number | null, cpus: number | null): ContainerUpdateSpec {
  return {
    RestartPolicy: restartPolicyBody(restart),
    ...(memLimit === null ? {} : { Memory: memLimit, MemorySwap: defaultMemorySwap(memLimit) }),
    ...(cpus === null ? {} : { NanoCpus: cpus }),
  };
}

export function endpointBody(attachment: ContainerNetworkAttachment): EndpointSettings {
  return { Aliases: [...attachment.aliases], ...(attachment.ipv4Address === null ? {} : { IPAMConfig: { IPv4Address: attachment.ipv4Address } }) };
}

export interface ContainerBody {
  readonly body: ContainerCreateSpec;
  /**
   * Networks beyond the first: API 1.41 accepts one network at create time, the others are
   * connected before the container starts.
   */
  readonly moreNetworks: readonly [string, EndpointSettings][];
}

/**
 * The create body of a container. Its canonical spec goes into a label: container configuration
 * cannot change after create, so that label is the exact record observe reads back.
 */
export function containerBody(spec: ContainerSpec, owner: Owner, extra: { dependsOn: readonly string[]; replaces: string | null }): ContainerBody {
  const networks = Object.keys(spec.networks).sort();
  const [first, ...rest] = networks;
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of spec.ports) {
    const key = `${p.target}/${p.protocol}`;
    (portBindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: p.published === null ? '' : String(p.published) });
  }
  const moorLabels: Record<string, string> = {
    [LABEL_SPEC_HASH]: specHash(spec),
    [LABEL_CONTAINER_SPEC]: stableStringify({ format: CONTAINER_SPEC_FORMAT, spec }),
  };
  if (extra.dependsOn.length > 0) moorLabels[LABEL_DEPENDS_ON] = [...extra.dependsOn].sort().join(',');
  if (extra.replaces !== null) moorLabels[LABEL_REPLACES] = extra.replaces;
  const body: ContainerCreateSpec = {
    Image: spec.image,
    ...(spec.command === null ? {} : { Cmd: [...spec.command] }),
    ...(spec.entrypoint === null ? {} : { Entrypoint: [...spec.entrypoint] }),
    Env: env(spec.environment),
    Labels: labels(owner, spec.labels, moorLabels),
    ...(spec.user === null ? {} : { User: spec.user }),
    ...(spec.workingDir === null ? {} : { WorkingDir: spec.workingDir }),
    ...(spec.hostname === null ? {} : { Hostname: spec.hostname }),
    ...(spec.stopSignal === null ? {} : { StopSignal: spec.stopSignal }),
    ...(spec.stopGracePeriod === null ? {} : { StopTimeout: Math.ceil(spec.stopGracePeriod / 1e9) }),
    ...(spec.healthcheck === null ? {} : { Healthcheck: healthcheck(spec.healthcheck) }),
    ExposedPorts: Object.fromEntries(Object.keys(portBindings).map((k) => [k, {}])),
    HostConfig: {
      NetworkMode: first ?? 'none',
      PortBindings: portBindings,
      Mounts: spec.mounts.map(mount),
      RestartPolicy: restartPolicyBody(spec.restart),
      CapAdd: [...spec.capAdd],
      CapDrop: [...spec.capDrop],
      Privileged: spec.privileged,
      ReadonlyRootfs: spec.readOnly,
      Tmpfs: { ...spec.tmpfs },
      ...(spec.init === null ? {} : { Init: spec.init }),
      ExtraHosts: [...spec.extraHosts],
      Dns: [...spec.dns],
      Sysctls: { ...spec.sysctls },
      Ulimits: Object.keys(spec.ulimits).sort().map((name) => ({ Name: name, Soft: spec.ulimits[name]?.soft, Hard: spec.ulimits[name]?.hard })),
      ...(spec.logging === null ? {} : { LogConfig: { Type: spec.logging.driver, Config: { ...spec.logging.options } } }),
      ...(spec.memLimit === null ? {} : { Memory: spec.memLimit }),
      ...(spec.cpus === null ? {} : { NanoCpus: spec.cpus }),
    },
    ...(first === undefined ? {} : { NetworkingConfig: { EndpointsConfig: { [first]: endpointBody(spec.networks[first] as ContainerNetworkAttachment) } } }),
  };
  return { body, moreNetworks: rest.map((n) => [n, endpointBody(spec.networks[n] as ContainerNetworkAttachment)]) };
}

function fileRef(ref: FileReference, idKey: 'SecretID' | 'ConfigID', nameKey: 'SecretName' | 'ConfigName', ids: ReadonlyMap<string, string>) {
  const id = ids.get(ref.source);
  if (id === undefined) throw new Error(`no id known for ${nameKey === 'SecretName' ? 'secret' : 'config'} ${ref.source}`);
  return { File: { Name: ref.target, UID: ref.uid, GID: ref.gid, Mode: ref.mode }, [idKey]: id, [nameKey]: ref.source };
}

function updateConfig(u: UpdateConfig) {
  return { Parallelism: u.parallelism, Delay: u.delay, FailureAction: u.failureAction, Monitor: u.monitor, MaxFailureRatio: u.maxFailureRatio, Order: u.order };
}

export interface ServiceRefs {
  /** Engine name -> id of the secrets and configs the spec references. */
  readonly secretIds: ReadonlyMap<string, string>;
  readonly configIds: ReadonlyMap<string, string>;
  /** Engine name -> id of networks; a network not in it is sent by name (the Engine resolves it). */
  readonly networkIds: ReadonlyMap<string, string>;
}

/** The full spec of a service (create, or update: it replaces the live spec whole). */
export function serviceBody(engineName: string, spec: ServiceSpec, owner: Owner, refs: ServiceRefs, extra: { dependsOn: readonly string[]; forceUpdate: number }): WireServiceSpec {
  const moorLabels: Record<string, string> = { [LABEL_SPEC_HASH]: specHash(spec) };
  if (extra.dependsOn.length > 0) moorLabels[LABEL_DEPENDS_ON] = [...extra.dependsOn].sort().join(',');
  const limits = spec.resources.limits;
  const reservations = spec.resources.reservations;
  return {
    Name: engineName,
    Labels: labels(owner, spec.labels, moorLabels),
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.image,
        Labels: { ...spec.containerLabels },
        ...(spec.entrypoint === null ? {} : { Command: [...spec.entrypoint] }),
        ...(spec.command === null ? {} : { Args: [...spec.command] }),
        Env: env(spec.environment),
        ...(spec.user === null ? {} : { User: spec.user }),
        ...(spec.workingDir === null ? {} : { Dir: spec.workingDir }),
        ...(spec.hostname === null ? {} : { Hostname: spec.hostname }),
        ...(spec.stopSignal === null ? {} : { StopSignal: spec.stopSignal }),
        ...(spec.stopGracePeriod === null ? {} : { StopGracePeriod: spec.stopGracePeriod }),
        ...(spec.healthcheck === null ? {} : { Healthcheck: healthcheck(spec.healthcheck) }),
        ReadOnly: spec.readOnly,
        ...(spec.init === null ? {} : { Init: spec.init }),
        Mounts: spec.mounts.map(mount),
        Secrets: spec.secrets.map((s) => fileRef(s, 'SecretID', 'SecretName', refs.secretIds)),
        Configs: spec.configs.map((c) => fileRef(c, 'ConfigID', 'ConfigName', refs.configIds)),
      },
      Resources: {
        Limits: {
          ...(limits.cpus === null ? {} : { NanoCPUs: limits.cpus }),
          ...(limits.memory === null ? {} : { MemoryBytes: limits.memory }),
          ...(limits.pids === null ? {} : { Pids: limits.pids }),
        },
        Reservations: {
          ...(reservations.cpus === null ? {} : { NanoCPUs: reservations.cpus }),
          ...(reservations.memory === null ? {} : { MemoryBytes: reservations.memory }),
        },
      },
      ...(spec.restartPolicy === null
        ? {}
        : {
            RestartPolicy: {
              Condition: spec.restartPolicy.condition,
              ...(spec.restartPolicy.delay === null ? {} : { Delay: spec.restartPolicy.delay }),
              ...(spec.restartPolicy.maxAttempts === null ? {} : { MaxAttempts: spec.restartPolicy.maxAttempts }),
              ...(spec.restartPolicy.window === null ? {} : { Window: spec.restartPolicy.window }),
            },
          }),
      Placement: {
        Constraints: [...spec.placement.constraints],
        Preferences: spec.placement.preferences.map((p) => ({ Spread: { SpreadDescriptor: p.spread } })),
        ...(spec.placement.maxReplicas === null ? {} : { MaxReplicas: spec.placement.maxReplicas }),
      },
      Networks: Object.keys(spec.networks).sort().map((n) => ({ Target: refs.networkIds.get(n) ?? n, Aliases: [...(spec.networks[n]?.aliases ?? [])] })),
      ...(spec.logging === null ? {} : { LogDriver: { Name: spec.logging.driver, Options: { ...spec.logging.options } } }),
      ForceUpdate: extra.forceUpdate,
    },
    Mode: spec.mode === 'global' ? { Global: {} } : { Replicated: { Replicas: spec.replicas ?? 1 } },
    ...(spec.updateConfig === null ? {} : { UpdateConfig: updateConfig(spec.updateConfig) }),
    ...(spec.rollbackConfig === null ? {} : { RollbackConfig: updateConfig(spec.rollbackConfig) }),
    EndpointSpec: {
      Mode: spec.endpointMode,
      Ports: spec.ports.map((p) => ({ Protocol: p.protocol, TargetPort: p.target, ...(p.published === null ? {} : { PublishedPort: p.published }), PublishMode: p.mode })),
    },
  };
}
