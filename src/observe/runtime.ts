// observeRuntime: the read behind `apply --wait` (polled) and `moor status`: the state of the
// project's containers (inspect: health, restarts, exit code) and services (spec, UpdateStatus,
// and their tasks, current and historical, marked up to date or not), and the Swarm nodes when a
// global service is read. A few requests per poll whatever the number of tasks:
//   containers: one inspect each; services: one list, two task lists (all, and `_up-to-date`);
//   nodes: one list.
//
// Must not: write anything; judge what it reads (operate/ does).
import type { EngineClient } from '../engine/client.js';
import { isEngineError } from '../engine/errors.js';
import type { ContainerInspect, Service, SwarmNode, Task } from '../engine/types.js';
import { observeContainer, observeService } from '../convert/from-engine.js';
import { isOwnedBy, LABEL_PROJECT } from '../model/labels.js';
import type { ContainerRuntime, NodeFacts, RuntimeSnapshot, ServiceRuntime, TaskFacts } from '../model/runtime.js';

export interface RuntimeQuery {
  /** Engine names of the containers to read; all of the project's when not given. */
  readonly containers?: readonly string[];
  /** Engine names of the services to read; all of the project's when not given. */
  readonly services?: readonly string[];
  readonly signal?: AbortSignal;
}

type Reads = { signal?: AbortSignal };

async function inspectOwned(engine: EngineClient, project: string, name: string, opts: Reads): Promise<ContainerInspect | null> {
  try {
    const c = await engine.containers.inspect(name, opts);
    return isOwnedBy(c.Config.Labels, project) ? c : null;
  } catch (err: unknown) {
    if (isEngineError(err, 'not-found')) return null;
    throw err;
  }
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function lastHealthOutput(c: ContainerInspect): string | null {
  const log = record(c.State.Health)['Log'];
  if (!Array.isArray(log) || log.length === 0) return null;
  const output = record(log[log.length - 1])['Output'];
  return typeof output === 'string' && output.trim() !== '' ? output.trim().slice(0, 500) : null;
}

function taskFacts(t: Task, upToDate: ReadonlySet<string>): TaskFacts {
  const exitCode = t.Status.ContainerStatus?.ExitCode;
  const state = t.Status.State;
  return {
    id: t.ID,
    slot: typeof t.Slot === 'number' && t.Slot > 0 ? t.Slot : null,
    nodeId: t.NodeID ?? null,
    desiredState: t.DesiredState,
    state,
    message: t.Status.Message ?? '',
    error: t.Status.Err === undefined || t.Status.Err === '' ? null : t.Status.Err,
    // A running task reports exit code 0: it has not exited.
    exitCode: typeof exitCode === 'number' && !['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running'].includes(state) ? exitCode : null,
    timestamp: t.Status.Timestamp ?? '',
    upToDate: upToDate.has(t.ID),
  };
}

function nodeFacts(n: SwarmNode): NodeFacts {
  const description = record(n.Description);
  const platform = record(description['Platform']);
  const engineLabels = record(record(description['Engine'])['Labels']);
  const strings = (r: Record<string, unknown>): Record<string, string> =>
    Object.fromEntries(Object.entries(r).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return {
    id: n.ID,
    hostname: n.Description?.Hostname ?? '',
    role: n.Spec.Role ?? 'worker',
    availability: n.Spec.Availability ?? 'active',
    state: n.Status.State,
    labels: strings(record(n.Spec.Labels)),
    engineLabels: strings(engineLabels),
    os: typeof platform['OS'] === 'string' ? platform['OS'] : '',
    arch: typeof platform['Architecture'] === 'string' ? platform['Architecture'] : '',
  };
}

/** The project's services; none when this Engine has no Swarm to ask (not a manager, Swarm off). */
async function listServices(engine: EngineClient, owned: { label: string }, opts: Reads): Promise<Service[]> {
  try {
    return await engine.services.list({ ...opts, filters: owned });
  } catch (err: unknown) {
    if (isEngineError(err, 'not-swarm-manager')) return [];
    throw err;
  }
}

export async function observeRuntime(engine: EngineClient, project: string, query: RuntimeQuery = {}): Promise<RuntimeSnapshot> {
  const opts: Reads = query.signal === undefined ? {} : { signal: query.signal };
  const owned = { label: `${LABEL_PROJECT}=${project}` };

  const containerNames = query.containers ?? (await engine.containers.list({ ...opts, all: true, filters: owned })).map((c) => c.Id);
  const wantServices = query.services === undefined || query.services.length > 0;
  const [inspects, services] = await Promise.all([
    Promise.all(containerNames.map((name) => inspectOwned(engine, project, name, opts))),
    wantServices ? listServices(engine, owned, opts) : Promise.resolve([] as Service[]),
  ]);
  const wanted = query.services === undefined ? services : services.filter((s) => query.services?.includes(s.Spec.Name ?? ''));

  const ids = wanted.map((s) => s.ID);
  const global = wanted.some((s) => record(s.Spec.Mode)['Global'] !== undefined);
  const [tasks, upToDate, nodes] = await Promise.all([
    ids.length === 0 ? Promise.resolve([] as Task[]) : engine.tasks.list({ ...opts, filters: { service: ids } }),
    // The Engine's own notion of "runs the current spec": tasks a label-only or replicas-only
    // update did not make dirty count too (docker/cli's progress uses it the same way).
    ids.length === 0 ? Promise.resolve([] as Task[]) : engine.tasks.list({ ...opts, filters: { service: ids, '_up-to-date': 'true' } }),
    global ? engine.nodes.list(opts) : Promise.resolve([] as SwarmNode[]),
  ]);
  const current = new Set(upToDate.map((t) => t.ID));

  const containers: ContainerRuntime[] = inspects
    .filter((c): c is ContainerInspect => c !== null)
    .map((c) => ({ container: observeContainer(c), healthOutput: lastHealthOutput(c) }));
  const serviceRuntimes: ServiceRuntime[] = wanted.map((s) => ({
    service: observeService(s, new Map()),
    tasks: tasks.filter((t) => t.ServiceID === s.ID).map((t) => taskFacts(t, current)).sort((a, b) => b.timestamp.localeCompare(a.timestamp)),
  }));
  return { containers, services: serviceRuntimes, nodes: nodes.map(nodeFacts) };
}
