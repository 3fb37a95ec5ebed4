// Builders for runtime snapshots (model/runtime.ts), so that tests of operate/ say only what
// matters to them: a container's state, a service's tasks, the nodes.
import type { ServiceSpec } from '../../src/model/desired.js';
import type { ContainerState, ObservedService } from '../../src/model/observed.js';
import type { ContainerRuntime, NodeFacts, ServiceRuntime, TaskFacts } from '../../src/model/runtime.js';
import { containerSpec, PROJECT, serviceSpec } from './model.js';

export function containerRuntime(name: string, state: Partial<ContainerState> = {}, over: { restart?: 'no' | 'always' | 'unless-stopped' | 'on-failure'; maxRetries?: number; healthOutput?: string } = {}): ContainerRuntime {
  return {
    container: {
      kind: 'container',
      id: `${name}-id`,
      engineName: `${PROJECT}_${name}`,
      name,
      spec: containerSpec(name, { restart: { name: over.restart ?? 'no', maxRetries: over.maxRetries ?? 0 } }),
      specHash: null,
      state: { status: 'running', running: true, exitCode: 0, health: null, restartCount: 0, startedAt: '2026-01-01T00:00:00Z', finishedAt: '', ...state },
      replaces: null,
      dependsOn: [],
      imageId: 'sha256:busybox',
      anonymousVolumes: {},
    },
    healthOutput: over.healthOutput ?? null,
  };
}

let taskCounter = 0;
export function task(over: Partial<TaskFacts> = {}): TaskFacts {
  taskCounter += 1;
  return {
    id: `task${String(taskCounter).padStart(8, '0')}xyz`,
    slot: 1,
    nodeId: 'node1',
    desiredState: 'running',
    state: 'running',
    message: 'started',
    error: null,
    exitCode: null,
    timestamp: `2026-01-01T00:00:${String(taskCounter % 60).padStart(2, '0')}Z`,
    upToDate: true,
    ...over,
  };
}

export function serviceRuntime(name: string, tasks: TaskFacts[], over: Partial<Omit<ObservedService, 'spec'>> & { spec?: Partial<ServiceSpec> } = {}): ServiceRuntime {
  const { spec, ...rest } = over;
  return {
    service: {
      kind: 'service',
      id: `${name}-id`,
      engineName: `${PROJECT}_${name}`,
      name,
      version: 10,
      spec: serviceSpec(name, spec),
      forceUpdate: 0,
      unmanaged: {},
      previousSpecRefs: { secrets: [], configs: [] },
      updateStatus: null,
      dependsOn: [],
      specHash: 'hash-sent',
      failedRollout: null,
      ...rest,
    },
    tasks,
  };
}

export function node(id: string, over: Partial<NodeFacts> = {}): NodeFacts {
  return { id, hostname: id, role: 'manager', availability: 'active', state: 'ready', labels: {}, engineLabels: {}, os: 'linux', arch: 'x86_64', ...over };
}
