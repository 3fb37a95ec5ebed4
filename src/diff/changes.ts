// What the diff produces: one Change per object whose live state differs from the manifest.
// Pure data; rendered by src/plan/ and executed (as steps) by src/apply/.
import type { ObjectKind } from '../model/kinds.js';

/** A difference in one field of a spec, by path (`environment.FOO`, `ports[0].published`). */
export interface FieldChange {
  readonly path: string;
  /** undefined: the field is new; values of sensitive fields are "(sensitive)". */
  readonly before?: unknown;
  /** undefined: the field is gone. */
  readonly after?: unknown;
  /** For config contents: both texts, so the renderer can show a unified diff. */
  readonly text?: { readonly before: string; readonly after: string };
}

export type ChangeAction = 'create' | 'update' | 'replace' | 'delete';

interface ChangeBase {
  readonly kind: ObjectKind;
  /** Logical name (the manifest key). */
  readonly name: string;
  /** The Engine name the object has (update/replace/delete) or will have (create). */
  readonly engineName: string;
  /** Why, in a few words: "not found on the Engine", "image changed", "no longer in the manifest"... */
  readonly reason: string;
  readonly fields: readonly FieldChange[];
  /** What else happens to the object's data, one short line each: a container's anonymous volumes kept, carried over or removed. */
  readonly notes?: readonly string[];
}

export interface CreateChange extends ChangeBase {
  readonly action: 'create';
}

export interface UpdateChange extends ChangeBase {
  readonly action: 'update';
  readonly id: string;
}

export interface ReplaceChange extends ChangeBase {
  readonly action: 'replace';
  readonly id: string;
  /** The new Engine name, when it differs (secrets and configs get a new version). */
  readonly newEngineName: string;
  /** Replacing loses data (volumes). */
  readonly dataLoss: boolean;
}

export interface DeleteChange extends ChangeBase {
  readonly action: 'delete';
  readonly id: string;
}

export type Change = CreateChange | UpdateChange | ReplaceChange | DeleteChange;

/** Something the plan cannot do, or will not do without a flag. A plan with errors is not applied. */
export interface PlanProblem {
  readonly severity: 'error' | 'warning';
  /** `kind/name` of the object concerned, when there is one. */
  readonly object: string | null;
  readonly message: string;
  /**
   * Set on the problems a caller may act on: `rollout-held`, a service update not sent because
   * Swarm rolled this exact spec back before; `rollout-paused`, a service whose rollout (or
   * rollback) Swarm paused. `moor apply --wait` counts both as not converged. `target-cut`: the
   * plan was cut down to `--target` objects, and changes (or errors) of others were left out.
   */
  readonly code?: 'rollout-held' | 'rollout-paused' | 'target-cut';
}

export const SENSITIVE = '(sensitive)';

/** A problem in one line, as every output says it: `service/api: message` (the message alone for the project). */
export function describeProblem(p: PlanProblem): string {
  return p.object === null ? p.message : `${p.object}: ${p.message}`;
}
