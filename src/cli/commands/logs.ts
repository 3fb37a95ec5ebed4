// `moor logs NAME`: the output of a container of the manifest, or of a service's tasks, by its
// logical name. Streamed as it arrives (stdout to stdout, stderr to stderr), never buffered whole;
// --follow until Ctrl-C.
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import { isEngineError } from '../../engine/errors.js';
import type { EngineClient } from '../../engine/client.js';
import type { LogChunk, LogOptions } from '../../engine/logs.js';
import type { EngineStream } from '../../engine/transport.js';
import { MoorError, UsageError } from '../../errors.js';
import { parseDuration } from '../../manifest/syntax.js';
import type { DesiredProject } from '../../model/desired.js';
import { isOwnedBy } from '../../model/labels.js';
import type { Command, CommandContext, Writable } from '../command.js';
import { connectEngine, ENGINE_OPTIONS, ENGINE_OPTIONS_HELP } from '../engine-options.js';
import { loadDesiredOrThrow, MANIFEST_OPTIONS, MANIFEST_OPTIONS_HELP } from '../manifest-options.js';
import { writeManifestWarnings } from '../output.js';

/** --tail: a number of lines, or all. */
export function tailFrom(value: string | undefined): number | undefined {
  if (value === undefined || value === 'all') return undefined;
  if (!/^[0-9]+$/.test(value)) throw new UsageError(`--tail must be a number of lines or 'all', not '${value}'`);
  return Number(value);
}

/** --since: a duration back from `now` (10m, 1h30m), an RFC 3339 date, or Unix seconds; as Unix seconds. */
export function sinceFrom(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^[0-9]+(\.[0-9]+)?$/.test(value)) return Number(value);
  const duration = parseDuration(value);
  if (duration.ok) return (now - duration.value / 1e6) / 1000;
  const date = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(date)) throw new UsageError(`--since must be a duration (10m, 1h30m), a date (2026-01-02T15:04:05Z) or Unix seconds, not '${value}'`);
  return date / 1000;
}

interface Source {
  readonly kind: 'container' | 'service';
  readonly name: string;
  readonly engineName: string;
}

/** NAME, or kind/NAME when a container and a service share the name. */
export function findSource(desired: DesiredProject, name: string): Source {
  const slash = name.indexOf('/');
  const kind = slash > 0 ? name.slice(0, slash) : null;
  const bare = slash > 0 ? name.slice(slash + 1) : name;
  if (kind !== null && kind !== 'container' && kind !== 'service') throw new UsageError(`'${name}': only containers and services have logs (container/NAME or service/NAME)`);
  const container = kind === 'service' ? undefined : desired.containers[bare];
  const service = kind === 'container' ? undefined : desired.services[bare];
  if (container !== undefined && service !== undefined) {
    throw new UsageError(`both a container and a service are named ${bare}: say which, with container/${bare} or service/${bare}`);
  }
  const found = container ?? service;
  if (found === undefined) {
    const names = [...Object.keys(desired.containers), ...Object.keys(desired.services)].sort();
    const known = names.length === 0 ? 'it has no containers or services' : `its containers and services are: ${names.join(', ')}`;
    throw new UsageError(`no ${kind ?? 'container or service'} named ${bare} in the manifest of project ${desired.project} (${known})`);
  }
  return { kind: found.kind, name: found.name, engineName: found.engineName };
}

/** Opens the logs of `source`, checking it exists and is the project's. */
async function openSourceLogs(engine: EngineClient, project: string, source: Source, options: LogOptions): Promise<EngineStream<LogChunk>> {
  const missing = (err: unknown): never => {
    if (isEngineError(err, 'not-found')) throw new MoorError('NOT_FOUND', `${source.kind} ${source.name} is in the manifest but not on the Engine (no ${source.kind} ${source.engineName}): run moor apply first`);
    throw err;
  };
  const notOurs = (): never => {
    throw new MoorError('CONFLICT', `${source.kind} ${source.engineName} exists but does not belong to project ${project}; moor does not read it`);
  };
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  if (source.kind === 'container') {
    const c = await engine.containers.inspect(source.engineName, signal).catch(missing);
    if (!isOwnedBy(c.Config.Labels, project)) notOurs();
    return engine.containers.logs(c.Id, { ...options, tty: c.Config.Tty === true });
  }
  const s = await engine.services.inspect(source.engineName, signal).catch(missing);
  if (!isOwnedBy(s.Spec.Labels, project)) notOurs();
  return engine.services.logs(s.ID, { ...options, tty: s.Spec.TaskTemplate.ContainerSpec?.['TTY'] === true });
}

/** Writes, and waits for the stream to drain when it asks to (a slow reader must not make moor hold the logs in memory). */
async function writeDrained(out: Writable, text: string): Promise<void> {
  const ok = out.write(text);
  const emitter = out as Partial<NodeJS.EventEmitter>;
  if (ok === false && typeof emitter.once === 'function') await once(emitter as NodeJS.EventEmitter, 'drain');
}

export async function copyLogs(stream: EngineStream<LogChunk>, ctx: Pick<CommandContext, 'stdout' | 'stderr' | 'signal'>): Promise<void> {
  // One decoder per stream: a UTF-8 character may be split between two chunks.
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  try {
    for await (const chunk of stream) {
      const text = decoders[chunk.stream].write(chunk.data);
      if (text !== '') await writeDrained(chunk.stream === 'stderr' ? ctx.stderr : ctx.stdout, text);
    }
  } catch (err: unknown) {
    // Ctrl-C ends a --follow: that is how it is meant to stop.
    if (!(ctx.signal.aborted && isEngineError(err, 'cancelled'))) throw err;
  } finally {
    stream.close();
    for (const name of ['stdout', 'stderr'] as const) {
      const rest = decoders[name].end();
      if (rest !== '') ctx[name].write(rest);
    }
  }
}

export const command: Command = {
  name: 'logs',
  help: `Usage: moor logs [-f FILE]... NAME [options]

Prints the output of the container NAME of the manifest, or of the tasks of the service NAME
(NAME is the name in the manifest; write container/NAME or service/NAME when both exist). The
container's stdout goes to stdout and its stderr to stderr, as it arrives.

${MANIFEST_OPTIONS_HELP}

Log options:
      --follow               Keep printing new output until Ctrl-C
      --tail N               Only the last N lines (default: all)
      --since T              Only output since T: a duration back from now (10m, 1h30m), a date
                             (2026-01-02T15:04:05Z) or Unix seconds
      --timestamps           Prefix each line with its timestamp

${ENGINE_OPTIONS_HELP}
Exit status: 0 success (also when --follow is stopped with Ctrl-C); 1 error: a name that is not in
the manifest or not created yet, Engine error.
`,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        ...MANIFEST_OPTIONS,
        ...ENGINE_OPTIONS,
        follow: { type: 'boolean' },
        tail: { type: 'string' },
        since: { type: 'string' },
        timestamps: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        debug: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help === true) {
      ctx.stdout.write(this.help);
      return 0;
    }
    const [name, ...extra] = positionals;
    if (name === undefined) throw new UsageError('name the container or service whose logs to show: moor logs NAME');
    if (extra.length > 0) throw new UsageError(`one name at a time, not ${positionals.join(', ')}`);
    const tail = tailFrom(values.tail);
    const since = sinceFrom(values.since, Date.now());
    const { desired, warnings } = await loadDesiredOrThrow(values, ctx);
    writeManifestWarnings(ctx, warnings);
    const source = findSource(desired, name);
    const engine = await connectEngine(values, ctx);
    try {
      const stream = await openSourceLogs(engine, desired.project, source, {
        follow: values.follow === true,
        timestamps: values.timestamps === true,
        signal: ctx.signal,
        ...(tail === undefined ? {} : { tail }),
        ...(since === undefined ? {} : { since }),
      });
      await copyLogs(stream, ctx);
      return 0;
    } catch (err: unknown) {
      if (ctx.signal.aborted && isEngineError(err, 'cancelled')) return 0;
      throw err;
    } finally {
      await engine.close();
    }
  },
};
