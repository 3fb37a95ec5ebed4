// Recording a rollout Swarm rolled back, on the service itself, so that later plans (and every
// later `moor apply` or `moor watch` cycle, in any process) do not send the same failing spec
// again: see LABEL_FAILED_SPEC and the planner's holdRollout (research 1.2 "Implication", C6).
//
// WARNING: this is a label-only service update. Service labels do not make tasks dirty, so no task
// restarts; but any update resets UpdateStatus (the reason is kept in the label instead) and
// overwrites PreviousSpec. It is therefore only sent once the rollback is *complete*: during
// `rollback_started` it would disturb the rollback, and on `paused` / `rollback_paused` it would
// resume the paused rollout.
import type { EngineClient } from '../engine/client.js';
import { isEngineError } from '../engine/errors.js';
import { isOwnedBy, LABEL_FAILED_MESSAGE, LABEL_FAILED_SPEC } from '../model/labels.js';
import type { FailedRollout } from '../model/observed.js';

/** Label values are kept short: the message is for people, the full story is in the task list. */
const MAX_MESSAGE_LENGTH = 500;

/**
 * Records `failed` on the service `engineName` of `project`, if Swarm's last word on it is still
 * `rollback_completed`. Returns whether the record is there (false: the service moved on, or is
 * not the project's, and nothing was written).
 */
export async function recordFailedRollout(engine: EngineClient, project: string, engineName: string, failed: FailedRollout, attempts = 5): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const live = await engine.services.inspect(engineName);
    const labels = live.Spec.Labels ?? {};
    if (!isOwnedBy(labels, project) || live.UpdateStatus?.State !== 'rollback_completed') return false;
    if (labels[LABEL_FAILED_SPEC] === failed.specHash) return true;
    const message = failed.message.length > MAX_MESSAGE_LENGTH ? `${failed.message.slice(0, MAX_MESSAGE_LENGTH - 3)}...` : failed.message;
    try {
      // The spec exactly as read (ForceUpdate included), with two more labels.
      await engine.services.update(live.ID, live.Version.Index, { ...live.Spec, Labels: { ...labels, [LABEL_FAILED_SPEC]: failed.specHash, [LABEL_FAILED_MESSAGE]: message } });
      return true;
    } catch (err: unknown) {
      if (!isEngineError(err, 'out-of-sequence') || attempt >= attempts) throw err;
    }
  }
}
