// Per-kind comparison of a (resolved) desired spec with the observed one, and the verdict: nothing,
// an in-place update, or a replacement. Pure.
import type {
  ContainerNetworkAttachment,
  ContainerSpec,
  IpamSpec,
  NetworkSpec,
  ServiceSpec,
  VolumeSpec,
} from '../model/desired.js';
import { CONTAINER_MUTABLE_FIELDS } from '../model/desired.js';
import type { ContainerState, ObservedContainer } from '../model/observed.js';
import type { FieldChange } from './changes.js';
import { deepEqual, diffFields, topLevelFields } from './fields.js';

/**
 * WARNING: the Engine fills in IPAM pools (subnet, gateway) that the manifest did not set. Compare
 * only what the manifest says: no `ipam` at all means "any", and within a pool, an unset ip_range
 * or gateway means "whatever the Engine chose".
 */
function projectIpam(desired: IpamSpec | null, observed: IpamSpec | null): IpamSpec | null {
  if (desired === null || observed === null) return desired === null ? null : observed;
  return {
    driver: observed.driver,
    config: observed.config.map((pool, i) => {
      const want = desired.config[i];
      if (want === undefined) return pool;
      return {
        subnet: want.subnet === null ? null : pool.subnet,
        ipRange: want.ipRange === null ? null : pool.ipRange,
        gateway: want.gateway === null ? null : pool.gateway,
      };
    }),
  };
}

export function compareNetwork(desired: NetworkSpec, observed: NetworkSpec): FieldChange[] {
  return diffFields({ ...observed, ipam: projectIpam(desired.ipam, observed.ipam) }, desired);
}

export function compareVolume(desired: VolumeSpec, observed: VolumeSpec): FieldChange[] {
  return diffFields(observed, desired);
}

export type ServiceVerdict =
  | { readonly action: 'none' }
  | { readonly action: 'update' | 'replace'; readonly fields: FieldChange[]; readonly reason: string };

export function compareService(desired: ServiceSpec, observed: ServiceSpec): ServiceVerdict {
  const fields = diffFields(observed, desired);
  if (fields.length === 0) return { action: 'none' };
  if (desired.mode !== observed.mode) {
    // Swarm refuses a mode change in place ("service mode change is not allowed", 501).
    return { action: 'replace', fields, reason: `mode changes from ${observed.mode} to ${desired.mode} (Swarm cannot change it in place)` };
  }
  return { action: 'update', fields, reason: `${describeFields(fields)} changed` };
}

export interface NetworkAttachmentChanges {
  readonly connect: readonly (readonly [string, ContainerNetworkAttachment])[];
  readonly disconnect: readonly string[];
}

export type ContainerVerdict =
  | { readonly action: 'none' }
  | {
      readonly action: 'update';
      readonly fields: FieldChange[];
      readonly reason: string;
      /** Restart policy or resources differ: one `container update` call. */
      readonly updateResources: boolean;
      readonly networks: NetworkAttachmentChanges;
      /** The container is not running and should be. */
      readonly start: boolean;
    }
  | { readonly action: 'replace'; readonly fields: FieldChange[]; readonly reason: string };

/**
 * Whether a stopped container is as it should be: a one-shot container (restart "no") that exited
 * with status 0 has done its job, and starting it again on every apply would re-run it forever.
 */
export function hasCompleted(spec: ContainerSpec, state: ContainerState): boolean {
  return !state.running && state.status === 'exited' && state.exitCode === 0 && spec.restart.name === 'no';
}

function needsStart(spec: ContainerSpec, state: ContainerState): boolean {
  if (state.running || state.status === 'paused' || state.status === 'restarting') return false;
  return !hasCompleted(spec, state);
}

export function compareContainer(desired: ContainerSpec, observed: ObservedContainer, currentImageId: string | null): ContainerVerdict {
  if (observed.spec === null) {
    return { action: 'replace', fields: [], reason: 'its io.moor.container-spec label is missing or unreadable' };
  }
  if (observed.state.status === 'dead') {
    return { action: 'replace', fields: [], reason: 'the container is dead' };
  }
  const fields = diffFields(observed.spec, desired);
  const touched = topLevelFields(fields);
  const immutable = [...touched].filter((f) => !(CONTAINER_MUTABLE_FIELDS as readonly string[]).includes(f));
  const dropped = droppedLimits(desired, observed.spec);
  if (immutable.length > 0 || dropped.length > 0) {
    const reasons: string[] = [];
    if (immutable.length > 0) reasons.push(`${immutable.join(', ')} changed (a container cannot change ${immutable.length > 1 ? 'them' : 'it'} in place)`);
    if (dropped.length > 0) reasons.push(`${dropped.map((l) => l.field).join(' and ')} removed (a container cannot drop its ${dropped.map((l) => l.what).join(' or ')} limit in place)`);
    return { action: 'replace', fields, reason: reasons.join('; ') };
  }
  if (currentImageId !== null && observed.imageId !== '' && currentImageId !== observed.imageId && fields.length === 0) {
    return {
      action: 'replace',
      fields: [{ path: 'image', before: `${desired.image} (${shortId(observed.imageId)})`, after: `${desired.image} (${shortId(currentImageId)})` }],
      reason: `image ${desired.image} now refers to another image`,
    };
  }
  const start = needsStart(desired, observed.state);
  if (fields.length === 0 && !start) return { action: 'none' };

  const networks = attachmentChanges(desired.networks, observed.spec.networks);
  const updateResources = touched.has('restart') || touched.has('memLimit') || touched.has('cpus');
  const reasons: string[] = [];
  if (fields.length > 0) reasons.push(`${describeFields(fields)} changed`);
  if (start) reasons.push(observed.state.status === 'created' ? 'the container was created but never started' : `the container is ${observed.state.status}${observed.state.status === 'exited' ? ` (exit code ${observed.state.exitCode})` : ''}`);
  return { action: 'update', fields, reason: reasons.join('; '), updateResources, networks, start };
}

/**
 * WARNING: the Engine's update endpoint (`POST /containers/{id}/update`, measured on 20.10) can set
 * or change a memory or CPU limit but not remove one: it reads Memory: 0 and NanoCpus: 0 as
 * "unchanged", and refuses -1 ("Minimum memory limit allowed is 6MB", "Range of CPUs is from
 * 0.01 to ..."). A limit the manifest no longer sets (or one set by hand with `docker update`) goes
 * only with a new container.
 */
function droppedLimits(desired: ContainerSpec, observed: ContainerSpec): { field: 'memLimit' | 'cpus'; what: string }[] {
  const dropped: { field: 'memLimit' | 'cpus'; what: string }[] = [];
  if (desired.memLimit === null && observed.memLimit !== null) dropped.push({ field: 'memLimit', what: 'memory' });
  if (desired.cpus === null && observed.cpus !== null) dropped.push({ field: 'cpus', what: 'CPU' });
  return dropped;
}

function attachmentChanges(
  desired: Readonly<Record<string, ContainerNetworkAttachment>>,
  observed: Readonly<Record<string, ContainerNetworkAttachment>>,
): NetworkAttachmentChanges {
  const connect: [string, ContainerNetworkAttachment][] = [];
  const disconnect: string[] = [];
  for (const network of Object.keys(observed).sort()) {
    const want = desired[network];
    if (want === undefined || !deepEqual(want, observed[network])) disconnect.push(network);
  }
  for (const network of Object.keys(desired).sort()) {
    const want = desired[network] as ContainerNetworkAttachment;
    if (!deepEqual(want, observed[network])) connect.push([network, want]);
  }
  return { connect, disconnect };
}

export function describeFields(fields: readonly FieldChange[]): string {
  const names = [...topLevelFields(fields)];
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
