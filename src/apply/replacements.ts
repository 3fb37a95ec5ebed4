// Create-then-swap replacements of containers that did not work out, undone.
//
// The plan replaces a container in steps (plan/build.ts): create the new one under a temporary
// name, stop the old one and rename it aside, give the new one the name, start it, and only then
// remove the old one (`container.remove-previous`). When the new container does not start — or,
// with `apply --wait` and in `moor watch`, does not come to run as the manifest says (healthy,
// when it has a healthcheck; `verifyReplacements` puts that wait before the removal) — the
// removal is skipped, and `undoFailedReplacements` swaps the previous container back in: the new
// one is stopped and removed, the previous one gets its name back and is started again if it was
// running. The replacement is then as if it had never been tried, and the next apply tries it
// again.
//
// A run interrupted gracefully (Ctrl-C, SIGTERM: the running steps finish, no new one starts)
// undoes the replacements whose new container it left unstarted, so that the previous one runs
// again rather than nothing at all; one whose new container has started is left as it is (the
// next plan removes the previous container, aside, as a leftover of an interrupted replace). A
// run killed outright undoes nothing: the next plan finds both as leftovers. While interrupted, a
// new container being put back out (its verification failed or was cut) gets at most
// INTERRUPTED_GRACE_S to stop: it is abandoned, and the run is expected to end soon.
//
// Must not: touch a container other than the two of the replacement (checked by id and labels).
import { isEngineError } from '../engine/errors.js';
import type { EngineClient } from '../engine/client.js';
import type { ContainerInspect } from '../engine/types.js';
import { isOwnedBy, LABEL_REPLACES } from '../model/labels.js';
import type { ObjectId } from '../model/kinds.js';
import type { ContainerReplacement, Step } from '../plan/steps.js';
import type { StepOutcome } from './execute.js';

/** The stop grace period of an abandoned new container, at most, when the run was interrupted. */
export const INTERRUPTED_GRACE_S = 1;

/** A replacement that was undone, or that could not be. */
export interface UndoneReplacement {
  readonly object: ObjectId;
  readonly engineName: string;
  /** The id of the previous container, which runs again under its name (unless `error`). */
  readonly previousId: string;
  /** Why the undo itself failed; null when the previous container is back. */
  readonly error: Error | null;
}

/**
 * The steps with a wait before each removal of a replaced container: the new container must run
 * as the manifest says (running; healthy, with a healthcheck; exited 0 for a one-shot container)
 * before the previous one is removed. For `apply --wait` and `moor watch`.
 */
export function verifyReplacements(steps: readonly Step[]): Step[] {
  const out: Step[] = [];
  for (const step of steps) {
    if (step.op !== 'container.remove-previous') {
      out.push(step);
      continue;
    }
    const start = steps.find((s) => s.object === step.object && s.op === 'container.start' && s.engineName === step.replacement.engineName);
    if (start === undefined) throw new Error(`plan step ${step.key} has no start step before it`);
    const verify: Step = { key: `${step.object}:verify`, object: step.object, after: [start.key], op: 'container.wait', engineName: step.replacement.engineName, condition: 'converged' };
    out.push(verify, { ...step, after: [...step.after, verify.key] });
  }
  return out;
}

/**
 * The replacements to undo: those whose new container was created but whose removal of the
 * previous one was skipped (a step between them failed: the stop, a rename, the start, the
 * verification, or a depends_on wait the start waited for). After an interrupted run, those whose
 * new container was created and not started (the interruption cancelled the steps after).
 */
export function replacementsToUndo(outcomes: readonly StepOutcome[], interrupted: boolean): { readonly object: ObjectId; readonly replacement: ContainerReplacement }[] {
  const done = new Set(outcomes.filter((o) => o.status === 'done').map((o) => o.step.key));
  const did = (object: ObjectId, test: (step: Step) => boolean): boolean => outcomes.some(({ step }) => step.object === object && test(step) && done.has(step.key));
  const out: { object: ObjectId; replacement: ContainerReplacement }[] = [];
  for (const { step, status } of outcomes) {
    if (step.op !== 'container.remove-previous' || (status !== 'skipped' && !(interrupted && status === 'cancelled'))) continue;
    const r = step.replacement;
    if (!did(step.object, (s) => s.op === 'container.create' && s.replaces === r.previousId)) continue;
    // Interrupted after its new container started: left so (a verification that failed, with
    // the removal skipped rather than cancelled, is undone as in any run).
    if (status === 'cancelled' && did(step.object, (s) => s.op === 'container.start' && s.engineName === r.engineName)) continue;
    out.push({ object: step.object, replacement: r });
  }
  return out;
}

/** Undoes the replacements `replacementsToUndo` names, one after the other. */
export async function undoFailedReplacements(engine: EngineClient, project: string, outcomes: readonly StepOutcome[], interrupted: boolean): Promise<UndoneReplacement[]> {
  const undone: UndoneReplacement[] = [];
  for (const { object, replacement: r } of replacementsToUndo(outcomes, interrupted)) {
    let error: Error | null = null;
    try {
      await undoReplacement(engine, project, r, interrupted ? INTERRUPTED_GRACE_S : null);
    } catch (err: unknown) {
      error = err instanceof Error ? err : new Error(String(err));
    }
    undone.push({ object, engineName: r.engineName, previousId: r.previousId, error });
  }
  return undone;
}

/** `container/web: the previous container (4f1c0a2b9e3d) is shop_web again, as before the apply`. */
export function describeUndone(u: UndoneReplacement): string {
  const previous = `the previous container (${u.previousId.slice(0, 12)})`;
  return u.error === null ? `${u.object}: ${previous} is ${u.engineName} again, as before the apply` : `${u.object}: ${previous} could not be restored: ${u.error.message}`;
}

/** The container, or null when there is none of that name or id. */
async function inspectOrNull(engine: EngineClient, name: string): Promise<ContainerInspect | null> {
  try {
    return await engine.containers.inspect(name);
  } catch (err: unknown) {
    if (isEngineError(err, 'not-found')) return null;
    throw err;
  }
}

/**
 * Whatever point the replacement reached, brings the previous container back. `maxGraceS`: the
 * longest the new container is given to stop (null: its own stop grace period).
 */
export async function undoReplacement(engine: EngineClient, project: string, r: ContainerReplacement, maxGraceS: number | null = null): Promise<void> {
  // The new container, under the name or still under its temporary one: only the one this
  // replacement made (it names the previous container as the one it replaces).
  for (const name of [r.engineName, r.temporaryName]) {
    const found = await inspectOrNull(engine, name);
    if (found === null || found.Id === r.previousId) continue;
    const labels = found.Config.Labels;
    if (!isOwnedBy(labels, project) || labels?.[LABEL_REPLACES] !== r.previousId) {
      throw new Error(`container ${name} is not the replacement moor made; it was left alone`);
    }
    const own = r.stopTimeout === null ? null : Math.ceil(r.stopTimeout / 1e9);
    const seconds = maxGraceS === null ? own : Math.min(own ?? maxGraceS, maxGraceS);
    const grace = seconds === null ? {} : { timeoutSeconds: seconds };
    if (found.State.Running) await engine.containers.stop(found.Id, grace);
    await engine.containers.remove(found.Id, { force: true });
  }
  const previous = await inspectOrNull(engine, r.previousId);
  if (previous === null) throw new Error(`the previous container ${r.previousId.slice(0, 12)} is gone`);
  if (previous.Name !== `/${r.engineName}`) await engine.containers.rename(r.previousId, r.engineName);
  if (r.previousRunning && !previous.State.Running) await engine.containers.start(r.previousId);
}
