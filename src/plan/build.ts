// buildPlan: desired model x observed state -> Plan (the changes a person reads, and the DAG of
// steps the executor runs). Pure: no Engine, no fs, no clock; randomness (new secret versions) is
// injected through `newId`.
//
// How dependencies are wired: every step that makes an Engine object available registers itself
// as its *provider* (`network:shop_front` -> `network/front:create`), and every step that stops
// using an object registers itself as a *release* of it. Steps that use an object wait for its
// provider; steps that remove an object wait for all of its releases. Containers additionally
// wait for the start (or the health / completion) of the containers they depend on.
import { defaultMemorySwap } from '../convert/to-engine.js';
import type { Change, FieldChange, PlanProblem } from '../diff/changes.js';
import { SENSITIVE } from '../diff/changes.js';
import { compareContainer, compareNetwork, compareService, compareVolume, describeFields } from '../diff/compare.js';
import { diffFields, newFields } from '../diff/fields.js';
import { hideSecretValues, hideSensitiveEnvironment, projectSecretTexts, redactSecrets } from '../diff/sensitive.js';
import { resolveContainerSpec, resolveNames, resolveServiceSpec, serviceRefs, type Resolution } from '../diff/resolve.js';
import type {
  ContainerPort,
  ContainerSpec,
  DesiredContainer,
  DesiredProject,
  ManagedConfig,
  ManagedNetwork,
  ManagedSecret,
  ManagedVolume,
  ServiceSpec,
} from '../model/desired.js';
import { workloadOf } from '../model/desired.js';
import { saltedFingerprint, specHash, type IdSource } from '../model/hash.js';
import { oldestFirst } from '../model/duplicates.js';
import { imageKey } from '../model/images.js';
import { objectId, type ObjectId, type ObjectKind, OBJECT_KINDS, parseObjectId } from '../model/kinds.js';
import { MAX_SWARM_NAME_LENGTH } from '../model/labels.js';
import type {
  ForeignPort,
  ForeignUse,
  ForeignUser,
  ObservedConfig,
  ObservedContainer,
  ObservedNetwork,
  ObservedProject,
  ObservedSecret,
  ObservedService,
} from '../model/observed.js';
import type { CarriedVolume, ContainerReplacement, Step, StepOp } from './steps.js';
import { cutToTargets } from './target.js';
import { formatBytes } from './render.js';

export interface PlanOptions {
  /** Delete owned volumes that are no longer in the manifest (data loss). */
  readonly pruneVolumes: boolean;
  /** Replace volumes whose driver, options or labels changed (data loss). */
  readonly replaceVolumes: boolean;
  /** 'missing': pull images that are not present; 'never': a missing image is an error. */
  readonly pull: 'missing' | 'never';
  /** Source of new secret version ids (random in production, deterministic in tests). */
  readonly newId: IdSource;
  /**
   * Send again a service spec whose last rollout Swarm rolled back, and restart a paused rollout
   * (`--retry-failed`). Without it such services are held back, with a warning. Default false.
   */
  readonly retryFailed?: boolean;
  /**
   * Services of the manifest to take over when a service of their Engine name exists that no moor
   * project owns (`--adopt service/NAME`: moving from `docker stack deploy`): updated to the
   * manifest's spec, with moor's labels, instead of refused as a name conflict. Default none.
   */
  readonly adopt?: readonly string[];
  /**
   * Containers and services of the manifest to replace although nothing changed (`--replace
   * container/NAME`, `--replace service/NAME`, as ids): a container is created anew
   * (create-then-swap), a service's tasks are restarted (its ForceUpdate raised, so Swarm rolls
   * every task following its update_config). Default none.
   */
  readonly replace?: readonly string[];
  /**
   * Plan only these objects (ids such as `container/web`) and what they need (`--target`: see
   * plan/target.ts); the others' changes, and their errors, are left out, and a warning counts
   * them. Default: everything.
   */
  readonly target?: readonly string[];
  /**
   * The plan removes the whole project (`moor destroy`, against an empty desired project): the
   * deletions say so instead of "no longer in the manifest", and a kept volume names `--volumes`.
   */
  readonly teardown?: boolean;
}

export interface PlanSummary {
  readonly create: number;
  readonly update: number;
  readonly replace: number;
  readonly delete: number;
}

export interface Plan {
  readonly project: string;
  /** One per object that changes, in kind order then name order. */
  readonly changes: readonly Change[];
  /** The DAG, in a valid execution order. */
  readonly steps: readonly Step[];
  /** Errors block the apply; warnings are shown. */
  readonly problems: readonly PlanProblem[];
  readonly summary: PlanSummary;
  /** A hash of the observed state the plan was computed from (ids, versions, states). */
  readonly observedFingerprint: string;
  /** Salted fingerprints of the secret contents the plan was computed from, by logical name. */
  readonly secretFingerprints: Readonly<Record<string, string>>;
}

export const DEFAULT_PLAN_OPTIONS: Omit<PlanOptions, 'newId'> = { pruneVolumes: false, replaceVolumes: false, pull: 'missing' };

const KIND_ORDER: Record<ObjectKind, number> = Object.fromEntries(OBJECT_KINDS.map((k, i) => [k, i])) as Record<ObjectKind, number>;

interface Draft {
  readonly op: StepOp;
  readonly key: string;
  readonly object: ObjectId;
  readonly after: Set<string>;
}

class Builder {
  /** Why an owned object the desired project lacks is deleted. */
  readonly goneReason: string;

  constructor(
    readonly images: ReadonlyMap<string, string>,
    readonly pull: PlanOptions['pull'],
    readonly teardown: boolean,
  ) {
    this.goneReason = teardown ? 'the project is destroyed' : 'no longer in the manifest';
  }

  readonly changes: Change[] = [];
  readonly problems: PlanProblem[] = [];
  readonly drafts = new Map<string, Draft>();
  /** `kind:engineName` (or `image:key`) -> the key of the step that makes it available. */
  readonly providers = new Map<string, string>();
  /** `kind:engineName` -> keys of the steps after which it is no longer used. */
  readonly releases = new Map<string, string[]>();
  /** `kind:engineName` -> keys of the steps that remove it: they wait for all its releases. */
  readonly removals = new Map<string, string[]>();
  /** Host port (`8080/tcp`) -> the steps that stop a container holding it (removed or replaced). */
  readonly portHolders = new Map<string, string[]>();

  /** `stopKey` frees the host ports `live` publishes. */
  freesPorts(live: ObservedContainer, stopKey: string): void {
    for (const port of live.spec?.ports ?? []) {
      if (port.published !== null) this.portHolders.set(hostPort(port), [...(this.portHolders.get(hostPort(port)) ?? []), stopKey]);
    }
  }

  add(object: ObjectId, suffix: string, op: StepOp, after: Iterable<string | undefined> = []): string {
    const key = `${object}:${suffix}`;
    if (this.drafts.has(key)) throw new Error(`duplicate plan step ${key}`);
    const deps = new Set<string>();
    for (const a of after) if (a !== undefined) deps.add(a);
    this.drafts.set(key, { op, key, object, after: deps });
    return key;
  }

  dependOn(key: string, ...deps: (string | undefined)[]): void {
    const draft = this.drafts.get(key);
    if (draft === undefined) throw new Error(`no plan step ${key}`);
    for (const d of deps) if (d !== undefined && d !== key) draft.after.add(d);
  }

  provide(resource: string, key: string): void {
    this.providers.set(resource, key);
  }

  provider(resource: string): string | undefined {
    const key = this.providers.get(resource);
    return key === '' ? undefined : key;
  }

  release(resource: string, key: string): void {
    const list = this.releases.get(resource) ?? [];
    list.push(key);
    this.releases.set(resource, list);
  }

  /** Registers a step that removes `resource`; it will wait for every release of it. */
  removal(resource: string, key: string): string {
    this.removals.set(resource, [...(this.removals.get(resource) ?? []), key]);
    return key;
  }

  change(change: Change): void {
    this.changes.push(change);
  }

  problem(severity: PlanProblem['severity'], object: string | null, message: string, code?: PlanProblem['code']): void {
    this.problems.push(code === undefined ? { severity, object, message } : { severity, object, message, code });
  }

  steps(): Step[] {
    for (const [resource, keys] of this.removals) {
      for (const key of keys) this.dependOn(key, ...(this.releases.get(resource) ?? []));
    }
    for (const draft of this.drafts.values()) {
      for (const dep of draft.after) if (!this.drafts.has(dep)) throw new Error(`plan step ${draft.key} waits for unknown step ${dep}`);
    }
    return topologicalOrder([...this.drafts.values()]).map((d) => ({ ...d.op, key: d.key, object: d.object, after: [...d.after].sort() }) as Step);
  }
}

/** Kahn's algorithm, with ties broken by key so the order is deterministic. */
function topologicalOrder(drafts: Draft[]): Draft[] {
  const byKey = new Map(drafts.map((d) => [d.key, d]));
  const remaining = new Map(drafts.map((d) => [d.key, d.after.size]));
  const dependants = new Map<string, string[]>();
  for (const d of drafts) for (const dep of d.after) dependants.set(dep, [...(dependants.get(dep) ?? []), d.key]);
  const ready = drafts.filter((d) => d.after.size === 0).map((d) => d.key).sort();
  const out: Draft[] = [];
  while (ready.length > 0) {
    const key = ready.shift() as string;
    out.push(byKey.get(key) as Draft);
    for (const next of dependants.get(key) ?? []) {
      const left = (remaining.get(next) ?? 0) - 1;
      remaining.set(next, left);
      if (left === 0) insertSorted(ready, next);
    }
  }
  if (out.length !== drafts.length) {
    const stuck = drafts.filter((d) => !out.includes(d)).map((d) => d.key);
    throw new Error(`plan steps form a cycle: ${stuck.join(', ')}`);
  }
  return out;
}

function insertSorted(list: string[], value: string): void {
  const i = list.findIndex((v) => v > value);
  if (i === -1) list.push(value);
  else list.splice(i, 0, value);
}

const res = (kind: string, engineName: string): string => `${kind}:${engineName}`;

/** A host port, as the Engine binds it: the address is left out (0.0.0.0 holds every address's port). */
const hostPort = (p: ContainerPort): string => `${p.published ?? 0}/${p.protocol}`;

export function buildPlan(desired: DesiredProject, observed: ObservedProject, options: PlanOptions): Plan {
  const b = new Builder(observed.images, options.pull, options.teardown === true);
  checkEngine(b, desired, observed);
  const adopt = new Set(options.adopt ?? []);
  checkOwnership(b, desired, observed, adopt);
  const replace = new Set(options.replace ?? []);
  checkReplace(b, desired, observed, replace);
  const r = resolveNames(desired, observed, options.newId);
  checkVersionedNames(b, r, observed);

  const services = new Map(Object.values(desired.services).map((s) => [s.name, resolveServiceSpec(s.spec, r)]));
  const containers = new Map(Object.values(desired.containers).map((c) => [c.name, resolveContainerSpec(c.spec, r)]));
  const ownedContainersById = new Map(observed.containers.map((c) => [c.id, c]));

  const replacedNetworks = planNetworks(b, desired, observed, ownedContainersById);
  const replacedVolumes = planVolumes(b, desired, observed, options);
  planSecretsAndConfigs(b, desired, observed, r);
  const serviceOutcome = planServices(b, desired, observed, services, { replacedNetworks, replacedVolumes, retryFailed: options.retryFailed === true, adopt, replace });
  const starts = planContainers(b, desired, observed, containers, { replacedNetworks, replacedVolumes, replace });
  planRemovals(b, desired, observed, ownedContainersById, options);
  startAfterPortsFreed(b, containers, starts);
  checkForeignPorts(b, containers, starts, observed.foreign.ports);
  planVersionGarbage(b, desired, observed, r, services, serviceOutcome);

  // A secret's value used elsewhere (a label, a config, a command built from the same variable) is
  // hidden there too.
  const secrets = projectSecretTexts(desired);
  const changes = [...b.changes]
    .sort((x, y) => KIND_ORDER[x.kind] - KIND_ORDER[y.kind] || x.name.localeCompare(y.name) || x.engineName.localeCompare(y.engineName))
    .map((c) => (c.kind === 'container' || c.kind === 'service' ? { ...c, fields: hideSensitiveEnvironment(c.fields, workloadOf(desired, c.kind, c.name)?.sensitiveEnvironment ?? []) } : c))
    .map((c) => ({ ...c, reason: redactSecrets(c.reason, secrets), fields: hideSecretValues(c.fields, secrets) }));
  let steps: readonly Step[] = b.steps();
  let problems: readonly PlanProblem[] = b.problems;
  let planned: readonly Change[] = changes;
  const targets = [...new Set(options.target ?? [])].sort();
  if (targets.length > 0) {
    for (const t of targets) {
      if (!inManifest(desired, t) && !changes.some((c) => `${c.kind}/${c.name}` === t)) b.problem('error', t, `--target ${t}: neither the manifest nor the project on the Engine has it`);
    }
    ({ changes: planned, steps, problems } = cutToTargets(changes, steps, b.problems, targets));
  }
  problems = problems.map((p) => ({ ...p, message: redactSecrets(p.message, secrets) }));
  const summary = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const c of planned) summary[c.action] += 1;
  const secretFingerprints: Record<string, string> = {};
  for (const s of Object.values(desired.secrets)) {
    if (!s.external) secretFingerprints[s.name] = saltedFingerprint(s.data.reveal(), options.newId());
  }
  return {
    project: desired.project,
    changes: planned,
    steps,
    problems,
    summary,
    observedFingerprint: fingerprintObserved(observed, desired),
    secretFingerprints,
  };
}

// ---------------------------------------------------------------------------------------------
// Pre-flight checks

function inManifest(desired: DesiredProject, id: string): boolean {
  const parsed = parseObjectId(id);
  return parsed !== null && Object.hasOwn(desired[`${parsed.kind}s`], parsed.name);
}

function usesSwarm(desired: DesiredProject): boolean {
  return (
    Object.keys(desired.services).length > 0 ||
    Object.values(desired.secrets).some((s) => !s.external) ||
    Object.values(desired.configs).some((c) => !c.external) ||
    Object.values(desired.networks).some((n) => !n.external && n.spec.driver === 'overlay')
  );
}

function checkEngine(b: Builder, desired: DesiredProject, observed: ObservedProject): void {
  if (!usesSwarm(desired)) return;
  if (observed.engine.swarm !== 'active') {
    b.problem('error', null, `the manifest has Swarm objects (services, secrets, configs or overlay networks), but Swarm is ${observed.engine.swarm} on this Engine: run 'docker swarm init' or point moor at a Swarm manager`);
  } else if (!observed.engine.swarmManager) {
    b.problem('error', null, 'this Engine is a Swarm worker: Swarm objects can only be managed through a manager node');
  }
}

/** --replace: only objects of the manifest; one not on the Engine yet is created anyway. */
function checkReplace(b: Builder, desired: DesiredProject, observed: ObservedProject, replace: ReadonlySet<string>): void {
  for (const id of [...replace].sort()) {
    const parsed = parseObjectId(id);
    const kind = parsed?.kind;
    const name = parsed?.name ?? '';
    const wanted = kind === 'container' ? desired.containers[name] : kind === 'service' ? desired.services[name] : undefined;
    if (wanted === undefined) {
      b.problem('error', id, `--replace ${id}: the manifest has no ${kind ?? 'object'} ${name}`);
      continue;
    }
    const live = kind === 'container' ? observed.containers.some((c) => c.engineName === wanted.engineName) : observed.services.some((s) => s.engineName === wanted.engineName);
    if (!live) b.problem('warning', id, `--replace ${id}: ${kind} ${wanted.engineName} is not on the Engine yet; it is created`);
  }
}

function checkOwnership(b: Builder, desired: DesiredProject, observed: ObservedProject, adopt: ReadonlySet<string>): void {
  for (const name of [...adopt].sort()) {
    const svc = desired.services[name];
    const id = objectId('service', name);
    if (svc === undefined) {
      b.problem('error', id, `--adopt service/${name}: the manifest has no service ${name}`);
    } else if (observed.services.some((s) => s.engineName === svc.engineName)) {
      b.problem('warning', id, `--adopt service/${name}: service ${svc.engineName} is this project's already; nothing to adopt`);
    } else if (!observed.unowned.service.has(svc.engineName)) {
      b.problem('warning', id, `--adopt service/${name}: no service ${svc.engineName} exists to adopt; it is created`);
    }
  }
  const wanted: [ObjectKind, string, string, boolean][] = [
    ...Object.values(desired.networks).map((n) => ['network', n.name, n.engineName, n.external] as [ObjectKind, string, string, boolean]),
    ...Object.values(desired.volumes).map((v) => ['volume', v.name, v.engineName, v.external] as [ObjectKind, string, string, boolean]),
    ...Object.values(desired.containers).map((c) => ['container', c.name, c.engineName, false] as [ObjectKind, string, string, boolean]),
    ...Object.values(desired.services).map((s) => ['service', s.name, s.engineName, false] as [ObjectKind, string, string, boolean]),
  ];
  for (const [kind, name, engineName, external] of wanted) {
    const foreign = observed.unowned[kind].get(engineName);
    if (external) {
      const owned = (observed[`${kind}s` as 'networks' | 'volumes']).some((o) => o.engineName === engineName);
      if (foreign === undefined && !owned) b.problem('error', objectId(kind, name), `external ${kind} ${engineName} does not exist on the Engine`);
      continue;
    }
    if (foreign === undefined) continue;
    if (foreign.ownerProject === null && kind === 'service' && adopt.has(name)) continue;
    if (foreign.ownerProject !== null) {
      b.problem('error', objectId(kind, name), `${kind} ${engineName} already exists and belongs to moor project ${foreign.ownerProject}; moor will not take it over (rename the ${kind}, or remove the existing one)`);
    } else if (kind === 'volume') {
      // Often a data volume `docker compose down` left: removing it would lose the data, so the
      // way to keep it (README, "Coming from Compose") comes first, and removing is not offered.
      b.problem('error', objectId(kind, name), `volume ${engineName} already exists and was not created by moor; moor will not take it over: to keep using it and its data, declare it \`external: true\` with \`name: ${engineName}\` (see "Coming from Compose" in moor's README), or give the project's volume another name`);
    } else {
      const adoptHint = kind === 'service' ? `; to take it over, updating it to the manifest's spec, run with --adopt service/${name}` : '';
      b.problem('error', objectId(kind, name), `${kind} ${engineName} already exists and was not created by moor; moor will not take it over (rename the ${kind}, or remove the existing one${adoptHint})`);
    }
  }
  for (const kind of ['secret', 'config'] as const) {
    for (const ref of Object.values(desired[`${kind}s`])) {
      if (!ref.external) continue;
      const exists = observed.unowned[kind].has(ref.engineName) || observed[`${kind}s`].some((o) => o.engineName === ref.engineName);
      if (!exists) b.problem('error', objectId(kind, ref.name), `external ${kind} ${ref.engineName} does not exist on the Engine`);
    }
  }
}

/**
 * Why a create is planned. Usually the object is missing; but when an object moor does not own
 * holds the name (checkOwnership reports it as an error), "not found on the Engine" would
 * contradict that error.
 */
function createReason(observed: ObservedProject, kind: 'network' | 'volume' | 'container' | 'service', engineName: string): string {
  const foreign = observed.unowned[kind].get(engineName);
  if (foreign === undefined) return 'not found on the Engine';
  const holder = foreign.ownerProject === null ? 'an object moor does not own' : `an object of moor project ${foreign.ownerProject}`;
  return `its name is held by ${holder} (see the error)`;
}

function checkVersionedNames(b: Builder, r: Resolution, observed: ObservedProject): void {
  for (const [kind, map, existing] of [['secret', r.secrets, r.existingSecrets], ['config', r.configs, r.existingConfigs]] as const) {
    for (const [name, engineName] of map) {
      if (engineName.length > MAX_SWARM_NAME_LENGTH) {
        b.problem('error', objectId(kind, name), `the Engine name ${engineName} is longer than ${MAX_SWARM_NAME_LENGTH} characters (the Engine's limit): shorten the project or ${kind} name`);
      }
      // A new version's name is known in advance (a config's is its content's hash): one held by
      // an object moor does not own would make its create fail half-way through the apply.
      const holder = existing.has(name) ? undefined : observed.unowned[kind].get(engineName);
      if (holder !== undefined) {
        const whose = holder.ownerProject === null ? 'was not created by moor' : `belongs to moor project ${holder.ownerProject}`;
        b.problem('error', objectId(kind, name), `the new version of ${kind} ${name} is named ${engineName}${kind === 'config' ? ' (from its content)' : ''}, but a ${kind} of that name already exists and ${whose}; moor will not take it over (remove it, or rename the ${kind})`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Networks and volumes

/** Networks and volumes have fixed names: created when missing, replaced (remove, create) when changed. */
type FixedObject = (ManagedNetwork | ManagedVolume) & { readonly kind: 'network' | 'volume' };

function createOp(obj: FixedObject): StepOp {
  return obj.kind === 'network'
    ? { op: 'network.create', engineName: obj.engineName, spec: obj.spec }
    : { op: 'volume.create', engineName: obj.engineName, spec: obj.spec };
}

function planFixedCreate(b: Builder, obj: FixedObject, observed: ObservedProject): void {
  b.provide(res(obj.kind, obj.engineName), b.add(objectId(obj.kind, obj.name), 'create', createOp(obj)));
  b.change({ action: 'create', kind: obj.kind, name: obj.name, engineName: obj.engineName, reason: createReason(observed, obj.kind, obj.engineName), fields: newFields(obj.spec) });
}

function planFixedReplace(b: Builder, obj: FixedObject, liveId: string, remove: StepOp, fields: FieldChange[], reason: string): void {
  const id = objectId(obj.kind, obj.name);
  const removed = b.removal(res(obj.kind, obj.engineName), b.add(id, 'remove-old', remove));
  b.provide(res(obj.kind, obj.engineName), b.add(id, 'create', createOp(obj), [removed]));
  b.change({ action: 'replace', kind: obj.kind, name: obj.name, engineName: obj.engineName, id: liveId, newEngineName: obj.engineName, dataLoss: obj.kind === 'volume', reason, fields });
}

function planNetworks(b: Builder, desired: DesiredProject, observed: ObservedProject, ownedById: Map<string, ObservedContainer>): Set<string> {
  const replaced = new Set<string>();
  for (const net of Object.values(desired.networks)) {
    if (net.external) continue;
    const { live, deduplicated } = keepOneNetwork(b, net, observed.networks.filter((n) => n.engineName === net.engineName));
    if (live === undefined) {
      planFixedCreate(b, net, observed);
      continue;
    }
    const fields = compareNetwork(net.spec, live.spec);
    if (fields.length === 0) continue;
    replaced.add(net.engineName);
    checkForeignAttachments(b, live, ownedById, observed.foreign, 'replaced');
    const reason = `${describeFields(fields)} changed (networks cannot change in place; attached containers are reconnected)`;
    planFixedReplace(b, net, live.id, { op: 'network.remove', engineName: net.engineName, id: live.id }, fields, reason);
    b.dependOn(`${objectId('network', net.name)}:remove-old`, deduplicated);
  }
  return replaced;
}

/**
 * Several owned networks of one name (see model/duplicates.ts): keeps the one with containers
 * attached, else the oldest, and removes the others before anything uses the name. Returns the one
 * kept, and the key of the last removal (undefined when there was nothing to remove).
 */
function keepOneNetwork(b: Builder, net: ManagedNetwork, same: readonly ObservedNetwork[]): { live: ObservedNetwork | undefined; deduplicated: string | undefined } {
  const [live, ...extras] = [...same].sort((x, y) => y.containerIds.length - x.containerIds.length || oldestFirst(x, y));
  const id = objectId('network', net.name);
  let last: string | undefined;
  for (const extra of extras) {
    if (extra.containerIds.length > 0) {
      b.problem('error', id, `two networks named ${net.engineName} have containers attached (the Engine let a duplicate be created): moor cannot tell which is right; disconnect the containers from network ${extra.id.slice(0, 12)} and run again`);
      continue;
    }
    last = b.add(id, `remove-duplicate-${extra.id.slice(0, 12)}`, { op: 'network.remove', engineName: net.engineName, id: extra.id }, [last]);
    b.change({ action: 'delete', kind: 'network', name: net.name, engineName: net.engineName, id: extra.id, reason: 'a second network of the same name (two creates raced, and the Engine allowed both): one is kept', fields: [] });
  }
  if (last !== undefined) b.provide(res('network', net.engineName), last);
  return { live, deduplicated: last };
}

function checkForeignAttachments(b: Builder, live: ObservedNetwork, ownedById: Map<string, ObservedContainer>, foreign: ForeignUse, what: string): void {
  const containers = live.containerIds.filter((cid) => !ownedById.has(cid));
  if (containers.length > 0) {
    b.problem('error', objectId('network', live.name), `network ${live.engineName} must be ${what}, but containers moor does not manage are attached to it (${containers.map((c) => c.slice(0, 12)).join(', ')}): disconnect them first`);
  }
  // WARNING: Swarm refuses to remove a network a service is attached to ("in use by service"),
  // found half-way through an apply, after the project's own services were moved off it.
  const services = foreign.networks.get(live.id) ?? [];
  if (services.length > 0) {
    b.problem('error', objectId('network', live.name), `network ${live.engineName} must be ${what}, but services moor does not manage are attached to it (${services.map(describeForeign).join(', ')}): detach them first (docker service update --network-rm)`);
  }
}

/** How the plan's messages name an object moor does not own. */
function describeForeign(user: ForeignUser): string {
  const task = user.taskOf === null ? '' : ` (a task of service ${user.taskOf})`;
  const whose = user.ownerProject === null ? '' : ` (of moor project ${user.ownerProject})`;
  return `${user.kind} ${user.engineName}${task}${whose}`;
}

/**
 * WARNING: the Engine refuses to remove a volume that any container mounts, running or stopped
 * ("volume is in use"). By then the plan would have stopped and removed the project's containers
 * that mount it: found half-way, it would leave them gone.
 */
function checkForeignMounts(b: Builder, observed: ObservedProject, name: string, engineName: string, what: 'recreated' | 'deleted'): void {
  const users = observed.foreign.volumes.get(engineName) ?? [];
  if (users.length === 0) return;
  b.problem('error', objectId('volume', name), `volume ${engineName} must be ${what}, but containers moor does not manage mount it (${users.map(describeForeign).join(', ')}), and the Engine will not remove a volume in use, even by a stopped container: remove them first (a task's container: change or remove its service)`);
}

function planVolumes(b: Builder, desired: DesiredProject, observed: ObservedProject, options: PlanOptions): Set<string> {
  const replaced = new Set<string>();
  for (const vol of Object.values(desired.volumes)) {
    if (vol.external) continue;
    const live = observed.volumes.find((v) => v.engineName === vol.engineName);
    if (live === undefined) {
      planFixedCreate(b, vol, observed);
      continue;
    }
    const fields = compareVolume(vol.spec, live.spec);
    if (fields.length === 0) continue;
    if (!options.replaceVolumes) {
      b.problem('error', objectId('volume', vol.name), `volume ${vol.engineName}: ${describeFields(fields)} changed, which needs the volume to be recreated and its data lost; run again with --replace-volumes to allow it, or revert the change`);
    }
    checkForeignMounts(b, observed, vol.name, vol.engineName, 'recreated');
    replaced.add(vol.engineName);
    const reason = `${describeFields(fields)} changed (a volume cannot change in place: its data is lost)`;
    planFixedReplace(b, vol, vol.engineName, { op: 'volume.remove', engineName: vol.engineName }, fields, reason);
  }
  return replaced;
}

// ---------------------------------------------------------------------------------------------
// Images

/**
 * The step that pulls `image` for `object`, added the first time an object that the plan creates or
 * updates needs an image the Engine does not have. Images of unchanged objects are never pulled.
 */
function imageDep(b: Builder, image: string, object: ObjectId): string | undefined {
  if (b.images.has(imageKey(image))) return undefined;
  const existing = b.provider(res('image', imageKey(image)));
  if (existing !== undefined) return existing;
  if (b.pull === 'never') {
    b.problem('error', object, `image ${image} is not present on the Engine and pulling is disabled (--pull never)`);
    b.provide(res('image', imageKey(image)), '');
    return undefined;
  }
  const key = b.add(object, `pull:${image}`, { op: 'image.pull', image });
  b.provide(res('image', imageKey(image)), key);
  return key;
}

// ---------------------------------------------------------------------------------------------
// Secrets and configs

function planSecretsAndConfigs(b: Builder, desired: DesiredProject, observed: ObservedProject, r: Resolution): void {
  for (const secret of Object.values(desired.secrets)) {
    if (!secret.external) planVersioned(b, 'secret', secret, r.secrets.get(secret.name) as string, r.existingSecrets.get(secret.name), observed.secrets);
  }
  for (const config of Object.values(desired.configs)) {
    if (!config.external) planVersioned(b, 'config', config, r.configs.get(config.name) as string, r.existingConfigs.get(config.name), observed.configs);
  }
}

function planVersioned(
  b: Builder,
  kind: 'secret' | 'config',
  want: ManagedSecret | ManagedConfig,
  engineName: string,
  existing: ObservedSecret | ObservedConfig | undefined,
  live: readonly (ObservedSecret | ObservedConfig)[],
): void {
  const id = objectId(kind, want.name);
  if (existing !== undefined) {
    const fields = diffFields(existing.spec, want.spec);
    if (fields.length === 0) return;
    const op: StepOp = kind === 'secret'
      ? { op: 'secret.update', engineName, id: existing.id, version: existing.version, spec: want.spec }
      : { op: 'config.update', engineName, id: existing.id, version: existing.version, spec: want.spec };
    b.add(id, `update@${engineName}`, op);
    b.change({ action: 'update', kind, name: want.name, engineName, id: existing.id, reason: 'labels changed (updated in place)', fields });
    return;
  }
  const op: StepOp = kind === 'secret'
    ? { op: 'secret.create', name: want.name, engineName, spec: want.spec }
    : { op: 'config.create', name: want.name, engineName, spec: want.spec };
  b.provide(res(kind, engineName), b.add(id, `create@${engineName}`, op));
  const previous = live.filter((o) => o.name === want.name).sort((x, y) => y.createdAt.localeCompare(x.createdAt))[0];
  const contentField = contentChange(kind, want, previous);
  if (previous === undefined) {
    b.change({ action: 'create', kind, name: want.name, engineName, reason: 'not found on the Engine', fields: [contentField, ...newFields(want.spec)] });
  } else {
    b.change({
      action: 'replace',
      kind,
      name: want.name,
      engineName: previous.engineName,
      id: previous.id,
      newEngineName: engineName,
      dataLoss: false,
      reason: `content changed (${kind}s are immutable: a new version is created and the services using it move to it)`,
      fields: [contentField, ...diffFields(previous.spec, want.spec)],
    });
  }
}

function contentChange(kind: 'secret' | 'config', want: ManagedSecret | ManagedConfig, previous: ObservedSecret | ObservedConfig | undefined): FieldChange {
  if (kind === 'secret' || want.kind === 'secret') {
    return previous === undefined ? { path: 'content', after: SENSITIVE } : { path: 'content', before: SENSITIVE, after: SENSITIVE };
  }
  const after = renderContent(want.data);
  if (previous === undefined || previous.kind !== 'config') return { path: 'content', after: after.summary };
  const before = renderContent(previous.data);
  const change: FieldChange = after.text !== null && before.text !== null
    ? { path: 'content', before: before.summary, after: after.summary, text: { before: before.text, after: after.text } }
    : { path: 'content', before: before.summary, after: after.summary };
  return change;
}

function renderContent(data: Uint8Array): { summary: string; text: string | null } {
  const text = Buffer.from(data).toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(Buffer.from(data)) && !text.includes('\u0000');
  return { summary: `(${data.byteLength} bytes${isText ? '' : ', binary'})`, text: isText ? text : null };
}

// ---------------------------------------------------------------------------------------------
// Services

interface ServiceOutcome {
  /** Logical names of the services that will be updated in place (their current spec becomes PreviousSpec). */
  readonly updated: Set<string>;
  /** Logical names of the services removed and created again (no PreviousSpec survives). */
  readonly recreated: Set<string>;
}

function serviceDeps(b: Builder, object: ObjectId, spec: ServiceSpec): (string | undefined)[] {
  return [
    imageDep(b, spec.image, object),
    ...Object.keys(spec.networks).map((n) => b.provider(res('network', n))),
    ...spec.mounts.map((m) => (m.type === 'volume' ? b.provider(res('volume', m.source)) : undefined)),
    ...spec.secrets.map((s) => b.provider(res('secret', s.source))),
    ...spec.configs.map((c) => b.provider(res('config', c.source))),
  ];
}

function releaseServiceRefs(b: Builder, key: string, before: ServiceSpec, after: ServiceSpec | null): void {
  const keep = after === null ? null : { networks: new Set(Object.keys(after.networks)), volumes: new Set(after.mounts.flatMap((m) => (m.type === 'volume' ? [m.source] : []))), ...mapSets(serviceRefs(after)) };
  for (const n of Object.keys(before.networks)) if (keep === null || !keep.networks.has(n)) b.release(res('network', n), key);
  for (const m of before.mounts) if (m.type === 'volume' && (keep === null || !keep.volumes.has(m.source))) b.release(res('volume', m.source), key);
  for (const s of before.secrets) if (keep === null || !keep.secrets.has(s.source)) b.release(res('secret', s.source), key);
  for (const c of before.configs) if (keep === null || !keep.configs.has(c.source)) b.release(res('config', c.source), key);
}

/** A service update or removal also moves (or drops) its rollback target, Swarm's PreviousSpec. */
function releasePreviousRefs(b: Builder, key: string, live: ObservedService): void {
  for (const name of live.previousSpecRefs.secrets) b.release(res('secret', name), key);
  for (const name of live.previousSpecRefs.configs) b.release(res('config', name), key);
}

function mapSets(refs: { secrets: string[]; configs: string[] }): { secrets: Set<string>; configs: Set<string> } {
  return { secrets: new Set(refs.secrets), configs: new Set(refs.configs) };
}

const isPaused = (live: ObservedService): boolean => live.updateStatus?.state === 'paused' || live.updateStatus?.state === 'rollback_paused';

/**
 * Flap protection (research 1.2, C6). After Swarm rolled an update back, the live spec is the old
 * one again, so a plain diff would send the failing spec on every run and Swarm would roll it back
 * every time. When moor recorded the rolled-back spec (apply --wait does: LABEL_FAILED_SPEC) and
 * the manifest still asks for exactly that spec, the update is held back with a warning, unless
 * `retryFailed`. A paused rollout (same spec, stuck) is only reported: `retryFailed` restarts it.
 * Returns whether the service's update is held back.
 */
function holdRollout(b: Builder, id: ObjectId, spec: ServiceSpec, live: ObservedService, updating: boolean, retryFailed: boolean): boolean {
  const status = live.updateStatus;
  if (updating && !retryFailed && live.failedRollout !== null && live.failedRollout.specHash === specHash(spec)) {
    const why = live.failedRollout.message === '' ? '' : `: ${live.failedRollout.message}`;
    b.problem('warning', id, `not updated: the last rollout of this exact spec was rolled back by Swarm${why}; fix the manifest, or run with --retry-failed to send it again`, 'rollout-held');
    return true;
  }
  if (status === null || retryFailed) return false;
  if (!updating && isPaused(live)) {
    const what = status.state === 'paused' ? 'rollout' : 'rollback';
    b.problem('warning', id, `Swarm paused the ${what} of this service: ${status.message}; fix the manifest, or run with --retry-failed to restart it`, 'rollout-paused');
  } else if (updating && status.state === 'rollback_completed') {
    b.problem('warning', id, `Swarm rolled back its last rollout (${status.message}); this spec is sent again (run apply --wait to catch a rollback and hold a failing spec back)`);
  } else if (updating && (status.state === 'rollback_paused' || status.state === 'rollback_started')) {
    const what = status.state === 'rollback_paused' ? 'paused the rollback of' : 'is rolling back';
    b.problem('warning', id, `Swarm ${what} its last rollout (${status.message}); this spec is sent again, which ends that rollback`);
  }
  return false;
}

/** What else decides a workload's plan besides its spec and its live state. */
interface WorkloadContext {
  /** Engine names of the networks and volumes the plan recreates. */
  readonly replacedNetworks: ReadonlySet<string>;
  readonly replacedVolumes: ReadonlySet<string>;
  /** Ids of the objects to replace although unchanged (--replace). */
  readonly replace: ReadonlySet<string>;
}

interface ServiceContext extends WorkloadContext {
  readonly retryFailed: boolean;
  readonly adopt: ReadonlySet<string>;
}

function planServices(b: Builder, desired: DesiredProject, observed: ObservedProject, specs: Map<string, ServiceSpec>, context: ServiceContext): ServiceOutcome {
  const { replacedNetworks, replacedVolumes, retryFailed, adopt } = context;
  const outcome: ServiceOutcome = { updated: new Set(), recreated: new Set() };
  const createKeys = new Map<string, string>();
  for (const svc of Object.values(desired.services)) {
    const spec = specs.get(svc.name) as ServiceSpec;
    const owned = observed.services.find((s) => s.engineName === svc.engineName);
    // A service taken over (--adopt) is planned as if it were the project's: it is always updated,
    // if only to get moor's labels.
    const adopted = owned === undefined && adopt.has(svc.name) ? observed.adoptable.find((s) => s.engineName === svc.engineName) : undefined;
    const live = owned ?? adopted;
    const adoption = adopted === undefined ? '' : `adopted (--adopt): it was not made by moor; `;
    const id = objectId('service', svc.name);
    for (const m of spec.mounts) {
      if (m.type === 'volume' && replacedVolumes.has(m.source)) {
        b.problem('error', id, `volume ${m.source} must be recreated, but service ${svc.engineName} mounts it: remove the mount from the service first, apply, then change the volume`);
      }
    }
    if (live === undefined) {
      createKeys.set(svc.name, b.add(id, 'create', { op: 'service.create', engineName: svc.engineName, spec }, serviceDeps(b, id, spec)));
      b.change({ action: 'create', kind: 'service', name: svc.name, engineName: svc.engineName, reason: createReason(observed, 'service', svc.engineName), fields: newFields(spec) });
      continue;
    }
    const verdict = compareService(spec, live.spec);
    const onReplacedNetwork = Object.keys(live.spec.networks).filter((n) => replacedNetworks.has(n));
    if (verdict.action === 'replace') {
      const remove = b.add(id, 'remove-old', { op: 'service.remove', engineName: svc.engineName, id: live.id });
      releaseServiceRefs(b, remove, live.spec, null);
      releasePreviousRefs(b, remove, live);
      createKeys.set(svc.name, b.add(id, 'create', { op: 'service.create', engineName: svc.engineName, spec }, [remove, ...serviceDeps(b, id, spec)]));
      b.change({ action: 'replace', kind: 'service', name: svc.name, engineName: svc.engineName, id: live.id, newEngineName: svc.engineName, dataLoss: false, reason: adoption + verdict.reason, fields: verdict.fields });
      outcome.recreated.add(svc.name);
      continue;
    }
    if (onReplacedNetwork.length === 0 && holdRollout(b, id, spec, live, verdict.action === 'update', retryFailed)) {
      if (context.replace.has(id)) b.problem('warning', id, `--replace ${id}: not done: its update is held back (see the other warning); add --retry-failed to send it anyway`);
      continue;
    }
    const retry = verdict.action === 'none' && retryFailed && isPaused(live);
    const restart = context.replace.has(id);
    if (verdict.action === 'none' && onReplacedNetwork.length === 0 && !retry && !restart && adopted === undefined) continue;
    let detach: string | undefined;
    if (onReplacedNetwork.length > 0) {
      // The Engine refuses to remove a network a service uses: move the service off it first,
      // then back onto the new network with the final spec.
      const networks = Object.fromEntries(Object.entries(live.spec.networks).filter(([n]) => !replacedNetworks.has(n)));
      const detachSpec: ServiceSpec = { ...live.spec, networks };
      detach = b.add(id, 'detach', { op: 'service.update', engineName: svc.engineName, id: live.id, version: live.version, spec: detachSpec });
      for (const n of onReplacedNetwork) b.release(res('network', n), detach);
    }
    const update = b.add(
      id,
      'update',
      { op: 'service.update', engineName: svc.engineName, id: live.id, version: detach === undefined ? live.version : null, spec, ...(retry || restart ? { bumpForceUpdate: true as const } : {}) },
      [detach, ...serviceDeps(b, id, spec)],
    );
    releaseServiceRefs(b, update, live.spec, spec);
    releasePreviousRefs(b, update, live);
    outcome.updated.add(svc.name);
    const reason = verdict.action === 'update'
      ? verdict.reason + (onReplacedNetwork.length > 0 ? '; its network is replaced' : '')
      : onReplacedNetwork.length > 0
        ? `network ${onReplacedNetwork.join(', ')} is replaced`
        : retry
          ? `its paused rollout is restarted (--retry-failed): ${live.updateStatus?.message ?? ''}`
          : restart
            ? ''
            : 'its spec is the manifest\'s already (only moor\'s labels are added)';
    const restarted = restart ? `${reason === '' ? '' : `${reason}; `}every task is replaced (--replace: Swarm restarts them following update_config)` : reason;
    b.change({ action: 'update', kind: 'service', name: svc.name, engineName: svc.engineName, id: live.id, reason: adoption + restarted, fields: verdict.action === 'update' ? verdict.fields : [] });
  }
  for (const svc of Object.values(desired.services)) {
    const key = createKeys.get(svc.name);
    if (key === undefined) continue;
    for (const dep of svc.dependsOn) b.dependOn(key, createKeys.get(dep));
  }
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Containers

function containerDeps(b: Builder, object: ObjectId, spec: ContainerSpec): (string | undefined)[] {
  return [
    imageDep(b, spec.image, object),
    ...Object.keys(spec.networks).map((n) => b.provider(res('network', n))),
    ...spec.mounts.map((m) => (m.type === 'volume' ? b.provider(res('volume', m.source)) : undefined)),
  ];
}

function releaseContainer(b: Builder, key: string, live: ObservedContainer): void {
  if (live.spec === null) return;
  for (const n of Object.keys(live.spec.networks)) b.release(res('network', n), key);
  for (const m of live.spec.mounts) if (m.type === 'volume' && m.source !== '') b.release(res('volume', m.source), key);
}

/**
 * Stops and removes a live container (and its anonymous volumes, when `volumes`); returns the key
 * of the removal. Its stop frees the host ports it publishes.
 */
function removeContainer(b: Builder, id: ObjectId, suffix: string, live: ObservedContainer, volumes: boolean, after: (string | undefined)[] = []): string {
  const stop = b.add(id, `stop${suffix}`, { op: 'container.stop', engineName: live.engineName, timeout: live.spec?.stopGracePeriod ?? null }, after);
  b.freesPorts(live, stop);
  const remove = b.add(id, `remove${suffix}`, { op: 'container.remove', engineName: live.engineName, ...(volumes ? { volumes: Object.values(live.anonymousVolumes) } : {}) }, [stop]);
  releaseContainer(b, remove, live);
  return remove;
}

/** A change's notes on a container's anonymous volumes: one line each, saying what becomes of it. */
function anonymousVolumeNotes(live: ObservedContainer, fate: (target: string) => string): { notes?: string[] } {
  const notes = Object.entries(live.anonymousVolumes).map(([target, volume]) => `anonymous volume at ${target} (${volume.slice(0, 12)}): ${fate(target)}`);
  return notes.length === 0 ? {} : { notes };
}

/**
 * The anonymous volumes of a replaced container its replacement takes over, as docker compose up
 * does: where the new spec mounts an anonymous volume too, or mounts nothing and the image may
 * declare a VOLUME (decided once it is pulled). One where the new spec mounts something else is
 * removed with the previous container.
 */
function carriedVolumes(live: ObservedContainer, spec: ContainerSpec): CarriedVolume[] {
  const carried: CarriedVolume[] = [];
  for (const [target, volume] of Object.entries(live.anonymousVolumes)) {
    const wanted = spec.mounts.find((m) => m.target === target);
    if (wanted === undefined) carried.push({ target, volume, ifImageDeclares: true });
    else if (wanted.type === 'volume' && wanted.source === '') carried.push({ target, volume, ifImageDeclares: false });
  }
  return carried;
}

/** Plans the containers; returns the keys of the start steps, by container name. */
function planContainers(b: Builder, desired: DesiredProject, observed: ObservedProject, specs: Map<string, ContainerSpec>, context: WorkloadContext): Map<string, string> {
  /** Logical name -> the key of its start step, when the plan starts it. */
  const starts = new Map<string, string>();
  for (const ctr of Object.values(desired.containers)) {
    const spec = specs.get(ctr.name) as ContainerSpec;
    const id = objectId('container', ctr.name);
    const owned = observed.containers.filter((c) => c.name === ctr.name);
    const live = owned.find((c) => c.engineName === ctr.engineName);
    // WARNING: a leftover of a replace interrupted after its create holds the temporary name the
    // new replacement will use (it is derived from the old container's id): the create must wait
    // until the leftover is gone, or it would meet the leftover's name, and the leftover's removal
    // would then remove what the create made.
    const leftovers: string[] = [];
    for (const leftover of owned.filter((c) => c !== live)) {
      // WARNING: its anonymous volumes stay: after a run killed mid-replace, the container aside
      // may be the only one that held them, and the new container does not take them over.
      leftovers.push(removeContainer(b, id, `-leftover-${leftover.id.slice(0, 12)}`, leftover, false));
      // A replacement's new container carries the id it replaces; its previous one is set aside
      // under a name made of its own id (see planContainer). Any other name was given by hand.
      const fromReplace = leftover.replaces !== null || leftover.engineName === `${leftover.id.slice(0, 12)}_previous_${ctr.engineName}`;
      const reason = fromReplace ? 'leftover of an interrupted replace' : `renamed by hand (the manifest names it ${ctr.engineName})`;
      b.change({ action: 'delete', kind: 'container', name: ctr.name, engineName: leftover.engineName, id: leftover.id, reason, fields: [], ...anonymousVolumeNotes(leftover, () => 'kept, unused') });
    }
    const start = planContainer(b, ctr, spec, live, observed, context, leftovers);
    if (start !== undefined) starts.set(ctr.name, start);
  }
  // depends_on: a container starts after the containers it depends on are started, healthy or
  // completed, as its conditions say.
  const waits = new Map<string, string>();
  for (const ctr of Object.values(desired.containers)) {
    const start = starts.get(ctr.name);
    if (start === undefined) continue;
    for (const [dep, { condition }] of Object.entries(ctr.dependsOn)) {
      const depStart = starts.get(dep);
      if (condition === 'service_started') {
        b.dependOn(start, depStart);
        continue;
      }
      // A dependency this plan does not start is waited for too: it may be unhealthy, or still
      // starting (as docker compose up checks it on every run).
      const waitKey = `${dep}:${condition}`;
      let wait = waits.get(waitKey);
      if (wait === undefined) {
        const engineName = (desired.containers[dep] as DesiredContainer).engineName;
        wait = b.add(objectId('container', dep), condition === 'service_healthy' ? 'wait-healthy' : 'wait-completed', { op: 'container.wait', engineName, condition }, [depStart]);
        waits.set(waitKey, wait);
      }
      b.dependOn(start, wait);
    }
  }
  return starts;
}

/**
 * A container the plan starts waits until the containers the plan removes or replaces that publish
 * one of its host ports are stopped: a container renamed (`web` becoming `web_1`), or a port moved
 * from a replaced container to another, would otherwise meet the old holder of the port ("port
 * is already allocated").
 */
function startAfterPortsFreed(b: Builder, specs: Map<string, ContainerSpec>, starts: ReadonlyMap<string, string>): void {
  for (const [name, start] of starts) {
    for (const port of specs.get(name)?.ports ?? []) {
      if (port.published !== null) b.dependOn(start, ...(b.portHolders.get(hostPort(port)) ?? []));
    }
  }
}

/** Every address of the host: a binding there overlaps one of the same port on any address. */
const ANY_ADDRESS = new Set(['', '0.0.0.0', '::']);
const addressesOverlap = (x: string, y: string): boolean => ANY_ADDRESS.has(x) || ANY_ADDRESS.has(y) || x === y;
const showHostPort = (hostIp: string, port: number, protocol: string): string =>
  `${hostIp === '' ? '' : hostIp.includes(':') ? `[${hostIp}]:` : `${hostIp}:`}${port}/${protocol}`;

/**
 * WARNING: a container the plan starts on a host port that a container moor does not own holds
 * fails only at its start ("port is already allocated"): by then a replacement has stopped the
 * container it replaces (and puts it back, restarting it), on every apply and every watch retry.
 * Refused here instead. The same port on two distinct specific addresses does not clash; udp and
 * tcp do not. A foreign service's port on Swarm's routing mesh (ingress) does not stop the start,
 * the Engine allows both, but then the two compete for the port's traffic: a warning.
 */
function checkForeignPorts(b: Builder, specs: Map<string, ContainerSpec>, starts: ReadonlyMap<string, string>, held: readonly ForeignPort[]): void {
  for (const name of [...starts.keys()].sort()) {
    const id = objectId('container', name);
    for (const port of specs.get(name)?.ports ?? []) {
      if (port.published === null) continue;
      const clashes = held.filter((h) => h.port === port.published && h.protocol === port.protocol && addressesOverlap(h.hostIp, port.hostIp));
      const holders = (mode: ForeignPort['mode']): string[] => [...new Set(clashes.filter((h) => h.mode === mode).map((h) => describeForeign(h.holder)))];
      const wanted = showHostPort(port.hostIp, port.published, port.protocol);
      const bound = holders('bind');
      if (bound.length > 0) {
        b.problem('error', id, `host port ${wanted} is held by ${bound.join(', ')}, which moor does not manage: the container could not start ("port is already allocated"); stop or remove that container, or publish another port`);
      }
      const mesh = holders('ingress');
      if (mesh.length > 0) {
        b.problem('warning', id, `host port ${wanted} is published on Swarm's routing mesh by ${mesh.join(', ')}, which moor does not manage: the Engine lets the container bind it too, but then both compete for that port's traffic; publish another port, or change the service's`);
      }
    }
  }
}

/** Plans one desired container; returns the key of its start step, if the plan starts it. */
function planContainer(
  b: Builder,
  ctr: DesiredContainer,
  spec: ContainerSpec,
  live: ObservedContainer | undefined,
  observed: ObservedProject,
  context: WorkloadContext,
  leftovers: readonly string[],
): string | undefined {
  const { replacedNetworks, replacedVolumes } = context;
  const id = objectId('container', ctr.name);
  const create = (engineName: string, replaces: string | null, after: (string | undefined)[] = [], carried: readonly CarriedVolume[] = []): string =>
    b.add(id, 'create', { op: 'container.create', name: ctr.name, engineName, spec, replaces, ...(carried.length === 0 ? {} : { carried }) }, [...after, ...leftovers, ...containerDeps(b, id, spec)]);
  if (live === undefined) {
    const created = create(ctr.engineName, null);
    b.change({ action: 'create', kind: 'container', name: ctr.name, engineName: ctr.engineName, reason: createReason(observed, 'container', ctr.engineName), fields: newFields(spec) });
    return b.add(id, 'start', { op: 'container.start', engineName: ctr.engineName }, [created]);
  }
  const imageId = observed.images.get(imageKey(spec.image)) ?? null;
  let verdict = compareContainer(spec, live, imageId);
  const usesReplacedVolume = spec.mounts.some((m) => m.type === 'volume' && replacedVolumes.has(m.source));
  if (usesReplacedVolume && verdict.action !== 'replace') {
    verdict = { action: 'replace', fields: verdict.action === 'none' ? [] : verdict.fields, reason: 'a volume it mounts is recreated' };
  }
  if (context.replace.has(id) && verdict.action !== 'replace') {
    const also = verdict.action === 'update' ? `; ${verdict.reason}` : '';
    verdict = { action: 'replace', fields: verdict.action === 'none' ? [] : verdict.fields, reason: `replacement asked for (--replace)${also}` };
  }
  if (verdict.action === 'none') {
    const reattach = Object.keys(live.spec?.networks ?? {}).filter((n) => replacedNetworks.has(n));
    if (reattach.length === 0) return undefined;
    verdict = { action: 'update', fields: [], reason: `network ${reattach.join(', ')} is replaced`, updateResources: false, networks: { connect: [], disconnect: [] }, start: false };
  }

  if (verdict.action === 'replace') {
    const attachedToReplaced = [...Object.keys(spec.networks), ...Object.keys(live.spec?.networks ?? {})].some((n) => replacedNetworks.has(n));
    const replaceChange = { action: 'replace', kind: 'container', name: ctr.name, engineName: ctr.engineName, id: live.id, newEngineName: ctr.engineName, dataLoss: false, reason: verdict.reason, fields: verdict.fields } as const;
    const carried = carriedVolumes(live, spec);
    const fate = (otherwise: string) => (target: string): string => {
      const c = carried.find((v) => v.target === target);
      if (c === undefined) return `${otherwise} (the manifest mounts something else there)`;
      return c.ifImageDeclares ? `carried over to the new container if image ${spec.image} declares VOLUME ${target}, else ${otherwise}` : 'carried over to the new container';
    };
    if (attachedToReplaced || usesReplacedVolume) {
      // The old container must be gone before the network/volume it uses can be recreated, and
      // the new one needs the new network/volume: remove first, then create. Its anonymous
      // volumes stay, for the new container to take over; those it does not take are kept unused.
      const downtime = 'removed before the new one is created: a network or volume it uses is recreated';
      const notes = anonymousVolumeNotes(live, fate('kept, unused')).notes ?? [];
      b.change({ ...replaceChange, notes: [downtime, ...notes] });
      const removed = removeContainer(b, id, '-old', live, false);
      return b.add(id, 'start', { op: 'container.start', engineName: ctr.engineName }, [create(ctr.engineName, null, [removed], carried)]);
    }
    // Create-then-swap: if the new container cannot be created, the old one keeps running. The
    // old one is stopped and renamed aside, not removed, until the new one has started (and, with
    // apply --wait, runs as the manifest says: apply/replacements.ts), so that a new container that
    // does not start can be swapped back out. Both names are derived from the old id: a run
    // interrupted in between leaves containers the next plan recognises as leftovers.
    // An anonymous volume the new container surely does not take over goes with the old one.
    const loses = Object.keys(live.anonymousVolumes).some((target) => !carried.some((v) => v.target === target));
    b.change({ ...replaceChange, dataLoss: loses, ...anonymousVolumeNotes(live, fate('removed with the previous container')) });
    const temp = `${live.id.slice(0, 12)}_${ctr.engineName}`;
    const previous = `${live.id.slice(0, 12)}_previous_${ctr.engineName}`;
    const created = create(temp, live.id, [], carried);
    const stopped = b.add(id, 'stop-old', { op: 'container.stop', engineName: live.engineName, timeout: live.spec?.stopGracePeriod ?? null }, [created]);
    b.freesPorts(live, stopped);
    const aside = b.add(id, 'rename-old', { op: 'container.rename', from: live.engineName, to: previous }, [stopped]);
    const renamed = b.add(id, 'rename', { op: 'container.rename', from: temp, to: ctr.engineName }, [aside]);
    const started = b.add(id, 'start', { op: 'container.start', engineName: ctr.engineName }, [renamed]);
    const replacement: ContainerReplacement = {
      engineName: ctr.engineName,
      temporaryName: temp,
      previousName: previous,
      previousId: live.id,
      previousRunning: live.state.running,
      stopTimeout: spec.stopGracePeriod,
    };
    const removed = b.add(id, 'remove-old', { op: 'container.remove-previous', engineName: previous, replacement, volumes: Object.values(live.anonymousVolumes) }, [started]);
    releaseContainer(b, removed, live);
    return started;
  }

  // In-place update.
  const swapNote = spec.memLimit !== null && verdict.updateResources && verdict.fields.some((f) => f.path === 'memLimit')
    ? { notes: [`swap limit set to ${formatBytes(defaultMemorySwap(spec.memLimit))} with it (twice memLimit, as a create sets it)`] }
    : {};
  b.change({ action: 'update', kind: 'container', name: ctr.name, engineName: ctr.engineName, id: live.id, reason: verdict.reason, fields: verdict.fields, ...swapNote });
  const stepsDone: string[] = [];
  if (verdict.updateResources) {
    stepsDone.push(b.add(id, 'update', { op: 'container.update', engineName: ctr.engineName, restart: spec.restart, memLimit: spec.memLimit, cpus: spec.cpus }));
  }
  const disconnect = new Set(verdict.networks.disconnect);
  const connect = new Map(verdict.networks.connect);
  for (const n of Object.keys(live.spec?.networks ?? {})) {
    if (!replacedNetworks.has(n)) continue;
    disconnect.add(n);
    const want = spec.networks[n];
    if (want !== undefined) connect.set(n, want);
  }
  const disconnects = new Map<string, string>();
  for (const n of [...disconnect].sort()) {
    const key = b.add(id, `disconnect:${n}`, { op: 'container.disconnect', engineName: ctr.engineName, network: n });
    b.release(res('network', n), key);
    disconnects.set(n, key);
    stepsDone.push(key);
  }
  for (const [n, attachment] of [...connect].sort(([x], [y]) => x.localeCompare(y))) {
    stepsDone.push(b.add(id, `connect:${n}`, { op: 'container.connect', engineName: ctr.engineName, network: n, attachment }, [disconnects.get(n), b.provider(res('network', n))]));
  }
  if (!verdict.start) return undefined;
  return b.add(id, 'start', { op: 'container.start', engineName: ctr.engineName }, stepsDone);
}

// ---------------------------------------------------------------------------------------------
// Versions of secrets and configs no longer needed

function planVersionGarbage(
  b: Builder,
  desired: DesiredProject,
  observed: ObservedProject,
  r: Resolution,
  services: Map<string, ServiceSpec>,
  outcome: ServiceOutcome,
): void {
  // What services will reference once the plan has run: their new spec, plus their rollback
  // target (Swarm's PreviousSpec), which a rollback would bring back. Deleting a version the
  // rollback target uses would make a rollback fail.
  const inUse = { secret: new Set<string>(), config: new Set<string>() };
  const addRefs = (spec: ServiceSpec | { secrets: readonly { source: string }[]; configs: readonly { source: string }[] }): void => {
    for (const s of spec.secrets) inUse.secret.add(s.source);
    for (const c of spec.configs) inUse.config.add(c.source);
  };
  for (const [name, spec] of services) {
    addRefs(spec);
    const live = observed.services.find((s) => s.name === name);
    if (live === undefined || outcome.recreated.has(name)) continue;
    if (outcome.updated.has(name)) addRefs(live.spec);
    else addRefs({ secrets: live.previousSpecRefs.secrets.map((source) => ({ source })), configs: live.previousSpecRefs.configs.map((source) => ({ source })) });
  }
  for (const kind of ['secret', 'config'] as const) {
    const chosen = new Set((kind === 'secret' ? r.secrets : r.configs).values());
    const live: readonly (ObservedSecret | ObservedConfig)[] = kind === 'secret' ? observed.secrets : observed.configs;
    for (const version of live) {
      if (chosen.has(version.engineName) || inUse[kind].has(version.engineName)) continue;
      const stillDesired = (desired[`${kind}s`] as Record<string, { external: boolean }>)[version.name];
      const id = objectId(kind, version.name);
      // WARNING: Swarm refuses to remove a version a service uses ("in use by the following
      // service"). One moor does not manage is not changed to free it: the version is kept, and
      // removed by the first apply after that service let go of it.
      const users = observed.foreign[`${kind}s`].get(version.engineName) ?? [];
      if (users.length > 0) {
        b.problem('warning', id, `${kind} ${version.engineName} is no longer needed but is kept: ${users.map(describeForeign).join(', ')}, which moor does not manage, uses it (Swarm will not remove it); a later apply removes it once nothing uses it`);
        continue;
      }
      const op: StepOp = kind === 'secret'
        ? { op: 'secret.remove', engineName: version.engineName, id: version.id }
        : { op: 'config.remove', engineName: version.engineName, id: version.id };
      b.removal(res(kind, version.engineName), b.add(id, `remove@${version.engineName}`, op));
      // The version a rotation replaces is removed as part of that change; any older one is a
      // removal of its own, listed and counted.
      const replaced = b.changes.some((c) => c.kind === kind && c.action === 'replace' && c.id === version.id);
      if (stillDesired !== undefined && !stillDesired.external && replaced) continue;
      b.change({ action: 'delete', kind, name: version.name, engineName: version.engineName, id: version.id, reason: stillDesired === undefined ? b.goneReason : 'old version, no longer used', fields: [] });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Owned objects no longer in the manifest

function planRemovals(
  b: Builder,
  desired: DesiredProject,
  observed: ObservedProject,
  ownedById: Map<string, ObservedContainer>,
  options: PlanOptions,
): void {
  const gone = <T extends { name: string }>(live: readonly T[], wanted: Readonly<Record<string, unknown>>): T[] =>
    live.filter((o) => !Object.hasOwn(wanted, o.name));

  // Containers and services go first, dependants before what they depend on.
  const containers = gone(observed.containers, desired.containers);
  const stops = new Map<string, string>();
  const removes = new Map<string, string>();
  for (const live of containers) {
    const id = objectId('container', live.name);
    const suffix = containers.filter((c) => c.name === live.name).length > 1 ? `-${live.id.slice(0, 12)}` : '';
    const remove = removeContainer(b, id, suffix, live, options.pruneVolumes);
    stops.set(live.name, `${id}:stop${suffix}`);
    removes.set(live.name, remove);
    const fate = options.pruneVolumes ? 'removed with the container' : 'kept, unused';
    b.change({ action: 'delete', kind: 'container', name: live.name, engineName: live.engineName, id: live.id, reason: b.goneReason, fields: [], ...anonymousVolumeNotes(live, () => fate) });
  }
  for (const live of containers) {
    for (const dep of live.dependsOn) {
      const stop = stops.get(dep);
      if (stop !== undefined) b.dependOn(stop, removes.get(live.name));
    }
  }
  const services = gone(observed.services, desired.services);
  const serviceRemoves = new Map<string, string>();
  for (const live of services) {
    const key = b.add(objectId('service', live.name), 'remove', { op: 'service.remove', engineName: live.engineName, id: live.id });
    releaseServiceRefs(b, key, live.spec, null);
    releasePreviousRefs(b, key, live);
    serviceRemoves.set(live.name, key);
    b.change({ action: 'delete', kind: 'service', name: live.name, engineName: live.engineName, id: live.id, reason: b.goneReason, fields: [] });
  }
  for (const live of services) {
    for (const dep of live.dependsOn) {
      const remove = serviceRemoves.get(dep);
      if (remove !== undefined) b.dependOn(remove, serviceRemoves.get(live.name));
    }
  }

  const networks = gone(observed.networks, desired.networks);
  for (const live of networks) {
    checkForeignAttachments(b, live, ownedById, observed.foreign, 'removed');
    const suffix = networks.filter((n) => n.name === live.name).length > 1 ? `-${live.id.slice(0, 12)}` : '';
    b.removal(res('network', live.engineName), b.add(objectId('network', live.name), `remove${suffix}`, { op: 'network.remove', engineName: live.engineName, id: live.id }));
    b.change({ action: 'delete', kind: 'network', name: live.name, engineName: live.engineName, id: live.id, reason: b.goneReason, fields: [] });
  }
  for (const live of gone(observed.volumes, desired.volumes)) {
    const id = objectId('volume', live.name);
    if (!options.pruneVolumes) {
      b.problem('warning', id, b.teardown
        ? `volume ${live.engineName} is kept with its data (moor destroy --volumes deletes it)`
        : `volume ${live.engineName} is no longer in the manifest; kept with its data (use --prune-volumes to delete it)`);
      continue;
    }
    checkForeignMounts(b, observed, live.name, live.engineName, 'deleted');
    b.removal(res('volume', live.engineName), b.add(id, 'remove', { op: 'volume.remove', engineName: live.engineName }));
    b.change({ action: 'delete', kind: 'volume', name: live.name, engineName: live.engineName, id: live.engineName, reason: `${b.goneReason} (${b.teardown ? '--volumes' : '--prune-volumes'}: its data is deleted)`, fields: [] });
  }
}

/**
 * What a saved plan depends on, as a hash: the project's own objects (ids, versions, states) and
 * the images its manifest names. Other objects on the Engine (another project's, images nobody
 * here uses) do not make a plan stale.
 */
function fingerprintObserved(observed: ObservedProject, desired: DesiredProject): string {
  const imageKeys = [...new Set([...Object.values(desired.containers).map((c) => c.spec.image), ...Object.values(desired.services).map((s) => s.spec.image)].map(imageKey))].sort();
  // The services --adopt could take over (only when there are any: older saved plans keep their fingerprint).
  const wanted = new Set(Object.values(desired.services).map((s) => s.engineName));
  const adoptable = observed.adoptable.filter((s) => wanted.has(s.engineName)).map((s) => [s.engineName, s.id, s.version]);
  return specHash({
    ...(adoptable.length === 0 ? {} : { adoptable }),
    engine: observed.engine.swarm,
    networks: observed.networks.map((n) => [n.engineName, n.id]),
    volumes: observed.volumes.map((v) => [v.engineName, v.spec]),
    secrets: observed.secrets.map((s) => [s.engineName, s.id, s.version]),
    configs: observed.configs.map((c) => [c.engineName, c.id, c.version]),
    containers: observed.containers.map((c) => [c.engineName, c.id, c.state.status, c.spec === null ? null : specHash(c.spec)]),
    services: observed.services.map((s) => [s.engineName, s.id, s.version]),
    images: imageKeys.map((key) => [key, observed.images.get(key) ?? null]),
  });
}

