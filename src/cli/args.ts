// Command-line parsing for commands: node's parseArgs, with its errors (unknown option, missing
// value...) turned into usage errors, which the CLI prints without a stack trace.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export type CommandOptions = NonNullable<ParseArgsConfig['options']>;
export type ParsedCommandArgs<O extends CommandOptions> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>>;

export function parseCommandArgs<const O extends CommandOptions>(command: string, args: readonly string[], options: O): ParsedCommandArgs<O> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (err: unknown) {
    const code = (err as { code?: unknown } | null)?.code;
    if (err instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(`${err.message} (see moor ${command} --help)`);
    }
    throw err;
  }
}
