// Engine object -> canonical spec (the observed model). Pure. Its mirror is to-engine.ts.
//
// WARNING: the Engine fills in values the manifest never set. Each one is dropped or mapped here,
// with a comment, so that it never shows up as a change:
//   - overlay networks get a `com.docker.network.driver.overlay.vxlanid_list` option;
//   - IPAM pools get a subnet and gateway (compared only where the manifest sets them: diff/compare.ts);
//   - a container's network aliases include its own short id;
//   - Swarm adds `Isolation`, `Runtime`, `ForceUpdate` to service specs (not modelled; ForceUpdate
//     is carried separately and sent back unchanged);
//   - zero values are omitted from the JSON (Go's omitempty): an absent number reads as its default,
//     null where 0 means "not set" (model/engine-zeros.ts says which, and the manifest side agrees).
import { unmanagedFields } from './unmanaged.js';
import type {
  Config,
  ContainerInspect,
  ContainerSummary,
  Labels,
  Network,
  Secret,
  Service,
  Volume,
} from '../engine/types.js';
import type {
  ContainerNetworkAttachment,
  ContainerSpec,
  FileReference,
  Healthcheck,
  Mount,
  NetworkSpec,
  Protocol,
  ServicePort,
  ServiceSpec,
  UpdateConfig,
} from '../model/desired.js';
import { containerSpecWithoutZeros } from '../model/engine-zeros.js';
import { compareText } from '../model/order.js';
import {
  LABEL_CONTAINER_SPEC,
  LABEL_CONTENT,
  LABEL_DEPENDS_ON,
  LABEL_FAILED_MESSAGE,
  LABEL_FAILED_SPEC,
  LABEL_NAME,
  LABEL_PROJECT,
  LABEL_REPLACES,
  LABEL_SPEC_HASH,
  RESERVED_LABEL_PREFIX,
  isOwnedBy,
  SWARM_SERVICE_ID_LABEL,
  SWARM_SERVICE_NAME_LABEL,
} from '../model/labels.js';
import type {
  ContainerState,
  FailedRollout,
  ForeignPort,
  ForeignUse,
  ForeignUser,
  ObservedConfig,
  ObservedContainer,
  ObservedNetwork,
  ObservedSecret,
  ObservedService,
  ObservedVolume,
  UpdateState,
} from '../model/observed.js';
import { CONTAINER_SPEC_FORMAT } from './to-engine.js';

// ---------------------------------------------------------------------------------------------
// Reading unknown JSON

type Rec = Readonly<Record<string, unknown>>;

function rec(v: unknown): Rec {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {};
}
function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
/** Go omits zero numbers: absent and 0 both mean "not set". */
function positive(v: unknown): number | null {
  const n = num(v);
  return n === null || n === 0 ? null : n;
}
function strings(v: unknown): string[] {
  return arr(v).filter((x): x is string => typeof x === 'string');
}
function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const r = rec(v);
  for (const k of Object.keys(r).sort()) if (typeof r[k] === 'string') out[k] = r[k];
  return out;
}
function optionalList(v: unknown): string[] | null {
  return Array.isArray(v) ? strings(v) : null;
}

/** The user's labels: moor's own io.moor.* labels are not part of any spec. */
export function userLabels(labels: Labels | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels ?? {}).sort()) if (!k.startsWith(RESERVED_LABEL_PREFIX)) out[k] = (labels as Labels)[k] as string;
  return out;
}

function logicalName(labels: Labels | null | undefined, fallback: string): string {
  return labels?.[LABEL_NAME] ?? fallback;
}

function dependsOn(labels: Labels | null | undefined): string[] {
  const v = labels?.[LABEL_DEPENDS_ON];
  return v === undefined || v === '' ? [] : v.split(',').sort();
}

function environment(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of strings(v)) {
    const eq = entry.indexOf('=');
    if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k] as string]));
}

// ---------------------------------------------------------------------------------------------
// Networks and volumes

const ENGINE_NETWORK_OPTIONS = new Set(['com.docker.network.driver.overlay.vxlanid_list']);

export function observeNetwork(n: Network, containerIds: readonly string[]): ObservedNetwork {
  const options = stringMap(n.Options);
  for (const k of ENGINE_NETWORK_OPTIONS) delete options[k];
  const ipam = rec(n.IPAM);
  const spec: NetworkSpec = {
    driver: n.Driver,
    internal: n.Internal === true,
    attachable: n.Attachable === true,
    enableIpv6: n.EnableIPv6 === true,
    driverOpts: options,
    ipam: {
      driver: str(ipam['Driver']) ?? 'default',
      config: arr(ipam['Config']).map((p) => ({ subnet: str(rec(p)['Subnet']), ipRange: str(rec(p)['IPRange']), gateway: str(rec(p)['Gateway']) })),
    },
    labels: userLabels(n.Labels),
  };
  const scope = n.Scope === 'swarm' || n.Scope === 'global' ? n.Scope : 'local';
  return { kind: 'network', id: n.Id, engineName: n.Name, name: logicalName(n.Labels, n.Name), scope, spec, containerIds: [...containerIds].sort(), ...(n.Created === undefined ? {} : { created: n.Created }) };
}

export function observeVolume(v: Volume): ObservedVolume {
  return {
    kind: 'volume',
    engineName: v.Name,
    name: logicalName(v.Labels, v.Name),
    spec: { driver: v.Driver, driverOpts: stringMap(v.Options), labels: userLabels(v.Labels) },
  };
}

// ---------------------------------------------------------------------------------------------
// Secrets and configs

export function observeSecret(s: Secret): ObservedSecret {
  return {
    kind: 'secret',
    id: s.ID,
    engineName: s.Spec.Name,
    name: logicalName(s.Spec.Labels, s.Spec.Name),
    version: s.Version.Index,
    spec: { labels: userLabels(s.Spec.Labels) },
    fingerprint: s.Spec.Labels?.[LABEL_CONTENT] ?? null,
    createdAt: s.CreatedAt ?? '',
  };
}

export function observeConfig(c: Config): ObservedConfig {
  return {
    kind: 'config',
    id: c.ID,
    engineName: c.Spec.Name,
    name: logicalName(c.Spec.Labels, c.Spec.Name),
    version: c.Version.Index,
    spec: { labels: userLabels(c.Spec.Labels) },
    data: Buffer.from(c.Spec.Data ?? '', 'base64'),
    createdAt: c.CreatedAt ?? '',
  };
}

// ---------------------------------------------------------------------------------------------
// Containers

/**
 * The spec a container was created from, from its label, in today's canonical form (a label
 * written before zero values were canonical says `0` where the desired model says null); null when
 * missing or in another format.
 */
export function containerSpecFromLabel(labels: Labels | null | undefined): ContainerSpec | null {
  const raw = labels?.[LABEL_CONTAINER_SPEC];
  if (raw === undefined) return null;
  try {
    const parsed = rec(JSON.parse(raw));
    if (parsed['format'] !== CONTAINER_SPEC_FORMAT) return null;
    const spec = rec(parsed['spec']);
    return typeof spec['image'] === 'string' ? containerSpecWithoutZeros(spec as unknown as ContainerSpec) : null;
  } catch {
    return null;
  }
}

function containerState(c: ContainerInspect): ContainerState {
  const health = str(rec(c.State.Health)['Status']);
  return {
    status: c.State.Status,
    running: c.State.Running,
    exitCode: c.State.ExitCode ?? 0,
    health: health === 'starting' || health === 'healthy' || health === 'unhealthy' ? health : null,
    restartCount: c.RestartCount ?? 0,
    startedAt: c.State.StartedAt ?? '',
    finishedAt: c.State.FinishedAt ?? '',
  };
}

/**
 * The networks a container is attached to, read live (they can change with `docker network
 * connect/disconnect`), keeping only what moor sets:
 *   - the Engine adds the container's short id, and its hostname, as aliases;
 *   - on swarm-scoped networks it records the address it assigned as if it were a static one.
 * `created` is the spec the container was created from (its label), which says which aliases and
 * static addresses moor asked for.
 */
function liveAttachments(c: ContainerInspect, created: ContainerSpec): Record<string, ContainerNetworkAttachment> {
  const out: Record<string, ContainerNetworkAttachment> = {};
  const engineAdded = new Set([c.Id.slice(0, 12), ...(created.hostname === null ? [] : [created.hostname])]);
  const networks = c.NetworkSettings.Networks ?? {};
  for (const name of Object.keys(networks).sort()) {
    const endpoint = networks[name];
    const asked = created.networks[name];
    const aliases = strings(endpoint?.Aliases).filter((a) => !engineAdded.has(a) || (asked?.aliases.includes(a) ?? false)).sort();
    const ipv4 = asked?.ipv4Address === null || asked === undefined ? null : str(rec(endpoint?.['IPAMConfig'])['IPv4Address']);
    out[name] = { aliases, ipv4Address: ipv4 };
  }
  return out;
}

/**
 * Immutable fields come from the label (exactly what moor created); the fields that can change
 * after create are read live, so a `docker update` or `docker network disconnect` shows as drift.
 */
export function observeContainer(c: ContainerInspect): ObservedContainer {
  const labels = c.Config.Labels;
  const fromLabel = containerSpecFromLabel(labels);
  const restart = c.HostConfig.RestartPolicy;
  const restartName = restart?.Name === '' || restart?.Name === undefined ? 'no' : restart.Name;
  const spec: ContainerSpec | null = fromLabel === null
    ? null
    : {
        ...fromLabel,
        restart: { name: restartName, maxRetries: restartName === 'on-failure' ? (restart?.MaximumRetryCount ?? 0) : 0 },
        memLimit: positive(c.HostConfig.Memory),
        cpus: positive(c.HostConfig.NanoCpus),
        networks: liveAttachments(c, fromLabel),
      };
  return {
    kind: 'container',
    id: c.Id,
    engineName: c.Name.replace(/^\//, ''),
    name: logicalName(labels, c.Name.replace(/^\//, '')),
    spec,
    specHash: labels?.[LABEL_SPEC_HASH] ?? null,
    state: containerState(c),
    replaces: labels?.[LABEL_REPLACES] ?? null,
    dependsOn: dependsOn(labels),
    imageId: c.Image,
    anonymousVolumes: anonymousVolumes(c, fromLabel),
  };
}

/** The name the Engine gives an anonymous volume. */
const ANONYMOUS_VOLUME = /^[0-9a-f]{64}$/;

/**
 * A container's anonymous volumes, by target: named by the Engine and where the spec moor made it
 * from (its label) mounts no named volume or bind (an external volume that happens to have such a
 * name is not one). None for a container without moor's spec label.
 */
function anonymousVolumes(c: ContainerInspect, spec: ContainerSpec | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (spec === null) return out;
  for (const m of c.Mounts ?? []) {
    const { Type: type, Name: name, Destination: target } = m as { Type?: unknown; Name?: unknown; Destination?: unknown };
    if (type !== 'volume' || typeof name !== 'string' || !ANONYMOUS_VOLUME.test(name) || typeof target !== 'string') continue;
    const declared = spec.mounts.find((x) => x.target === target);
    if (declared === undefined || (declared.type === 'volume' && declared.source === '')) out[target] = name;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => compareText(a, b)));
}

// ---------------------------------------------------------------------------------------------
// Services

function healthcheck(v: unknown): Healthcheck | null {
  if (v === undefined || v === null) return null;
  const h = rec(v);
  // An empty Test (keep the image's test, change only the timings) is omitted from the JSON.
  const test = optionalList(h['Test']) ?? [];
  return { test, interval: positive(h['Interval']), timeout: positive(h['Timeout']), retries: positive(h['Retries']), startPeriod: positive(h['StartPeriod']) };
}

function mounts(v: unknown): Mount[] {
  return arr(v)
    .map((raw): Mount => {
      const m = rec(raw);
      const target = str(m['Target']) ?? '';
      if (m['Type'] === 'bind') return { type: 'bind', source: str(m['Source']) ?? '', target, readOnly: m['ReadOnly'] === true };
      if (m['Type'] === 'tmpfs') {
        const t = rec(m['TmpfsOptions']);
        return { type: 'tmpfs', target, size: positive(t['SizeBytes']), mode: positive(t['Mode']) };
      }
      return { type: 'volume', source: str(m['Source']) ?? '', target, readOnly: m['ReadOnly'] === true, noCopy: rec(m['VolumeOptions'])['NoCopy'] === true };
    })
    .sort((a, b) => a.target.localeCompare(b.target));
}

function fileRefs(v: unknown, nameKey: 'SecretName' | 'ConfigName'): FileReference[] {
  return arr(v)
    .map((raw) => {
      const r = rec(raw);
      const file = rec(r['File']);
      return { source: str(r[nameKey]) ?? '', target: str(file['Name']) ?? '', uid: str(file['UID']) ?? '0', gid: str(file['GID']) ?? '0', mode: num(file['Mode']) ?? 0o444 };
    })
    .sort((a, b) => a.target.localeCompare(b.target));
}

function updateConfig(v: unknown): UpdateConfig | null {
  if (v === undefined || v === null) return null;
  const u = rec(v);
  const failure = u['FailureAction'];
  return {
    parallelism: num(u['Parallelism']) ?? 0,
    delay: num(u['Delay']) ?? 0,
    failureAction: failure === 'continue' || failure === 'rollback' ? failure : 'pause',
    monitor: num(u['Monitor']) ?? 0,
    maxFailureRatio: num(u['MaxFailureRatio']) ?? 0,
    order: u['Order'] === 'start-first' ? 'start-first' : 'stop-first',
  };
}

function ports(v: unknown): ServicePort[] {
  return arr(rec(v)['Ports'])
    .map((raw) => {
      const p = rec(raw);
      const protocol: Protocol = p['Protocol'] === 'udp' || p['Protocol'] === 'sctp' ? p['Protocol'] : 'tcp';
      return { target: num(p['TargetPort']) ?? 0, published: positive(p['PublishedPort']), protocol, mode: p['PublishMode'] === 'host' ? ('host' as const) : ('ingress' as const) };
    })
    .sort((a, b) => a.target - b.target || a.protocol.localeCompare(b.protocol) || (a.published ?? 0) - (b.published ?? 0) || a.mode.localeCompare(b.mode));
}

function networkRefs(v: unknown, networkNames: ReadonlyMap<string, string>): Record<string, { aliases: string[] }> {
  const out: Record<string, { aliases: string[] }> = {};
  for (const raw of arr(v)) {
    const n = rec(raw);
    const target = str(n['Target']) ?? '';
    // Swarm stores the network id; a network that no longer exists shows as its id.
    out[networkNames.get(target) ?? target] = { aliases: strings(n['Aliases']).sort() };
  }
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k] as { aliases: string[] }]));
}

/** A service's spec in canonical form; `networkNames` maps network ids to Engine names. */
export function serviceSpecFromEngine(spec: Service['Spec'], networkNames: ReadonlyMap<string, string>): ServiceSpec {
  const task = rec(spec.TaskTemplate);
  const c = rec(task['ContainerSpec']);
  const resources = rec(task['Resources']);
  const limits = rec(resources['Limits']);
  const reservations = rec(resources['Reservations']);
  const restart = task['RestartPolicy'];
  const placement = rec(task['Placement']);
  const mode = rec(spec.Mode);
  const global = mode['Global'] !== undefined;
  const endpoint = rec(spec.EndpointSpec);
  // Networks may sit on the task (current) or on the spec (legacy clients).
  const networks = task['Networks'] ?? spec.Networks;
  const restartRec = rec(restart);
  const condition = restartRec['Condition'];
  return {
    image: str(c['Image']) ?? '',
    command: optionalList(c['Args']),
    entrypoint: optionalList(c['Command']),
    environment: environment(c['Env']),
    ports: ports(endpoint),
    mounts: mounts(c['Mounts']),
    networks: networkRefs(networks, networkNames),
    secrets: fileRefs(c['Secrets'], 'SecretName'),
    configs: fileRefs(c['Configs'], 'ConfigName'),
    mode: global ? 'global' : 'replicated',
    replicas: global ? null : (num(rec(mode['Replicated'])['Replicas']) ?? 1),
    updateConfig: updateConfig(spec.UpdateConfig),
    rollbackConfig: updateConfig(spec.RollbackConfig),
    restartPolicy: restart === undefined
      ? null
      : {
          condition: condition === 'none' || condition === 'on-failure' ? condition : 'any',
          delay: num(restartRec['Delay']),
          // WARNING: Swarm stores MaxAttempts 0 ("no limit") when a restart policy leaves it out.
          maxAttempts: positive(restartRec['MaxAttempts']),
          window: num(restartRec['Window']),
        },
    placement: {
      constraints: strings(placement['Constraints']).sort(),
      preferences: arr(placement['Preferences']).map((p) => ({ spread: str(rec(rec(p)['Spread'])['SpreadDescriptor']) ?? '' })),
      maxReplicas: positive(placement['MaxReplicas']),
    },
    resources: {
      limits: { cpus: positive(limits['NanoCPUs']), memory: positive(limits['MemoryBytes']), pids: positive(limits['Pids']) },
      reservations: { cpus: positive(reservations['NanoCPUs']), memory: positive(reservations['MemoryBytes']) },
    },
    // The wire key is `Healthcheck` (the API reference spells it HealthCheck).
    healthcheck: healthcheck(c['Healthcheck']),
    labels: userLabels(spec.Labels),
    containerLabels: stringMap(c['Labels']),
    user: str(c['User']),
    workingDir: str(c['Dir']),
    hostname: str(c['Hostname']),
    stopSignal: str(c['StopSignal']),
    stopGracePeriod: num(c['StopGracePeriod']),
    readOnly: c['ReadOnly'] === true,
    init: typeof c['Init'] === 'boolean' ? c['Init'] : null,
    logging: task['LogDriver'] === undefined ? null : { driver: str(rec(task['LogDriver'])['Name']) ?? '', options: stringMap(rec(task['LogDriver'])['Options']) },
    endpointMode: endpoint['Mode'] === 'dnsrr' ? 'dnsrr' : 'vip',
  };
}

const UPDATE_STATES: readonly UpdateState[] = ['updating', 'paused', 'completed', 'rollback_started', 'rollback_paused', 'rollback_completed'];

export function observeService(s: Service, networkNames: ReadonlyMap<string, string>): ObservedService {
  const previous = s.PreviousSpec === undefined ? null : rec(rec(s.PreviousSpec.TaskTemplate)['ContainerSpec']);
  const state = s.UpdateStatus?.State;
  return {
    kind: 'service',
    id: s.ID,
    engineName: s.Spec.Name ?? s.ID,
    name: logicalName(s.Spec.Labels, s.Spec.Name ?? s.ID),
    version: s.Version.Index,
    spec: serviceSpecFromEngine(s.Spec, networkNames),
    forceUpdate: num(s.Spec.TaskTemplate.ForceUpdate) ?? 0,
    unmanaged: unmanagedFields(s.Spec),
    previousSpecRefs: {
      secrets: previous === null ? [] : fileRefs(previous['Secrets'], 'SecretName').map((r) => r.source),
      configs: previous === null ? [] : fileRefs(previous['Configs'], 'ConfigName').map((r) => r.source),
    },
    updateStatus: state !== undefined && (UPDATE_STATES as readonly string[]).includes(state)
      ? { state: state as UpdateState, message: s.UpdateStatus?.Message ?? '' }
      : null,
    dependsOn: dependsOn(s.Spec.Labels),
    specHash: s.Spec.Labels?.[LABEL_SPEC_HASH] ?? null,
    failedRollout: failedRollout(s.Spec.Labels),
  };
}

function failedRollout(labels: Labels | null | undefined): FailedRollout | null {
  const hash = labels?.[LABEL_FAILED_SPEC];
  return hash === undefined || hash === '' ? null : { specHash: hash, message: labels?.[LABEL_FAILED_MESSAGE] ?? '' };
}


// ---------------------------------------------------------------------------------------------
// What objects the project does not own use

/** The project's own objects' Engine names (and its services' ids): what counts as foreign use. */
export interface ProjectNames {
  readonly serviceIds: ReadonlySet<string>;
  /** Network ids. */
  readonly networks: ReadonlySet<string>;
  readonly volumes: ReadonlySet<string>;
  readonly secrets: ReadonlySet<string>;
  readonly configs: ReadonlySet<string>;
}

const protocolOf = (v: unknown): Protocol => (v === 'udp' || v === 'sctp' ? v : 'tcp');

function addUser(map: Map<string, ForeignUser[]>, key: string, user: ForeignUser): void {
  const list = map.get(key) ?? [];
  if (!list.some((u) => u.kind === user.kind && u.engineName === user.engineName)) list.push(user);
  map.set(key, list);
}

/**
 * From the unfiltered lists: the containers and services `project` does not own that mount its
 * volumes, hold host ports, or use its secret and config versions. `containers` and `services` are
 * the Engine's lists, all of them (the list's Mounts and Ports are enough: no inspect needed).
 */
export function foreignUse(project: string, containers: readonly ContainerSummary[], services: readonly Service[], own: ProjectNames): ForeignUse {
  const volumes = new Map<string, ForeignUser[]>();
  const secrets = new Map<string, ForeignUser[]>();
  const configs = new Map<string, ForeignUser[]>();
  const networks = new Map<string, ForeignUser[]>();
  const ports: ForeignPort[] = [];
  for (const c of [...containers].sort((x, y) => compareText(x.Names[0] ?? x.Id, y.Names[0] ?? y.Id))) {
    const labels = c.Labels ?? {};
    if (isOwnedBy(labels, project)) continue;
    const service = labels[SWARM_SERVICE_ID_LABEL];
    if (service !== undefined && own.serviceIds.has(service)) continue;
    const holder: ForeignUser = { kind: 'container', engineName: (c.Names[0] ?? c.Id).replace(/^\//, ''), ownerProject: labels[LABEL_PROJECT] ?? null, taskOf: labels[SWARM_SERVICE_NAME_LABEL] ?? null };
    for (const raw of arr(c['Mounts'])) {
      const m = rec(raw);
      const name = str(m['Name']);
      if (m['Type'] === 'volume' && name !== null && own.volumes.has(name)) addUser(volumes, name, holder);
    }
    // Only a running (or paused) container holds its ports; the list gives a stopped one's without PublicPort.
    for (const raw of arr(c['Ports'])) {
      const p = rec(raw);
      const port = positive(p['PublicPort']);
      if (port !== null) ports.push({ holder, mode: 'bind', hostIp: str(p['IP']) ?? '0.0.0.0', port, protocol: protocolOf(p['Type']) });
    }
  }
  for (const s of [...services].sort((x, y) => compareText(x.Spec.Name ?? x.ID, y.Spec.Name ?? y.ID))) {
    if (isOwnedBy(s.Spec.Labels, project)) continue;
    const holder: ForeignUser = { kind: 'service', engineName: s.Spec.Name ?? s.ID, ownerProject: s.Spec.Labels?.[LABEL_PROJECT] ?? null, taskOf: null };
    // WARNING: the rollback target counts too: a rollback would bring its references back.
    for (const spec of [s.Spec, s.PreviousSpec]) {
      const c = rec(rec(spec?.TaskTemplate)['ContainerSpec']);
      for (const ref of fileRefs(c['Secrets'], 'SecretName')) if (own.secrets.has(ref.source)) addUser(secrets, ref.source, holder);
      for (const ref of fileRefs(c['Configs'], 'ConfigName')) if (own.configs.has(ref.source)) addUser(configs, ref.source, holder);
    }
    for (const raw of arr(rec(s.Spec.TaskTemplate)['Networks'])) {
      const target = str(rec(raw)['Target']);
      if (target !== null && own.networks.has(target)) addUser(networks, target, holder);
    }
    for (const raw of arr(rec(s.Endpoint)['Ports'])) {
      const p = rec(raw);
      const port = positive(p['PublishedPort']);
      // A host-mode port is held by the task's container, listed above.
      if (port !== null && p['PublishMode'] !== 'host') ports.push({ holder, mode: 'ingress', hostIp: '', port, protocol: protocolOf(p['Protocol']) });
    }
  }
  return { volumes, ports, secrets, configs, networks };
}
