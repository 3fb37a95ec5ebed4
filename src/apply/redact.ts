// Secret values out of the errors an apply reports: the Engine quotes what it refuses (`unable to
// find user <value>`), and a value built from a secret's variable would reach the report, the
// progress lines and watch's log.
import { projectSecretTexts, redactSecrets } from '../diff/sensitive.js';
import type { DesiredProject } from '../model/desired.js';
import type { StepRunner } from './execute.js';

/**
 * Rewrites an error's message and stack where they hold a secret. Only then: some errors' message
 * has no setter (a DOMException, an abort's reason), and the real error must not turn into a
 * TypeError for an assignment nothing needed.
 */
export function redactError(e: Error, secrets: readonly string[]): void {
  for (const key of ['message', 'stack'] as const) {
    const text = e[key];
    if (text === undefined) continue;
    const redacted = redactSecrets(text, secrets);
    if (redacted === text) continue;
    try {
      e[key] = redacted;
    } catch {
      try {
        Object.defineProperty(e, key, { value: redacted, configurable: true, writable: true });
      } catch {
        // A frozen error: left as it is rather than lost.
      }
    }
  }
}

/**
 * The runner, with the secrets' values taken out of the messages of its errors, along their
 * causes. The error itself is kept (its class, status and code decide retries and reports).
 */
export function redactingErrors(runner: StepRunner, desired: DesiredProject): StepRunner {
  const secrets = projectSecretTexts(desired);
  if (secrets.length === 0) return runner;
  return async (step, signal) => {
    try {
      await runner(step, signal);
    } catch (err: unknown) {
      for (let e: unknown = err; e instanceof Error; e = e.cause) redactError(e, secrets);
      throw err;
    }
  };
}
