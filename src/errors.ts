// The base of every error moor raises on purpose. Callers match on `code`, never on message text.
//
// A MoorError is a *user-facing* error: the CLI prints its message (no stack trace) and exits 1.
// Anything else that reaches the CLI's error boundary is a bug and is reported as an internal error.
// Subclasses carry their context as fields (file/line, Engine method/path/status, object id, ...),
// added once, where it is known.

export type ErrorCode =
  | 'USAGE' // bad command line
  | 'MANIFEST_INVALID' // the manifest failed validation (see ManifestError in src/manifest/)
  | 'ENGINE' // the Engine answered with an error, or could not be reached (see EngineError)
  | 'CONFLICT' // an object exists that moor does not own, or a lock is held
  | 'PLAN_STALE' // a saved plan no longer matches the live state
  | 'PLAN_INVALID' // a saved plan file is unreadable or from another project/format
  | 'APPLY_FAILED' // some steps of an apply failed (the report says which)
  | 'WAIT_FAILED' // apply --wait: something did not converge, or was rolled back
  | 'NOT_FOUND' // an object the command names is in the manifest but not on the Engine
  | 'SOURCE' // the manifests' source (a Git repository) could not be fetched
  | 'CANCELLED'; // the user declined, or a signal stopped the run

export class MoorError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /** Extra lines shown under the message (e.g. every issue of a failed validation). */
  details(): readonly string[] {
    return [];
  }
}

export class UsageError extends MoorError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** Narrowing helper for `catch (err: unknown)`. */
export function isMoorError(err: unknown): err is MoorError {
  return err instanceof MoorError;
}

/** Exhaustiveness check for discriminated unions: a new variant that is not handled fails to compile. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/**
 * The URL with its user information (`user:password@`, or a token as the user) replaced by
 * `***@`: for any URL a message shows (a Git remote, an Engine address).
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}
