// The shape of a CLI command, and the side effects it may use (injected, so tests can drive
// commands in-process with their own streams and environment).

export interface Writable {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

export interface CommandContext {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Whether stdin is a terminal a person can answer prompts on. */
  readonly interactive: boolean;
  /** Asks a yes/no question on the terminal; only called when `interactive`. */
  readonly confirm: (question: string) => Promise<boolean>;
  /** Aborted on SIGINT/SIGTERM: commands stop taking new work and let running steps finish. */
  readonly signal: AbortSignal;
  /**
   * For a command that writes a log of its own (moor watch, whose log may be JSON lines): hands it
   * the debug notes written after the command (bin/moor's compile cache), to write as its records.
   */
  readonly logNotes?: (write: (text: string) => void) => void;
}

export interface Command {
  readonly name: string;
  /** Full help text, shown by `moor <command> --help`. */
  readonly help: string;
  /** Runs the command with its own arguments; returns the exit code. Throws MoorError on user errors. */
  run(args: readonly string[], ctx: CommandContext): Promise<number>;
}
