// `moor watch`: the GitOps agent. Applies the manifests (from files, or from a Git repository),
// then keeps the project converged until SIGTERM/SIGINT: Engine events and file changes trigger a
// cycle soon after, the interval is the full resync. The loop itself is src/watch/; this file
// only turns options into its inputs and its end into an exit status.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { acquireProjectLock, LockError, lockDirectory, lockScope, type ProjectLock } from '../../apply/lock.js';
import { dockerConfigRegistryAuth } from '../../apply/registry-auth.js';
import { parseEndpoint, type RequestHook } from '../../engine/index.js';
import { isMoorError, UsageError } from '../../errors.js';
import { parseDuration } from '../../manifest/syntax.js';
import { enginePipeline } from '../../watch/cycle.js';
import { GitCheckout } from '../../watch/git.js';
import { createLogger, LOG_FORMATS, type LogFormat, type Logger } from '../../watch/log.js';
import { parseListen } from '../../watch/server.js';
import { fileSource, gitSource, type DesiredSource } from '../../watch/source.js';
import { runWatch } from '../../watch/watch.js';
import { parseCommandArgs } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { exitCodeFor } from '../errors.js';
import { connectEngine, ENGINE_OPTIONS, ENGINE_OPTIONS_HELP } from '../engine-options.js';
import { MANIFEST_OPTIONS, MANIFEST_OPTIONS_HELP, manifestFiles, manifestLoader } from '../manifest-options.js';
import { PLAN_OPTIONS, PLAN_OPTIONS_HELP, planOptionsFrom } from '../reconcile.js';

const { 'no-color': _noColor, ...WATCH_PLAN_OPTIONS } = PLAN_OPTIONS;

const WATCH_OPTIONS = {
  interval: { type: 'string' },
  'dry-run': { type: 'boolean' },
  git: { type: 'string' },
  ref: { type: 'string' },
  path: { type: 'string' },
  workdir: { type: 'string' },
  listen: { type: 'string' },
  'sync-secret-file': { type: 'string' },
  'unhealthy-after': { type: 'string' },
  'log-format': { type: 'string' },
  'shutdown-timeout': { type: 'string' },
} as const;

/** A duration option ("30s", "5m", "1m30s") in milliseconds, at least `minMs`. */
export function durationOption(flag: string, text: string, minMs: number): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new UsageError(`--${flag}: ${parsed.error}`);
  const ms = parsed.value / 1e6;
  if (ms < minMs) throw new UsageError(`--${flag} must be at least ${minMs >= 1000 ? `${minMs / 1000}s` : `${minMs}ms`}, got ${text}`);
  return ms;
}

function countOption(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 1000) throw new UsageError(`--${flag} must be a whole number from 1 to 1000, not '${text}'`);
  return n;
}

/** The secret of --sync-secret-file: the file's content without its final line break. */
function readSyncSecret(file: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (err: unknown) {
    throw new UsageError(`--sync-secret-file ${file}: cannot read it: ${err instanceof Error ? err.message : String(err)}`);
  }
  const end = content.at(-1) === 0x0a ? (content.at(-2) === 0x0d ? content.length - 2 : content.length - 1) : content.length;
  const secret = content.subarray(0, end);
  if (secret.length === 0) throw new UsageError(`--sync-secret-file ${file}: the file is empty`);
  if (/[\r\n]/.test(secret.toString('latin1'))) throw new UsageError(`--sync-secret-file ${file}: the secret must be one line`);
  return secret;
}

/** The default Git work folder: one per URL, ref and path, next to the locks. */
function defaultWorkdir(env: CommandContext['env'], url: string, ref: string, sub: string): string {
  const key = createHash('sha256').update(`${url}\n${ref}\n${sub}`).digest('hex').slice(0, 16);
  return path.join(lockDirectory(env), 'git', key);
}

/** Two watchers must not fetch into one checkout: the work folder has a lock of its own. */
function lockWorkdir(env: CommandContext['env'], workdir: string): ProjectLock {
  try {
    return acquireProjectLock({ directory: lockDirectory(env), scope: workdir, project: 'git-workdir', command: 'moor watch --git' });
  } catch (err: unknown) {
    if (!(err instanceof LockError) || err.holder === null) throw err;
    const h = err.holder;
    throw new LockError(`the Git work folder ${workdir} is in use by ${h.command} (pid ${h.pid} on ${h.host}, since ${h.since}); give another --workdir, or stop that watcher`, err.path, h);
  }
}

export const command: Command = {
  name: 'watch',
  help: `Usage: moor watch [-f FILE]... [options]
       moor watch --git URL [--ref REF] [--path DIR] [-f FILE]... [options]

Applies the manifests, then keeps the project converged until stopped (SIGTERM or Ctrl-C): a
GitOps agent. A reconcile cycle (read the manifests, observe the Engine, plan, apply) runs:
  - soon after the Engine reports a change to one of the project's objects (drift: a container
    removed by hand is back within seconds), after a quiet period of 1.5s (5s at most);
  - soon after a manifest, an env file or a file: source of a secret or config changes;
  - every --interval, whatever happened (a full resync: events are only hints), and on POST /sync.
Cycles never overlap; triggers during a cycle make one follow-up cycle. An invalid edit is
reported (FILE:LINE:COL) and the last good manifest stays in force. A plan that failed is not
applied again, identically, before a backoff (2.5-5s, doubling, at most 2.5-5min). An unreachable
Engine is retried with backoff (0.25-0.5s, doubling, at most 7.5-15s); the watcher never exits
because of it.
The project's lock is held for the watcher's whole life: a second watch or apply is refused.
One log line per cycle on stderr: triggers, plan summary, changes and why, duration, result.

${MANIFEST_OPTIONS_HELP}

${PLAN_OPTIONS_HELP}

Watch options:
      --interval DURATION    Full resync period (default 30s; at least 1s), e.g. 30s, 5m, 1h
      --dry-run              Report drift and the changes each cycle would make; change nothing
      --listen HOST:PORT     Serve GET /healthz, GET /metrics (Prometheus) and POST /sync there
                             (default: no listener; /healthz and /metrics are read-only)
      --sync-secret-file FILE
                             POST /sync must prove it knows the secret in FILE: a webhook
                             signed with it (X-Hub-Signature-256: GitHub, Gitea, Forgejo),
                             X-Gitlab-Token: SECRET, or Authorization: Bearer SECRET; else 401.
                             Without it, POST /sync is open: bind to loopback
      --unhealthy-after N    /healthz answers 503 after N failed cycles in a row (default 3)
      --log-format FORMAT    text (default) or json: one record per line, on stderr
      --shutdown-timeout DURATION
                             On SIGTERM/SIGINT, how long the running steps may take to finish
                             (default 30s); exit 1 if they do not

Git options:
      --git URL              Read the manifests from this repository (any URL or path git
                             accepts, e.g. https://..., ssh://..., /srv/repo.git); fetched at
                             every --interval and POST /sync, and each new commit applied
      --ref REF              Branch or tag to follow (default: HEAD, the remote's default branch)
      --path DIR             The manifests' folder inside the repository (default: its top);
                             -f names files relative to it (default moor.yaml)
      --workdir DIR          Where the checkout lives (default: <lock folder>/git/<hash>; the
                             lock folder is $MOOR_LOCK_DIR, else $XDG_RUNTIME_DIR/moor, else
                             /tmp/moor-locks)

${ENGINE_OPTIONS_HELP}
Exit status: 0 after a clean stop; 1 when it cannot start (bad options, the project or the Git
work folder is locked by another moor) or when the running steps outlive --shutdown-timeout.
`,
  async run(args, ctx) {
    const { values } = parseWatchArgs(args);
    if (values.help === true) {
      ctx.stdout.write(this.help);
      return 0;
    }
    const format = values['log-format'] ?? 'text';
    if (!LOG_FORMATS.includes(format as LogFormat)) throw new UsageError(`--log-format must be ${LOG_FORMATS.join(' or ')}, not '${format}'`);
    const debug = values.debug === true;
    // From here on moor watch writes records of its log only (JSON lines, with --log-format json):
    // a bad command line is still refused as every command refuses one (plain text, exit 1), but
    // any other error is a record, and so are bin/moor's debug notes after it.
    const logger = createLogger({ format: format as LogFormat, write: (line) => ctx.stderr.write(line), debug });
    ctx.logNotes?.((text) => logger.log('debug', text));
    try {
      return await watch(values, ctx, logger);
    } catch (err: unknown) {
      if (!isMoorError(err) || err.code === 'USAGE') throw err;
      const details = err.details();
      logger.log('error', 'cannot go on', { error: err.message, details: details.length === 0 ? undefined : details, stack: debug ? err.stack : undefined });
      return exitCodeFor(err);
    }
  },
};

type WatchValues = ReturnType<typeof parseWatchArgs>['values'];

function parseWatchArgs(args: readonly string[]) {
  return parseCommandArgs(args, {
    ...MANIFEST_OPTIONS,
    ...WATCH_PLAN_OPTIONS,
    ...ENGINE_OPTIONS,
    ...WATCH_OPTIONS,
    help: { type: 'boolean', short: 'h' },
    debug: { type: 'boolean' },
  });
}

/** The watcher, once the log is set up: the other options, the Git work folder's lock, runWatch. */
async function watch(values: WatchValues, ctx: CommandContext, logger: Logger): Promise<number> {
  const intervalMs = durationOption('interval', values.interval ?? '30s', 1000);
  const shutdownTimeoutMs = durationOption('shutdown-timeout', values['shutdown-timeout'] ?? '30s', 0);
  const unhealthyAfter = countOption('unhealthy-after', values['unhealthy-after'] ?? '3');
  const listen = values.listen === undefined ? null : parseListen(values.listen);
  const syncSecretFile = values['sync-secret-file'];
  if (syncSecretFile !== undefined && listen === null) throw new UsageError('--sync-secret-file needs --listen HOST:PORT: it guards POST /sync');
  const syncSecret = syncSecretFile === undefined ? undefined : readSyncSecret(path.resolve(ctx.cwd, syncSecretFile));
  const planOptions = planOptionsFrom(values, ['missing', 'never'] as const);
  for (const flag of ['ref', 'path', 'workdir'] as const) {
    if (values[flag] !== undefined && values.git === undefined) throw new UsageError(`--${flag} needs --git URL`);
  }
  // A bad endpoint is refused before anything starts.
  parseEndpoint({ host: values.host, allowInsecurePlaintext: values['insecure-plaintext'] === true }, ctx.env);
  const manifest = {
    loader: manifestLoader(values),
    env: ctx.env,
    envFiles: values['env-file'] ?? [],
    allowExternalFiles: values['allow-external-files'] === true,
  };

  let workdirLock: ProjectLock | null = null;
  let source: DesiredSource;
  if (values.git !== undefined) {
    const ref = values.ref ?? 'HEAD';
    const sub = values.path ?? '.';
    const workdir = path.resolve(ctx.cwd, values.workdir ?? defaultWorkdir(ctx.env, values.git, ref, sub));
    const checkout = new GitCheckout({ url: values.git, ref, path: sub, workdir, env: ctx.env });
    workdirLock = lockWorkdir(ctx.env, workdir);
    source = gitSource({ ...manifest, checkout, cwd: ctx.cwd, files: values.file ?? ['moor.yaml'] });
  } else {
    const { files, warnings } = manifestFiles(values, ctx);
    for (const w of warnings) logger.log('warn', w);
    source = fileSource({ ...manifest, cwd: ctx.cwd, files });
  }

  try {
    const exit = await runWatch({
      source,
      // --debug logs each Engine request as a record of the watcher's own log format.
      connect: (onRequest) => connectEngine({ ...values, debug: false }, ctx, { onRequest: values.debug === true ? logRequestsTo(logger, onRequest) : onRequest }),
      lock: async (project, engine) => acquireProjectLock({ directory: lockDirectory(ctx.env), scope: lockScope(await engine.system.info(), engine.endpoint), project, command: 'moor watch' }),
      // Registry credentials as `moor apply` finds them, afresh at each apply (a new `docker login`
      // counts without a restart): credential helpers run then, for the registries the plan needs.
      pipeline: (engine, hurry) => enginePipeline(engine, planOptions, async (images, signal) => {
        const { lookup, notes, trace } = await dockerConfigRegistryAuth(ctx.env).prepare(images, signal);
        for (const line of trace) logger.log('debug', line);
        for (const note of notes) logger.log('warn', note);
        return lookup;
      }, hurry),
      intervalMs,
      dryRun: values['dry-run'] === true,
      unhealthyAfter,
      listen,
      ...(syncSecret === undefined ? {} : { syncSecret }),
      logger,
      signal: ctx.signal,
      shutdownTimeoutMs,
    });
    return exit.clean ? 0 : 1;
  } finally {
    workdirLock?.release();
  }
}

function logRequestsTo(logger: Logger, next: RequestHook): RequestHook {
  return (event) => {
    next(event);
    const retry = event.attempt > 1 ? event.attempt : undefined;
    logger.log('debug', 'engine request', { method: event.method, path: event.path, status: event.status, ms: Math.round(event.durationMs), error: event.error ?? undefined, attempt: retry });
  };
}
