// Command-line parsing for commands: node's parseArgs, with its errors (unknown option, missing
// value...) turned into usage errors, which the CLI prints without a stack trace.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export type CommandOptions = NonNullable<ParseArgsConfig['options']>;
export type ParsedCommandArgs<O extends CommandOptions> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>>;

/** strict parsing without positionals; its errors become usage errors at the CLI's boundary (asUsageError). */
export function parseCommandArgs<const O extends CommandOptions>(args: readonly string[], options: O): ParsedCommandArgs<O> {
  return parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
}

/**
 * parseArgs's own errors (unknown option, missing value, unexpected argument) as the usage error
 * they are; anything else unchanged. The CLI's error boundary (main.ts) applies it to every command.
 */
export function asUsageError(err: unknown, command: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    return new UsageError(`${err.message} (see moor ${command} --help)`);
  }
  return err;
}

/** The value of a file option (-f, --env-file, --out, --plan), refused when empty: '' would name the working directory. */
export function requireFileName(option: string, value: string): string {
  if (value === '') throw new UsageError(`${option} needs a file name, and was given an empty one`);
  return value;
}
