// How errors become text and exit codes. This is the only place that decides either.
import { isMoorError } from '../errors.js';

/** Exit status for an error: 1 for every failure (2 is reserved for plan --detailed-exitcode). */
export function exitCodeFor(_err: unknown): number {
  return 1;
}

/**
 * One clear message for a user error (no stack trace unless --debug); "internal error" with a hint
 * for anything else, which is a bug in moor. Errors may expose extra lines through `details()`.
 */
export function formatError(err: unknown, opts: { debug: boolean }): string {
  if (isMoorError(err)) {
    const lines = [`moor: error: ${err.message}`, ...err.details().map((d) => `  ${d}`)];
    if (opts.debug) lines.push(stackOf(err));
    return `${lines.join('\n')}\n`;
  }
  const message = err instanceof Error ? err.message : String(err);
  const lines = [`moor: internal error: ${message}`, 'This is a bug in moor; please report it with the output of the same command run with --debug.'];
  if (opts.debug) lines.push(stackOf(err));
  return `${lines.join('\n')}\n`;
}

function stackOf(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  while (current instanceof Error) {
    parts.push(current.stack ?? String(current));
    current = current.cause;
    if (current !== undefined) parts.push('Caused by:');
  }
  return parts.join('\n');
}
