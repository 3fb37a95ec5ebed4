// readProjectStatus: the reads behind `moor status` (and the library's `status`): observe the
// project and its runtime state at once, plan against the manifest, and judge (status.ts).
import type { EngineClient } from '../engine/client.js';
import type { DesiredProject } from '../model/desired.js';
import { randomId } from '../model/hash.js';
import { observeProject } from '../observe/observe.js';
import { observeRuntime } from '../observe/runtime.js';
import { buildPlan, DEFAULT_PLAN_OPTIONS } from '../plan/build.js';
import { projectStatus, type ProjectStatus } from './status.js';

export async function readProjectStatus(engine: EngineClient, desired: DesiredProject, options: { readonly signal?: AbortSignal } = {}): Promise<ProjectStatus> {
  const [observed, runtime] = await Promise.all([observeProject(engine, desired.project, options), observeRuntime(engine, desired.project, options)]);
  return projectStatus(desired, observed, runtime, buildPlan(desired, observed, { ...DEFAULT_PLAN_OPTIONS, newId: randomId }));
}
