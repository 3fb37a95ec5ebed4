// Which ready step runs first when more are ready than may run at once: the one with the longest
// estimated chain of work still behind it (critical-path list scheduling, "highest level first").
//
// Why it matters: an Engine does the slow parts of an apply (starting a container: network
// namespace, iptables, mounts) largely one at a time, while the cheap ones (a Swarm service create
// returns as soon as the manager stored it) cost a few milliseconds. Run in plan order, the 30
// service creates of a project go first and the Engine is then busy starting their tasks while
// the containers wait; run longest-chain first, the containers start on an idle Engine and the
// services are created while the last of them start.
//
// Order among ready steps is not enough: a container's create waits for its network, and while the
// network is being made the service creates become ready and fill the free slots. So, when the
// caller does not wait for the services to run, service writes are also held until the container
// starts of the plan have settled (holdServiceWrites; not those behind a depends_on wait): the
// Engine then starts the containers alone, the command returns as soon as they run, and Swarm
// starts the tasks afterwards.
//
// When the caller waits for the services to run (apply --wait, watch), a service create or update
// weighs like the task starts it sets off: they go first and nothing is held, so that Swarm starts
// tasks while the containers start, and everything runs soonest.
//
// The costs are rough relative weights, not predictions; only their order matters.
import type { Step, StepKind } from '../plan/steps.js';

const COST: Readonly<Record<StepKind, number>> = {
  'image.pull': 1000,
  'container.wait': 1000,
  'container.start': 300,
  'container.stop': 300,
  'network.create': 50,
  'network.remove': 50,
  'container.create': 30,
  'container.remove': 30,
  'container.remove-previous': 30,
  'container.connect': 30,
  'container.disconnect': 30,
  'container.rename': 10,
  'container.update': 10,
  'volume.create': 10,
  'volume.remove': 10,
  'secret.create': 10,
  'secret.update': 10,
  'secret.remove': 10,
  'config.create': 10,
  'config.update': 10,
  'config.remove': 10,
  'service.create': 10,
  'service.update': 10,
  'service.remove': 10,
};

/** What a task start of a service costs, when the caller waits for it. */
const ROLLOUT_COST = 1000;

/** The estimated relative cost of one step on the Engine, for a caller waiting for rollouts or not. */
export function stepCost(step: Step, awaitRollouts: boolean): number {
  if (awaitRollouts && (step.op === 'service.create' || step.op === 'service.update')) return ROLLOUT_COST;
  return COST[step.op];
}

/** For each step key, the steps that wait for it (in plan order). */
export function dependantsOf(steps: readonly Step[]): ReadonlyMap<string, readonly Step[]> {
  const dependants = new Map<string, Step[]>();
  for (const s of steps) {
    for (const dep of s.after) {
      const list = dependants.get(dep);
      if (list === undefined) dependants.set(dep, [s]);
      else list.push(s);
    }
  }
  return dependants;
}

/** Steps held back until every step of `until` has settled (done, failed or skipped). */
export interface Hold {
  readonly held: ReadonlySet<string>;
  readonly until: ReadonlySet<string>;
}

const SERVICE_WRITES: ReadonlySet<StepKind> = new Set(['service.create', 'service.update']);

/**
 * Without a wait for rollouts: the service writes, held until the container starts have settled,
 * but for those that wait (transitively) for a service write, which would never come, or for a
 * depends_on condition (container.wait), which may take minutes while the Engine idles. Null when
 * nothing is to hold.
 */
export function holdServiceWrites(steps: readonly Step[], awaitRollouts: boolean): Hold | null {
  if (awaitRollouts) return null;
  const held = new Set(steps.filter((s) => SERVICE_WRITES.has(s.op)).map((s) => s.key));
  if (held.size === 0) return null;
  const dependants = dependantsOf(steps);
  const behindHeld = new Set<string>();
  const todo = [...held, ...steps.filter((s) => s.op === 'container.wait').map((s) => s.key)];
  for (let key = todo.pop(); key !== undefined; key = todo.pop()) {
    for (const next of dependants.get(key) ?? []) {
      if (behindHeld.has(next.key)) continue;
      behindHeld.add(next.key);
      todo.push(next.key);
    }
  }
  const until = new Set(steps.filter((s) => s.op === 'container.start' && !behindHeld.has(s.key)).map((s) => s.key));
  return until.size === 0 ? null : { held, until };
}

/**
 * Each step's priority: its own cost plus the costliest chain of steps that wait for it. Computed
 * from the last steps backwards (no recursion: a depends_on chain may be long). A step on a cycle
 * or waiting for an unknown step (never in a valid plan) gets its own cost.
 */
export function chainPriorities(steps: readonly Step[], cost: (step: Step) => number): ReadonlyMap<string, number> {
  const byKey = new Map(steps.map((s) => [s.key, s]));
  const pendingDependants = new Map(steps.map((s) => [s.key, 0]));
  for (const s of steps) for (const dep of s.after) if (byKey.has(dep)) pendingDependants.set(dep, (pendingDependants.get(dep) ?? 0) + 1);
  const behind = new Map(steps.map((s) => [s.key, 0]));
  const priorities = new Map<string, number>();
  const ready = steps.filter((s) => pendingDependants.get(s.key) === 0);
  for (let next = ready.pop(); next !== undefined; next = ready.pop()) {
    const priority = cost(next) + (behind.get(next.key) ?? 0);
    priorities.set(next.key, priority);
    for (const dep of next.after) {
      if (!byKey.has(dep)) continue;
      behind.set(dep, Math.max(behind.get(dep) ?? 0, priority));
      const left = (pendingDependants.get(dep) ?? 0) - 1;
      pendingDependants.set(dep, left);
      if (left === 0) ready.push(byKey.get(dep) as Step);
    }
  }
  for (const s of steps) if (!priorities.has(s.key)) priorities.set(s.key, cost(s));
  return priorities;
}
