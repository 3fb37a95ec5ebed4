// Runtime facts: what the Engine is running for the project's containers and services, beyond
// their specs (task states and errors, health check output, Swarm nodes). Read by
// observe/runtime.ts; judged by operate/ (is it converged? why not?) and shown by `moor status`.
import type { StringMap } from './desired.js';
import type { ObservedContainer, ObservedService } from './observed.js';

/** One Swarm task of a service, current or historical (Swarm keeps a few per slot). */
export interface TaskFacts {
  readonly id: string;
  /** Replicated services: the replica slot; null for global services. */
  readonly slot: number | null;
  readonly nodeId: string | null;
  /** What Swarm wants: running, shutdown, ... */
  readonly desiredState: string;
  /** What the task is: new, pending, assigned, preparing, starting, running, complete, failed, rejected, shutdown, orphaned... */
  readonly state: string;
  readonly message: string;
  /** Status.Err: why it failed or cannot be scheduled; null when none. */
  readonly error: string | null;
  /** The container's exit code, when it exited; null otherwise. */
  readonly exitCode: number | null;
  readonly timestamp: string;
  /** Whether it runs the service's current spec (the Engine's `_up-to-date` task filter). */
  readonly upToDate: boolean;
}

export interface ServiceRuntime {
  /**
   * The service as observed. WARNING: its network references are network ids, not names (the
   * runtime read does not list networks); nothing that judges runtime state looks at them.
   */
  readonly service: ObservedService;
  readonly tasks: readonly TaskFacts[];
}

export interface ContainerRuntime {
  readonly container: ObservedContainer;
  /** The output of the last health check, trimmed; null without a healthcheck or a check yet. */
  readonly healthOutput: string | null;
}

/** A Swarm node, with what placement constraints can name. */
export interface NodeFacts {
  readonly id: string;
  readonly hostname: string;
  readonly role: string;
  /** active, pause, drain. */
  readonly availability: string;
  /** ready, down, unknown, disconnected. */
  readonly state: string;
  readonly labels: StringMap;
  readonly engineLabels: StringMap;
  readonly os: string;
  readonly arch: string;
}

export interface RuntimeSnapshot {
  readonly containers: readonly ContainerRuntime[];
  readonly services: readonly ServiceRuntime[];
  /** Swarm nodes: read only when a global service was read (its desired tasks are the eligible nodes). */
  readonly nodes: readonly NodeFacts[];
}
