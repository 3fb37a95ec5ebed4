// `moor logs NAME`: the output of a container of the manifest, or of a service's tasks, by its
// logical name. Streamed as it arrives (stdout to stdout, stderr to stderr), never buffered whole;
// --follow until Ctrl-C.
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import { isEngineError } from '../../engine/errors.js';
import type { EngineClient } from '../../engine/client.js';
import { type LogChunk, type LogOptions, splitLogLine } from '../../engine/logs.js';
import type { Task } from '../../engine/types.js';
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

/** A source's log stream, and for a service's, the name of the task each frame is from. */
interface OpenedLogs {
  readonly stream: EngineStream<LogChunk>;
  readonly prefix: TaskPrefixer | null;
}

/** A frame's prefix (`api.2 | ` and its timestamp), and its message without them. */
export type TaskPrefixer = (frame: Uint8Array) => Promise<{ readonly prefix: string; readonly message: Uint8Array }>;

/**
 * `api.2 | ` before each line of a service's task 2 (`api.<node id>` for a global service's),
 * from the task id the Engine gives each line (`details`). A task the names do not know yet (a
 * new one, with --follow) makes them read the service's tasks again, once per task.
 */
export function taskPrefixer(name: string, timestamps: boolean, listTasks: () => Promise<readonly Task[]>): TaskPrefixer {
  const labels = new Map<string, string>();
  return async (frame) => {
    const line = splitLogLine(frame, timestamps);
    const task = line.details.get('com.docker.swarm.task.id');
    if (task === undefined) return { prefix: line.timestamp, message: line.message };
    let label = labels.get(task);
    if (label === undefined) {
      for (const t of await listTasks()) labels.set(t.ID, t.Slot !== undefined && t.Slot > 0 ? `${name}.${t.Slot}` : `${name}.${(t.NodeID ?? t.ID).slice(0, 12)}`);
      // A task gone from the list already is named by its id, and not looked for again.
      label = labels.get(task) ?? `${name}.${task.slice(0, 12)}`;
      labels.set(task, label);
    }
    return { prefix: `${label} | ${line.timestamp}`, message: line.message };
  };
}

/** Opens the logs of `source`, checking it exists and is the project's. */
async function openSourceLogs(engine: EngineClient, project: string, source: Source, options: LogOptions, prefix: boolean): Promise<OpenedLogs> {
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
    return { stream: await engine.containers.logs(c.Id, { ...options, tty: c.Config.Tty === true }), prefix: null };
  }
  const s = await engine.services.inspect(source.engineName, signal).catch(missing);
  if (!isOwnedBy(s.Spec.Labels, project)) notOurs();
  // A TTY's output comes raw, not in frames of a line each: no line to name a task in.
  const tty = s.Spec.TaskTemplate.ContainerSpec?.['TTY'] === true;
  const named = prefix && !tty;
  const stream = await engine.services.logs(s.ID, { ...options, tty, details: named });
  const listTasks = (): Promise<Task[]> => engine.tasks.list({ filters: { service: [s.ID] }, ...signal });
  return { stream, prefix: named ? taskPrefixer(source.name, options.timestamps === true, listTasks) : null };
}

/** Writes, and waits for the stream to drain when it asks to (a slow reader must not make moor hold the logs in memory). */
async function writeDrained(out: Writable, text: string): Promise<void> {
  const ok = out.write(text);
  const emitter = out as Partial<NodeJS.EventEmitter>;
  if (ok === false && typeof emitter.once === 'function') await once(emitter as NodeJS.EventEmitter, 'drain');
}

export async function copyLogs({ stream, prefix }: OpenedLogs, ctx: Pick<CommandContext, 'stdout' | 'stderr' | 'signal'>): Promise<void> {
  // One decoder per stream: a UTF-8 character may be split between two chunks.
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  try {
    for await (const chunk of stream) {
      const out = chunk.stream === 'stderr' ? ctx.stderr : ctx.stdout;
      if (prefix === null) {
        const text = decoders[chunk.stream].write(chunk.data);
        if (text !== '') await writeDrained(out, text);
        continue;
      }
      const line = await prefix(chunk.data);
      await writeDrained(out, line.prefix + decoders[chunk.stream].write(line.message));
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
container's stdout goes to stdout and its stderr to stderr, as it arrives. A service's lines
start with the name of their task: NAME.SLOT | (NAME.NODE | for a global service).

${MANIFEST_OPTIONS_HELP}

Log options:
      --follow               Keep printing new output until Ctrl-C
      --tail N               Only the last N lines (default: all)
      --since T              Only output since T: a duration back from now (10m, 1h30m), a date
                             (2026-01-02T15:04:05Z) or Unix seconds
      --timestamps           Prefix each line with its timestamp
      --no-prefix            A service's lines without the name of their task (api.2 | ...)

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
        'no-prefix': { type: 'boolean' },
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
      const opened = await openSourceLogs(
        engine,
        desired.project,
        source,
        {
          follow: values.follow === true,
          timestamps: values.timestamps === true,
          signal: ctx.signal,
          ...(tail === undefined ? {} : { tail }),
          ...(since === undefined ? {} : { since }),
        },
        values['no-prefix'] !== true,
      );
      await copyLogs(opened, ctx);
      return 0;
    } catch (err: unknown) {
      if (ctx.signal.aborted && isEngineError(err, 'cancelled')) return 0;
      throw err;
    } finally {
      await engine.close();
    }
  },
};
