// projectStatus: what `moor status` shows. Every object of the project, from the manifest and from
// the Engine, with its live state and whether it matches the manifest. Drift is not computed
// again here: it is the plan's own diff (a change or a problem about an object is its drift), so
// status and plan can never disagree.
//
// Pure: the CLI observes, plans and reads the runtime, then calls this.
import type { ChangeAction, FieldChange, PlanProblem } from '../diff/changes.js';
import type { DesiredProject } from '../model/desired.js';
import { objectId, OBJECT_KINDS, type ObjectKind } from '../model/kinds.js';
import type { ObservedContainer, ObservedProject, ObservedService, UpdateState } from '../model/observed.js';
import type { RuntimeSnapshot, ServiceRuntime } from '../model/runtime.js';
import type { Plan } from '../plan/build.js';
import { describeTask, desiredTasks, failingTasks, isRunningTask } from './converge.js';

/** in_sync: as the manifest says; drifted: apply would change it; missing: apply would create it; not_in_manifest: owned, not in the manifest. */
export type SyncState = 'in_sync' | 'drifted' | 'missing' | 'not_in_manifest';

export interface ContainerFacts {
  readonly status: string;
  readonly running: boolean;
  readonly health: 'starting' | 'healthy' | 'unhealthy' | null;
  readonly restartCount: number;
  readonly exitCode: number;
  readonly startedAt: string;
  readonly finishedAt: string;
}

export interface ServiceFacts {
  readonly mode: 'replicated' | 'global';
  readonly runningTasks: number;
  readonly desiredTasks: number;
  readonly updateState: UpdateState | null;
  readonly updateMessage: string | null;
  readonly lastTaskError: string | null;
  /**
   * The last rollout Swarm rolled back, as moor recorded it, while the manifest still asks for
   * that spec (the plan holds it back); null once the manifest moved on, record or not.
   */
  readonly failedRollout: { readonly message: string } | null;
}

export interface ObjectStatus {
  readonly kind: ObjectKind;
  readonly name: string;
  /** Its Engine name (the newest version, for secrets and configs); null when it does not exist. */
  readonly engineName: string | null;
  readonly inManifest: boolean;
  readonly sync: SyncState;
  /** What apply would do about it, and why; null when in sync. */
  readonly drift: { readonly action: ChangeAction | null; readonly reason: string; readonly fields: readonly FieldChange[] } | null;
  /** The live state in a few words: "running, healthy", "1/3 tasks running", "exited (code 1)". */
  readonly state: string;
  readonly container: ContainerFacts | null;
  readonly service: ServiceFacts | null;
}

export interface ProjectStatus {
  readonly project: string;
  /** In kind order (networks, volumes, secrets, configs, containers, services), then by name. */
  readonly objects: readonly ObjectStatus[];
  readonly summary: Readonly<Record<SyncState, number>>;
  /** The plan's problems (conflicts, held rollouts, kept volumes...). */
  readonly problems: readonly PlanProblem[];
}

function containerFacts(c: ObservedContainer): ContainerFacts {
  const s = c.state;
  return { status: s.status, running: s.running, health: s.health, restartCount: s.restartCount, exitCode: s.exitCode, startedAt: s.startedAt, finishedAt: s.finishedAt };
}

function containerState(c: ObservedContainer): string {
  const s = c.state;
  const restarts = s.restartCount === 0 ? '' : `, ${s.restartCount} restart${s.restartCount === 1 ? '' : 's'}`;
  const health = s.health === null ? '' : s.health === 'starting' ? ', health: starting' : `, ${s.health}`;
  if (s.running) return `${s.status}${health}${restarts}`;
  return `${s.status}${s.status === 'created' ? '' : ` (code ${s.exitCode})`}${restarts}`;
}

function serviceFacts(live: ObservedService, rt: ServiceRuntime | undefined, runtime: RuntimeSnapshot, held: boolean): ServiceFacts {
  const tasks = rt?.tasks ?? [];
  const failing = failingTasks(tasks)[0];
  return {
    mode: live.spec.mode,
    runningTasks: tasks.filter(isRunningTask).length,
    desiredTasks: desiredTasks(live.spec, runtime.nodes),
    updateState: live.updateStatus?.state ?? null,
    updateMessage: live.updateStatus?.message ?? null,
    lastTaskError: failing === undefined ? null : describeTask(failing),
    failedRollout: live.failedRollout === null || !held ? null : { message: live.failedRollout.message },
  };
}

function serviceState(f: ServiceFacts): string {
  const parts = [`${f.runningTasks}/${f.desiredTasks} task${f.desiredTasks === 1 ? '' : 's'} running`];
  if (f.updateState !== null && f.updateState !== 'completed') parts.push(`update ${f.updateState.replace('_', ' ')}: ${f.updateMessage ?? ''}`);
  if (f.failedRollout !== null) parts.push(`last rollout rolled back: ${f.failedRollout.message}`);
  if (f.lastTaskError !== null && f.runningTasks < f.desiredTasks) parts.push(`last task error: ${f.lastTaskError}`);
  return parts.join('; ');
}

interface Row {
  kind: ObjectKind;
  name: string;
  inManifest: boolean;
  engineName: string | null;
  state: string;
  container: ContainerFacts | null;
  service: ServiceFacts | null;
}

/**
 * The rows: one per logical name and kind, from the manifest and the Engine. `held`: the services
 * whose update the plan holds back (problem `rollout-held`).
 */
function rows(desired: DesiredProject, observed: ObservedProject, runtime: RuntimeSnapshot, held: ReadonlySet<string>): Row[] {
  const out: Row[] = [];
  const add = (kind: ObjectKind, names: Iterable<string>, describe: (name: string) => Omit<Row, 'kind' | 'name' | 'inManifest'>, inManifest: (name: string) => boolean): void => {
    for (const name of [...new Set(names)].sort()) out.push({ kind, name, inManifest: inManifest(name), ...describe(name) });
  };
  const managed = (r: Readonly<Record<string, { external: boolean }>>): string[] => Object.keys(r).filter((k) => r[k]?.external === false);
  const none = { container: null, service: null };

  add('network', [...managed(desired.networks), ...observed.networks.map((n) => n.name)], (name) => {
    const live = observed.networks.find((n) => n.name === name);
    return { engineName: live?.engineName ?? null, state: live === undefined ? 'not created' : `${live.spec.driver}, ${live.scope}`, ...none };
  }, (name) => desired.networks[name] !== undefined);
  add('volume', [...managed(desired.volumes), ...observed.volumes.map((v) => v.name)], (name) => {
    const live = observed.volumes.find((v) => v.name === name);
    return { engineName: live?.engineName ?? null, state: live === undefined ? 'not created' : live.spec.driver, ...none };
  }, (name) => desired.volumes[name] !== undefined);
  for (const kind of ['secret', 'config'] as const) {
    const live = kind === 'secret' ? observed.secrets : observed.configs;
    add(kind, [...managed(desired[`${kind}s`]), ...live.map((o) => o.name)], (name) => {
      const versions = live.filter((o) => o.name === name).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      const state = versions.length === 0 ? 'not created' : `${versions.length} version${versions.length === 1 ? '' : 's'}`;
      return { engineName: versions[0]?.engineName ?? null, state, ...none };
    }, (name) => desired[`${kind}s`][name] !== undefined);
  }
  add('container', [...Object.keys(desired.containers), ...observed.containers.map((c) => c.name)], (name) => {
    const all = observed.containers.filter((c) => c.name === name);
    const live = all.find((c) => c.engineName === desired.containers[name]?.engineName) ?? all[0];
    return live === undefined
      ? { engineName: null, state: 'not created', ...none }
      : { engineName: live.engineName, state: containerState(live), container: containerFacts(live), service: null };
  }, (name) => desired.containers[name] !== undefined);
  add('service', [...Object.keys(desired.services), ...observed.services.map((s) => s.name)], (name) => {
    const live = observed.services.find((s) => s.name === name);
    if (live === undefined) return { engineName: null, state: 'not created', ...none };
    const facts = serviceFacts(live, runtime.services.find((s) => s.service.id === live.id), runtime, held.has(objectId('service', name)));
    return { engineName: live.engineName, state: serviceState(facts), container: null, service: facts };
  }, (name) => desired.services[name] !== undefined);
  return out;
}

export function projectStatus(desired: DesiredProject, observed: ObservedProject, runtime: RuntimeSnapshot, plan: Plan): ProjectStatus {
  // WARNING: the io.moor.failed-* labels stay on a service until an update is sent to it, and a
  // manifest reverted to the running spec sends none: a record is only news while the plan still
  // holds its spec back, as it does exactly when the manifest asks for the spec that failed.
  const held = new Set(plan.problems.flatMap((p) => (p.code === 'rollout-held' && p.object !== null ? [p.object] : [])));
  const objects: ObjectStatus[] = rows(desired, observed, runtime, held).map((row) => {
    const id = objectId(row.kind, row.name);
    const changes = plan.changes.filter((c) => objectId(c.kind, c.name) === id);
    // Old secret and config versions waiting for deletion are housekeeping, not drift.
    const change = changes.find((c) => c.action !== 'delete') ?? changes.find((c) => c.action === 'delete' && (!row.inManifest || row.kind === 'container'));
    const problem = plan.problems.find((p) => p.object === id);
    let sync: SyncState;
    if (!row.inManifest) sync = 'not_in_manifest';
    else if (change?.action === 'create') sync = 'missing';
    else if (change !== undefined || problem !== undefined) sync = 'drifted';
    else sync = 'in_sync';
    const drift = change !== undefined
      ? { action: change.action, reason: change.reason, fields: change.fields }
      : problem !== undefined
        ? { action: null, reason: problem.message, fields: [] }
        : null;
    return { kind: row.kind, name: row.name, engineName: row.engineName, inManifest: row.inManifest, sync, drift, state: row.state, container: row.container, service: row.service };
  });
  const order = (kind: ObjectKind): number => OBJECT_KINDS.indexOf(kind);
  objects.sort((a, b) => order(a.kind) - order(b.kind) || a.name.localeCompare(b.name));
  const summary: Record<SyncState, number> = { in_sync: 0, drifted: 0, missing: 0, not_in_manifest: 0 };
  for (const o of objects) summary[o.sync] += 1;
  return { project: desired.project, objects, summary, problems: plan.problems };
}
