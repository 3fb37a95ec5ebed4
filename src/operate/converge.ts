// Convergence: is a container or service that apply just created, updated or replaced running as
// it should, and if not, why? Pure judgement over the runtime facts (model/runtime.ts); the wait
// loop (wait.ts) polls and calls it, `moor status` uses the same words.
//
// The rules (research 1.2, 4.5; docker/cli's service progress):
//   - a container: running (and healthy when it has a healthcheck), or a one-shot container
//     (restart no / on-failure) that exited 0. Unhealthy, paused, or exited for good is a failure;
//   - a service: as many running tasks *on its current spec* (the Engine's `_up-to-date`) as it
//     wants: its replicas, or for a global service the nodes its placement allows. 0 wanted is
//     converged at once (no settle window). In Swarm a task with a healthcheck is only `running` once healthy;
//   - UpdateStatus `paused`, `rollback_paused` and `rollback_completed` are failures (a rollback
//     is Swarm saying the new spec does not work), `updating` and `rollback_started` are pending;
//   - what looks converged must stay so for a settle window (a task that crashes a second after it
//     started looks fine at first): a service's update monitor (Swarm's default 5 s) unless Swarm
//     already reported the update `completed` (it monitored it itself), one second for a container
//     (ten once it has restarted: a crash loop of short runs must not pass between two crashes).
//
// Must not: read the Engine, sleep, or look at the clock.
import type { ServiceSpec } from '../model/desired.js';
import type { ObjectKind } from '../model/kinds.js';
import type { ContainerRuntime, NodeFacts, ServiceRuntime, TaskFacts } from '../model/runtime.js';

/** Swarm's default UpdateConfig.Monitor. */
export const SWARM_DEFAULT_MONITOR_MS = 5_000;
/** How long a container must keep running (and not restart) before it counts as converged. */
export const CONTAINER_SETTLE_MS = 1_000;
/**
 * The same for a container that has restarted: 10 s, Docker's own measure of a start that worked
 * (a container that ran that long has its restart backoff reset). A crash loop whose runs last a
 * second or two would otherwise pass the short window between two crashes.
 */
export const RESTARTED_CONTAINER_SETTLE_MS = 10_000;
/** How many failing tasks a report lists. */
const MAX_TASK_ERRORS = 3;

export type Phase = 'pending' | 'converged' | 'failed';

export interface Assessment {
  readonly phase: Phase;
  /** The state in a few words: "running, healthy", "2/3 tasks running", "exited with code 1". */
  readonly summary: string;
  /** Why it is not converged yet (pending), or what failed; null when converged. */
  readonly reason: string | null;
  /** More lines for a failure or a timeout: the failing tasks' errors. */
  readonly details: readonly string[];
  /** How long it must look converged before it counts, in ms. */
  readonly settleMs: number;
  /**
   * What must not change during the settle window (restarts, the set of running tasks): a
   * container that restarted or a task that was replaced starts the window again.
   */
  readonly stability: string;
  /** A service whose rollout Swarm rolled back: Swarm's reason (flap protection records it); else null. */
  readonly rollback: string | null;
}

function assessment(phase: Phase, summary: string, reason: string | null, more: Partial<Pick<Assessment, 'details' | 'settleMs' | 'stability' | 'rollback'>> = {}): Assessment {
  return { phase, summary, reason, details: more.details ?? [], settleMs: more.settleMs ?? 0, stability: more.stability ?? '', rollback: more.rollback ?? null };
}

/** What apply changed, and so what `--wait` waits for. */
export interface WaitTarget {
  readonly kind: Extract<ObjectKind, 'container' | 'service'>;
  readonly name: string;
  readonly engineName: string;
  readonly action: 'create' | 'update' | 'replace' | 'held';
  /** Services: the io.moor.spec-hash of the spec apply sent (null for containers and held services). */
  readonly specHash: string | null;
  /** Held services: what the plan says about it (a failure of the wait from the start). */
  readonly held?: { readonly summary: string; readonly reason: string };
}

// ---------------------------------------------------------------------------------------------
// Containers

export function assessContainer(rt: ContainerRuntime | undefined): Assessment {
  if (rt === undefined) return assessment('pending', 'not found', 'the container is not on the Engine');
  const st = rt.container.state;
  const restart = rt.container.spec?.restart ?? { name: 'no', maxRetries: 0 };
  const stability = `${st.startedAt}/${st.restartCount}`;
  const restarts = st.restartCount === 0 ? '' : `, ${st.restartCount} restart${st.restartCount === 1 ? '' : 's'}`;
  if (st.status === 'paused') return assessment('failed', 'paused', 'the container is paused');
  if (st.status === 'restarting') {
    return assessment('pending', `restarting (exit code ${st.exitCode}${restarts})`, `it keeps exiting (last exit code ${st.exitCode}); Docker restarts it (restart: ${restart.name})`);
  }
  if (st.running) {
    const settleMs = st.restartCount === 0 ? CONTAINER_SETTLE_MS : RESTARTED_CONTAINER_SETTLE_MS;
    if (st.health === null) return assessment('converged', `running${restarts}`, null, { settleMs, stability });
    if (st.health === 'healthy') return assessment('converged', `running, healthy${restarts}`, null, { settleMs, stability });
    const check = rt.healthOutput === null ? '' : `; last check: ${rt.healthOutput}`;
    if (st.health === 'starting') return assessment('pending', 'running, health: starting', `its healthcheck has not passed yet${check}`);
    return assessment('failed', 'running, unhealthy', `its healthcheck fails${check}`);
  }
  if (st.status === 'created') return assessment('pending', 'created, not started', 'the container was not started');
  // exited or dead
  if (st.exitCode === 0 && (restart.name === 'no' || restart.name === 'on-failure')) return assessment('converged', 'completed (exit code 0)', null);
  const willRestart = restart.name === 'always' || restart.name === 'unless-stopped' || (restart.name === 'on-failure' && (restart.maxRetries === 0 || st.restartCount < restart.maxRetries));
  if (willRestart && st.status !== 'dead') {
    return assessment('pending', `exited with code ${st.exitCode}${restarts}`, `it exited with code ${st.exitCode}; Docker restarts it (restart: ${restart.name})`);
  }
  return assessment('failed', `${st.status} with code ${st.exitCode}${restarts}`, `it ${st.status === 'dead' ? 'is dead' : 'exited'} with code ${st.exitCode}${st.finishedAt === '' ? '' : ` at ${st.finishedAt}`}`);
}

// ---------------------------------------------------------------------------------------------
// Services

const ACTIVE_TASK_STATES = new Set(['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);

/** Whether a placement constraint (`node.role==manager`, `node.labels.zone!=b`...) allows a node, as swarmkit decides. */
export function constraintMatches(constraint: string, node: NodeFacts): boolean {
  const m = /^\s*([^=!\s]+)\s*(==|!=)\s*(.*?)\s*$/.exec(constraint);
  if (m === null) return false;
  const [, rawKey = '', operator, expected = ''] = m;
  const key = rawKey.toLowerCase();
  let actual: string | undefined;
  if (key === 'node.id') actual = node.id;
  else if (key === 'node.hostname') actual = node.hostname;
  else if (key === 'node.role') actual = node.role;
  else if (key === 'node.platform.os') actual = node.os;
  else if (key === 'node.platform.arch') actual = node.arch;
  else if (key.startsWith('node.labels.')) actual = node.labels[rawKey.slice('node.labels.'.length)];
  else if (key.startsWith('engine.labels.')) actual = node.engineLabels[rawKey.slice('engine.labels.'.length)];
  else return false; // swarmkit: a key it does not know matches no node
  // swarmkit compares case-insensitively; a missing label equals nothing.
  const equal = actual !== undefined && actual.toLowerCase() === expected.toLowerCase();
  return operator === '==' ? equal : !equal;
}

/** The nodes a global service runs a task on: ready, active, and allowed by its constraints. */
export function eligibleNodes(nodes: readonly NodeFacts[], constraints: readonly string[]): NodeFacts[] {
  return nodes.filter((n) => n.state === 'ready' && n.availability === 'active' && constraints.every((c) => constraintMatches(c, n)));
}

/** How many running tasks a service wants. */
export function desiredTasks(spec: ServiceSpec, nodes: readonly NodeFacts[]): number {
  return spec.mode === 'global' ? eligibleNodes(nodes, spec.placement.constraints).length : (spec.replicas ?? 1);
}

export function isRunningTask(t: TaskFacts): boolean {
  return t.upToDate && t.desiredState === 'running' && t.state === 'running';
}

/** One line about a task that failed or cannot run: `task abc123def456 (slot 1) failed: task: non-zero exit (1), exit code 1`. */
export function describeTask(t: TaskFacts): string {
  const slot = t.slot === null ? '' : ` (slot ${t.slot})`;
  const what = t.error ?? (t.message === '' ? t.state : t.message);
  const exit = t.exitCode === null || t.exitCode === 0 ? '' : `, exit code ${t.exitCode}`;
  return `task ${t.id.slice(0, 12)}${slot} ${t.state}: ${what}${exit}`;
}

/**
 * The newest tasks that failed, were rejected, or cannot be scheduled (newest first). A task Swarm
 * shut down itself (an update replacing it) is not a failure, whatever its exit code (a process
 * that ignores SIGTERM is killed: 137).
 */
export function failingTasks(tasks: readonly TaskFacts[]): TaskFacts[] {
  return tasks
    .filter((t) => t.error !== null || t.state === 'failed' || t.state === 'rejected' || t.state === 'orphaned')
    .sort((a, b) => b.timestamp.localeCompare(a.timestamp))
    .slice(0, MAX_TASK_ERRORS);
}

/** The update monitor of a service, in ms: how long Swarm watches new tasks for failure. */
function monitorMs(spec: ServiceSpec): number {
  const monitor = spec.updateConfig?.monitor;
  return monitor === undefined || monitor === 0 ? SWARM_DEFAULT_MONITOR_MS : Math.round(monitor / 1e6);
}

/**
 * `rollbackMessage`: Swarm's reason for a rollback as seen while it ran. Once the rollback is
 * complete, UpdateStatus only says "rollback completed"; the reason ("update rolled back due to
 * failure or early termination of task ...") is only there while it is `rollback_started`.
 */
export function assessService(target: WaitTarget, rt: ServiceRuntime | undefined, nodes: readonly NodeFacts[], rollbackMessage: string | null = null): Assessment {
  if (rt === undefined) return assessment('pending', 'not found', 'the service is not on the Engine');
  const { service, tasks } = rt;
  const status = service.updateStatus;
  const failing = failingTasks(tasks).map(describeTask);
  const because = (message: string): string => (rollbackMessage !== null && rollbackMessage !== message ? `${rollbackMessage} (${message})` : message);
  switch (status?.state) {
    case 'rollback_completed':
      return assessment('failed', 'rolled back', `Swarm rolled the update back: ${because(status.message)}`, { details: failing, rollback: because(status.message) });
    case 'rollback_paused':
      return assessment('failed', 'rollback paused', `Swarm paused the rollback of the update: ${because(status.message)}`, { details: failing });
    case 'paused':
      return assessment('failed', 'update paused', `Swarm paused the update: ${status.message}`, { details: failing });
    case 'rollback_started':
      return assessment('pending', 'rolling back', `Swarm is rolling the update back: ${status.message}`, { details: failing });
    default:
      break;
  }
  if (target.specHash !== null && service.specHash !== target.specHash) {
    return assessment('failed', 'changed', 'the service was changed by someone else while moor waited (its spec is not the one apply sent)');
  }
  const desired = desiredTasks(service.spec, nodes);
  const running = tasks.filter(isRunningTask);
  const summary = `${running.length}/${desired} task${desired === 1 ? '' : 's'} running`;
  const lastError = failing[0] === undefined ? null : `last task error: ${failing[0]}`;
  if (status?.state === 'updating') {
    return assessment('pending', `${summary}, updating`, [`Swarm is updating it (${status.message})`, lastError].filter((x) => x !== null).join('; '), { details: failing });
  }
  if (running.length >= desired) {
    // 0 wanted tasks (replicas: 0, or a global service no node may run) is converged at once:
    // there is no task to watch for a crash.
    const settleMs = status?.state === 'completed' || desired === 0 ? 0 : monitorMs(service.spec);
    return assessment('converged', summary, null, { settleMs, stability: running.map((t) => t.id).sort().join(',') });
  }
  const starting = tasks.filter((t) => t.upToDate && t.desiredState === 'running' && ACTIVE_TASK_STATES.has(t.state));
  const notYet = starting.length === 0 ? null : `${starting.length} task${starting.length === 1 ? '' : 's'} ${[...new Set(starting.map((t) => t.state))].join('/')}`;
  return assessment('pending', summary, [notYet, lastError].filter((x) => x !== null).join('; ') || 'waiting for tasks', { details: failing });
}
