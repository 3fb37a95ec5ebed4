// How errors become text and exit codes. This is the only place that decides either.
import { isMoorError } from '../errors.js';

/** Exit status for an error: 1 for every failure (2 is reserved for plan --detailed-exitcode). */
export function exitCodeFor(_err: unknown): number {
  return 1;
}

/** The exit status when a signal stops moor at once (a second Ctrl-C; the first, for a command that only reads). */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * The exit status when moor's reader closed its stdout or stderr early (`moor plan | head -1`): 141,
 * 128 + SIGPIPE, what a shell reports for a program a closed pipe stopped.
 */
export const CLOSED_OUTPUT_EXIT_CODE = 141;

/**
 * What a failed write to stdout or stderr means. A closed pipe (EPIPE) is not moor's error: exit
 * silently. Any other (a full disk) is said on stderr when it is stdout that failed.
 */
export function outputFailure(err: unknown, stream: 'stdout' | 'stderr'): { readonly code: number; readonly message: string | null } {
  if ((err as { code?: unknown } | null)?.code === 'EPIPE') return { code: CLOSED_OUTPUT_EXIT_CODE, message: null };
  const reason = err instanceof Error ? err.message : String(err);
  return { code: 1, message: stream === 'stdout' ? `moor: error: cannot write to stdout: ${reason}\n` : null };
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
