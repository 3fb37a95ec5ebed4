// Builders for desired models and observed states, so that planner tests stay short and say only
// what matters to them. `observeAsApplied` builds the observed state a perfect apply would leave.
import type {
  ContainerSpec,
  DesiredContainer,
  DesiredProject,
  DesiredService,
  ManagedConfig,
  ManagedNetwork,
  ManagedSecret,
  ManagedVolume,
  NetworkSpec,
  ServiceSpec,
  VolumeSpec,
} from '../../src/model/desired.js';
import { saltedFingerprint, specHash } from '../../src/model/hash.js';
import { imageKey } from '../../src/model/images.js';
import { engineName } from '../../src/model/labels.js';
import type {
  ForeignUse,
  ForeignUser,
  ObservedConfig,
  ObservedContainer,
  ObservedNetwork,
  ObservedProject,
  ObservedSecret,
  ObservedService,
  ObservedVolume,
  UnownedObject,
} from '../../src/model/observed.js';
import { Sensitive } from '../../src/model/sensitive.js';
import { resolveContainerSpec, resolveNames, resolveServiceSpec } from '../../src/diff/resolve.js';

export const PROJECT = 'shop';
export const IMAGE = 'moor/busybox:latest';

export function networkSpec(over: Partial<NetworkSpec> = {}): NetworkSpec {
  return { driver: 'bridge', internal: false, attachable: false, enableIpv6: false, driverOpts: {}, ipam: null, labels: {}, ...over };
}

export function volumeSpec(over: Partial<VolumeSpec> = {}): VolumeSpec {
  return { driver: 'local', driverOpts: {}, labels: {}, ...over };
}

export function containerSpec(name: string, over: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    image: IMAGE,
    command: ['/bin/sleep', '3600'],
    entrypoint: null,
    environment: {},
    ports: [],
    mounts: [],
    networks: { default: { aliases: [name], ipv4Address: null } },
    restart: { name: 'no', maxRetries: 0 },
    healthcheck: null,
    labels: {},
    user: null,
    workingDir: null,
    hostname: null,
    capAdd: [],
    capDrop: [],
    privileged: false,
    readOnly: false,
    tmpfs: {},
    init: null,
    extraHosts: [],
    dns: [],
    sysctls: {},
    ulimits: {},
    logging: null,
    stopSignal: null,
    stopGracePeriod: null,
    memLimit: null,
    cpus: null,
    ...over,
  };
}

export function serviceSpec(name: string, over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    image: IMAGE,
    command: ['/bin/sleep', '3600'],
    entrypoint: null,
    environment: {},
    ports: [],
    mounts: [],
    networks: { backend: { aliases: [name] } },
    secrets: [],
    configs: [],
    mode: 'replicated',
    replicas: 1,
    updateConfig: null,
    rollbackConfig: null,
    restartPolicy: null,
    placement: { constraints: [], preferences: [], maxReplicas: null },
    resources: { limits: { cpus: null, memory: null, pids: null }, reservations: { cpus: null, memory: null } },
    healthcheck: null,
    labels: {},
    containerLabels: {},
    user: null,
    workingDir: null,
    hostname: null,
    stopSignal: null,
    stopGracePeriod: null,
    readOnly: false,
    init: null,
    logging: null,
    endpointMode: 'vip',
    ...over,
  };
}

export const net = (name: string, over: Partial<NetworkSpec> = {}): ManagedNetwork => ({
  kind: 'network', name, external: false, engineName: engineName(PROJECT, name), spec: networkSpec(over),
});
export const vol = (name: string, over: Partial<VolumeSpec> = {}): ManagedVolume => ({
  kind: 'volume', name, external: false, engineName: engineName(PROJECT, name), spec: volumeSpec(over),
});
export const secret = (name: string, content: string, labels: Record<string, string> = {}): ManagedSecret => ({
  kind: 'secret', name, external: false, source: { type: 'file', path: `${name}.txt` }, data: new Sensitive(Buffer.from(content)), spec: { labels },
});
export const config = (name: string, content: string, labels: Record<string, string> = {}): ManagedConfig => ({
  kind: 'config', name, external: false, source: { type: 'content' }, data: Buffer.from(content), spec: { labels },
});
export const ctr = (name: string, over: Partial<ContainerSpec> = {}, dependsOn: DesiredContainer['dependsOn'] = {}): DesiredContainer => ({
  kind: 'container', name, engineName: engineName(PROJECT, name), spec: containerSpec(name, over), dependsOn,
});
export const svc = (name: string, over: Partial<ServiceSpec> = {}, dependsOn: string[] = []): DesiredService => ({
  kind: 'service', name, engineName: engineName(PROJECT, name), spec: serviceSpec(name, over), dependsOn,
});

type Objects = {
  networks?: ManagedNetwork[] | DesiredProject['networks'][string][];
  volumes?: DesiredProject['volumes'][string][];
  secrets?: DesiredProject['secrets'][string][];
  configs?: DesiredProject['configs'][string][];
  containers?: DesiredContainer[];
  services?: DesiredService[];
};

const byName = <T extends { name: string }>(list: readonly T[] | undefined): Record<string, T> =>
  Object.fromEntries([...(list ?? [])].sort((a, b) => a.name.localeCompare(b.name)).map((o) => [o.name, o]));

export function project(objects: Objects): DesiredProject {
  return {
    project: PROJECT,
    networks: byName(objects.networks),
    volumes: byName(objects.volumes),
    secrets: byName(objects.secrets),
    configs: byName(objects.configs),
    containers: byName(objects.containers),
    services: byName(objects.services),
    locations: {},
  };
}

const emptyUnowned = (): ObservedProject['unowned'] => ({
  network: new Map(), volume: new Map(), secret: new Map(), config: new Map(), container: new Map(), service: new Map(),
});

export function emptyObserved(over: Partial<ObservedProject> = {}): ObservedProject {
  return {
    project: PROJECT,
    engine: { apiVersion: '1.41', engineVersion: '20.10.24', swarm: 'active', swarmManager: true },
    networks: [],
    volumes: [],
    secrets: [],
    configs: [],
    containers: [],
    services: [],
    unowned: emptyUnowned(),
    adoptable: [],
    images: new Map([[imageKey(IMAGE), 'sha256:busybox']]),
    foreign: { volumes: new Map(), ports: [], secrets: new Map(), configs: new Map(), networks: new Map() },
    ...over,
  };
}

export function unowned(kind: keyof ObservedProject['unowned'], name: string, ownerProject: string | null = null): ObservedProject['unowned'] {
  const u = emptyUnowned();
  (u[kind] as Map<string, UnownedObject>).set(name, { id: `foreign-${name}`, engineName: name, ownerProject });
  return u;
}

/** A container or service moor does not own, as the observed state's `foreign` names it. */
export function foreignUser(kind: ForeignUser['kind'], engineName: string, over: Partial<ForeignUser> = {}): ForeignUser {
  return { kind, engineName, ownerProject: null, taskOf: null, ...over };
}

/** `observed`, with what objects moor does not own use replaced by `over`'s parts. */
export function withForeign(observed: ObservedProject, over: Partial<ForeignUse>): ObservedProject {
  return { ...observed, foreign: { ...observed.foreign, ...over } };
}

let counter = 0;
/** Deterministic ids for tests: v0001, v0002, ... */
export function sequentialIds(prefix = 'v'): () => string {
  let n = 0;
  return () => `${prefix}${String(++n).padStart(7, '0')}`;
}

/** The observed state a perfect apply of `desired` leaves behind (with `ids` for new secret versions). */
export function observeAsApplied(desired: DesiredProject, ids = sequentialIds('a')): ObservedProject {
  const base = emptyObserved();
  const r = resolveNames(desired, base, ids);
  const id = (): string => `id${String(++counter).padStart(6, '0')}`;
  const networks: ObservedNetwork[] = Object.values(desired.networks).flatMap((n) =>
    n.external ? [] : [{ kind: 'network' as const, id: id(), engineName: n.engineName, name: n.name, scope: n.spec.driver === 'overlay' ? ('swarm' as const) : ('local' as const), spec: n.spec, containerIds: [] }],
  );
  const volumes: ObservedVolume[] = Object.values(desired.volumes).flatMap((v) =>
    v.external ? [] : [{ kind: 'volume' as const, engineName: v.engineName, name: v.name, spec: v.spec }],
  );
  const secrets: ObservedSecret[] = Object.values(desired.secrets).flatMap((s) =>
    s.external ? [] : [{ kind: 'secret' as const, id: id(), engineName: r.secrets.get(s.name) as string, name: s.name, version: 10, spec: s.spec, fingerprint: saltedFingerprint(s.data.reveal(), 'salt'), createdAt: '2026-01-01T00:00:00Z' }],
  );
  const configs: ObservedConfig[] = Object.values(desired.configs).flatMap((c) =>
    c.external ? [] : [{ kind: 'config' as const, id: id(), engineName: r.configs.get(c.name) as string, name: c.name, version: 11, spec: c.spec, data: c.data, createdAt: '2026-01-01T00:00:00Z' }],
  );
  const containers: ObservedContainer[] = Object.values(desired.containers).map((c) => ({
    kind: 'container',
    id: `${id()}cafebabe0000`,
    engineName: c.engineName,
    name: c.name,
    spec: resolveContainerSpec(c.spec, r),
    specHash: null,
    state: { status: 'running', running: true, exitCode: 0, health: null, restartCount: 0, startedAt: '', finishedAt: '' },
    replaces: null,
    dependsOn: Object.keys(c.dependsOn),
    imageId: 'sha256:busybox',
    anonymousVolumes: {},
  }));
  const services: ObservedService[] = Object.values(desired.services).map((s) => ({
    kind: 'service',
    id: id(),
    engineName: s.engineName,
    name: s.name,
    version: 100,
    spec: resolveServiceSpec(s.spec, r),
    specHash: specHash(resolveServiceSpec(s.spec, r)),
    forceUpdate: 0,
    unmanaged: {},
    previousSpecRefs: { secrets: [], configs: [] },
    updateStatus: null,
    dependsOn: s.dependsOn,
    failedRollout: null,
  }));
  for (const c of containers) {
    for (const n of Object.keys(c.spec?.networks ?? {})) {
      const live = networks.find((x) => x.engineName === n);
      if (live !== undefined) (live.containerIds as string[]).push(c.id);
    }
  }
  return { ...base, networks, volumes, secrets, configs, containers, services };
}
