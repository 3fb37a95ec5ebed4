// `--target KIND/NAME`: a plan cut down to some objects and what they need (Terraform's -target,
// Compose's `up NAME`). Pure.
//
// The cut is by object, never by step: an object is in whole or not at all, so a container is
// never removed by a cut plan that leaves out its re-creation. Starting from the targets, every
// object one of whose steps a selected step waits for is selected too (a network created first,
// a secret version the service moves to), until nothing is added; that also brings in whatever
// such a step waits for in turn (the other containers a replaced network must be rid of first).
import type { Change, PlanProblem } from '../diff/changes.js';
import type { Step } from './steps.js';

export interface TargetCut {
  readonly changes: readonly Change[];
  readonly steps: readonly Step[];
  readonly problems: readonly PlanProblem[];
  /** The objects kept: the targets and what they need. */
  readonly objects: ReadonlySet<string>;
}

export function cutToTargets(changes: readonly Change[], steps: readonly Step[], problems: readonly PlanProblem[], targets: readonly string[]): TargetCut {
  const objectOf = new Map(steps.map((s) => [s.key, s.object as string]));
  const stepsOf = new Map<string, Step[]>();
  for (const s of steps) stepsOf.set(s.object, [...(stepsOf.get(s.object) ?? []), s]);
  const objects = new Set<string>(targets);
  const queue = [...targets];
  for (let object = queue.shift(); object !== undefined; object = queue.shift()) {
    for (const s of stepsOf.get(object) ?? []) {
      for (const dep of s.after) {
        const needed = objectOf.get(dep);
        if (needed !== undefined && !objects.has(needed)) {
          objects.add(needed);
          queue.push(needed);
        }
      }
    }
  }
  const kept = changes.filter((c) => objects.has(`${c.kind}/${c.name}`));
  const leftOut = changes.length - kept.length;
  const keptProblems = problems.filter((p) => p.object === null || objects.has(p.object));
  const leftOutErrors = problems.filter((p) => p.severity === 'error' && !keptProblems.includes(p)).length;
  const notes: PlanProblem[] = [];
  if (leftOut > 0 || leftOutErrors > 0) {
    const what = [leftOut > 0 ? `${leftOut} other change${leftOut === 1 ? '' : 's'}` : '', leftOutErrors > 0 ? `${leftOutErrors} error${leftOutErrors === 1 ? '' : 's'} of other objects` : ''].filter((w) => w !== '').join(' and ');
    notes.push({ severity: 'warning', object: null, code: 'target-cut', message: `--target: only ${targets.join(', ')} and what ${targets.length === 1 ? 'it needs' : 'they need'} are planned; ${what} left out (run without --target to see the whole plan)` });
  }
  return { changes: kept, steps: steps.filter((s) => objects.has(s.object)), problems: [...keptProblems, ...notes], objects };
}
