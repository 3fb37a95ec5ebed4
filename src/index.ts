// moor as a library: the pipeline the CLI runs, as typed functions, exported here and only here
// (package.json "exports" points `moor` at this file's build). Nothing else under src/ is public.
//
//   const loaded = await loadManifest({ files: ['moor.yaml'], cwd: process.cwd(), env: process.env });
//   const engine = await connect();                       // --host, else DOCKER_HOST, else the local socket
//   const observed = await observe(engine, loaded.desired.project);
//   const planned = plan(loaded.desired, observed);       // pure: no Engine call
//   const report = await apply(engine, loaded.desired, observed, planned);
//   const rollout = await waitForRollout(engine, planned, report, { timeoutMs: 300_000 });
//
// The README's "Library" section has the whole example; test/library.int.test.ts runs it.
import { applyPlan, type ApplyOptions, type ApplyResult } from './apply/apply.js';
import { EngineClient, type EngineClientOptions } from './engine/index.js';
import type { DesiredProject } from './model/desired.js';
import { randomId } from './model/hash.js';
import type { ObservedProject } from './model/observed.js';
import { observeProject, type ObserveOptions } from './observe/observe.js';
import { buildPlan, DEFAULT_PLAN_OPTIONS, type Plan, type PlanOptions } from './plan/build.js';
import { renderPlanText } from './plan/render.js';

/** Connects to the Engine as the CLI does (`host`, else DOCKER_HOST and the TLS variables, else the local socket). */
export async function connect(options: EngineClientOptions = {}): Promise<EngineClient> {
  return EngineClient.connect(options);
}

/** Reads the project's objects from the Engine: one bulk read, no write. */
export async function observe(engine: EngineClient, project: string, options: ObserveOptions = {}): Promise<ObservedProject> {
  return observeProject(engine, project, options);
}

/** Options of `plan`: every one optional (no pruning or replacing of volumes, pull missing images, random secret versions). */
export type PlanInput = Partial<PlanOptions>;

/** The changes and the steps that make the Engine match `desired`. Pure: no Engine call; problems are in `plan.problems`. */
export function plan(desired: DesiredProject, observed: ObservedProject, options: PlanInput = {}): Plan {
  return buildPlan(desired, observed, { ...DEFAULT_PLAN_OPTIONS, newId: randomId, ...options });
}

/**
 * Runs the plan's steps. Throws PlanBlockedError (nothing changed) when the plan has errors; a
 * step that fails is in the report (`report.ok` is false), not thrown. Unlike the CLI, it takes no
 * project lock: use acquireProjectLock to exclude `moor apply` and `moor watch` while it runs.
 */
export async function apply(engine: EngineClient, desired: DesiredProject, observed: ObservedProject, planned: Plan, options: ApplyOptions = {}): Promise<ApplyResult> {
  return applyPlan(engine, desired, observed, planned, options);
}

/** The plan as `moor plan` prints it. */
export function renderPlan(planned: Plan, options: { readonly color?: boolean } = {}): string {
  return renderPlanText(planned, { color: options.color ?? false });
}

export { loadManifest } from './manifest/load.js';
/** Like loadManifest, and reads Compose files too (see the README, "Coming from Compose"). */
export { loadProject } from './compose/front.js';
export { formatIssue } from './manifest/issues.js';
export { renderPlanJson } from './plan/render.js';
export { emptyProject } from './model/desired.js';
export { waitForRollout, WaitFailedError } from './operate/rollout.js';
export { readProjectStatus as status } from './operate/read-status.js';
export { acquireProjectLock, lockDirectory, LockError, lockScope } from './apply/lock.js';
export { EngineClient };

// Errors: match on `code` (see ErrorCode).
export { MoorError, isMoorError } from './errors.js';
export { EngineError, isEngineError } from './engine/errors.js';
export { ManifestError } from './manifest/issues.js';
export { PlanBlockedError } from './apply/apply.js';
export { StepError } from './apply/engine-runner.js';

export type { ErrorCode } from './errors.js';
export type { EngineErrorKind } from './engine/errors.js';
export type { EngineClientOptions } from './engine/index.js';
export type { LoadOptions, LoadResult } from './manifest/load.js';
export type { ProjectLoadOptions, ProjectLoadResult } from './compose/front.js';
export type { Reading } from './compose/reading.js';
export type { Issue, Severity } from './manifest/issues.js';
export type { DesiredProject, DesiredContainer, DesiredService, DesiredNetwork, DesiredVolume, DesiredSecret, DesiredConfig, ContainerSpec, ServiceSpec } from './model/desired.js';
export type { ObservedProject, ObservedContainer, ObservedService, ObservedNetwork, ObservedVolume, ObservedSecret, ObservedConfig, UpdateState, FailedRollout } from './model/observed.js';
export type { ObjectKind, ObjectId } from './model/kinds.js';
export type { ObserveOptions } from './observe/observe.js';
export type { Plan, PlanOptions, PlanSummary } from './plan/build.js';
export type { Change, ChangeAction, FieldChange, PlanProblem } from './diff/changes.js';
export type { ContainerReplacement, Step, StepKind } from './plan/steps.js';
export type { JsonPlan, JsonChange } from './plan/render.js';
export type { ApplyOptions, ApplyResult } from './apply/apply.js';
export type { UndoneReplacement } from './apply/replacements.js';
export type { ApplyEvent, ApplyReport, StepOutcome, StepStatus } from './apply/execute.js';
export type { AcquireOptions, LockHolder, ProjectLock } from './apply/lock.js';
export type { RolloutOptions, RolloutResult } from './operate/rollout.js';
export type { TargetPhase, TargetStatus, WaitOutcome } from './operate/wait.js';
export type { WaitTarget } from './operate/converge.js';
export type { ObjectStatus, ProjectStatus, SyncState, ContainerFacts, ServiceFacts } from './operate/status.js';
