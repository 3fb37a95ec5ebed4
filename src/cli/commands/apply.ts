// `moor apply`: plans (or takes a saved plan), shows the plan, asks on a terminal, and runs it.
// `moor destroy` (destroy.ts) is the same pipeline with an empty desired state.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyPlan, DEFAULT_CONCURRENCY } from '../../apply/apply.js';
import type { ApplyReport } from '../../apply/execute.js';
import { acquireProjectLock, lockDirectory, lockScope } from '../../apply/lock.js';
import { MoorError, UsageError } from '../../errors.js';
import type { EngineClient } from '../../engine/client.js';
import type { DesiredProject } from '../../model/desired.js';
import { parseDuration } from '../../manifest/syntax.js';
import { matchesFingerprint, stableStringify } from '../../model/hash.js';
import { WaitFailedError, waitForRollout } from '../../operate/rollout.js';
import { waitTargets } from '../../operate/wait.js';
import type { Plan } from '../../plan/build.js';
import { formatDuration, renderPlanText, summaryLine } from '../../plan/render.js';
import { StalePlanError, stepsForSaving, type SavedPlan } from '../../plan/saved.js';
import { requireFileName } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { connectEngine, ENGINE_OPTIONS, ENGINE_OPTIONS_HELP } from '../engine-options.js';
import { loadDesiredOrThrow, MANIFEST_OPTIONS, MANIFEST_OPTIONS_HELP, readingValues } from '../manifest-options.js';
import { paint, progressPrinter, pullProgressPrinter, renderReport, useColor, writeManifestWarnings } from '../output.js';
import { dockerConfigRegistryAuth, imagesNeedingCredentials, type RegistryAuthLookup, type RegistryAuthSource } from '../../apply/registry-auth.js';
import { waitProgress } from '../wait-output.js';
import { emptyProject, observeAndPlan, PLAN_OPTIONS, PLAN_OPTIONS_HELP, type PlannedRun, planOptionsFrom, readSavedPlan, ONE_OFF_OPTIONS, ONE_OFF_OPTIONS_HELP } from '../reconcile.js';

export const APPLY_OPTIONS = {
  yes: { type: 'boolean', short: 'y' },
  concurrency: { type: 'string' },
} as const;

export function concurrencyFrom(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--concurrency must be a whole number from 1 to 64, not '${value}'`);
  return n;
}

export interface RunOptions {
  readonly verb: 'Apply' | 'Destroy';
  readonly yes: boolean;
  readonly concurrency: number;
  readonly color: boolean;
  /** A saved plan: applied without a question, as it was reviewed when it was made. */
  readonly saved: boolean;
  /** --wait: after the steps, wait until what changed has converged (at most this long). */
  readonly waitTimeoutMs?: number | undefined;
  /** Registry credentials (default: the Docker config's), shared with a `--pull always` before. */
  readonly registryAuth?: RegistryAuthSource | undefined;
  /** --debug: say where each registry's credentials came from (never what they are). */
  readonly debug?: boolean | undefined;
}

export const DEFAULT_WAIT_TIMEOUT = '5m';

/** --wait-timeout: a duration ("90s", "5m", "1h30m") or whole seconds; positive, at most a day. */
export function waitTimeoutFrom(value: string | undefined): number {
  const text = value ?? DEFAULT_WAIT_TIMEOUT;
  const parsed = /^[0-9]+$/.test(text) ? { ok: true as const, value: Number(text) * 1e9 } : parseDuration(text);
  if (!parsed.ok || parsed.value <= 0 || parsed.value > 24 * 3600e9) throw new UsageError(`--wait-timeout must be a duration such as 90s, 5m or 1h (at most 24h), or whole seconds, not '${text}'`);
  return Math.ceil(parsed.value / 1e6);
}

/**
 * Shows the plan, asks for confirmation on a terminal, runs it with progress, prints the report.
 * Returns the exit status.
 */
export async function confirmAndApply(ctx: CommandContext, engine: EngineClient, desired: DesiredProject, run: PlannedRun, options: RunOptions): Promise<number> {
  const { plan } = run;
  ctx.stdout.write(renderPlanText(plan, { color: options.color, teardown: options.verb === 'Destroy' }));
  if (plan.problems.some((p) => p.severity === 'error')) return 1;
  const waitFor = options.waitTimeoutMs === undefined ? [] : waitTargets(plan);
  if (plan.steps.length === 0 && waitFor.length === 0) return 0;
  if (plan.steps.length === 0) return waitAndReport(ctx, engine, plan, undefined, options);
  if (!options.yes && !options.saved && ctx.interactive) {
    const ok = await ctx.confirm(`\n${options.verb} these changes (${summaryLine(plan.summary)})? Only 'yes' continues. [y/N]`);
    if (!ok) {
      ctx.stderr.write(`moor: ${options.verb.toLowerCase()} cancelled; nothing was changed\n`);
      return 1;
    }
  }
  // Credential helpers run now, before the steps, and only for the registries the steps need.
  const auth = await prepareRegistryAuth(ctx, options.registryAuth ?? dockerConfigRegistryAuth(ctx.env), imagesNeedingCredentials(plan.steps), options.debug === true);
  ctx.stdout.write(`\n${options.verb === 'Apply' ? 'Applying' : 'Destroying'}:\n`);
  const started = performance.now();
  const report = await applyPlan(engine, desired, run.observed, plan, {
    concurrency: options.concurrency,
    signal: ctx.signal,
    onEvent: progressPrinter(ctx.stdout, options.color),
    onPullProgress: pullProgressPrinter(ctx.stdout, options.color),
    registryAuth: auth,
    awaitRollouts: options.waitTimeoutMs !== undefined,
    verifyReplacements: options.waitTimeoutMs !== undefined,
    ...(options.waitTimeoutMs === undefined ? {} : { waitTimeoutMs: options.waitTimeoutMs }),
  });
  ctx.stdout.write(`\n${renderReport(report, performance.now() - started, options.verb, options.color, ctx.signal.aborted)}`);
  if (!report.ok) return 1;
  return options.waitTimeoutMs === undefined ? 0 : waitAndReport(ctx, engine, plan, report, options);
}

/** apply --wait, after the steps: a progress view, then success, or a WaitFailedError. */
async function waitAndReport(ctx: CommandContext, engine: EngineClient, plan: Plan, report: ApplyReport | undefined, options: RunOptions): Promise<number> {
  const timeoutMs = options.waitTimeoutMs ?? 0;
  const count = waitTargets(plan, report).length;
  if (count === 0) return 0;
  ctx.stdout.write(`\nWaiting for ${count} object${count === 1 ? '' : 's'} to converge (at most ${formatDuration(timeoutMs * 1e6)}):\n`);
  const result = await waitForRollout(engine, plan, report, { timeoutMs, signal: ctx.signal, onProgress: waitProgress(ctx.stdout, options.color) });
  if (result.outcome !== 'converged') throw new WaitFailedError(result);
  ctx.stdout.write(`\n${paint(options.color, '1;32', 'Converged')}: ${count} object${count === 1 ? '' : 's'} running as the manifest says (${(result.elapsedMs / 1000).toFixed(1)}s).\n`);
  return 0;
}

/** Holds the project lock around `work`. */
export async function withLock<T>(ctx: CommandContext, engine: EngineClient, project: string, command: string, work: () => Promise<T>): Promise<T> {
  const scope = lockScope(await engine.system.info({ signal: ctx.signal }), engine.endpoint);
  const lock = acquireProjectLock({ directory: lockDirectory(ctx.env), scope, project, command });
  try {
    return await work();
  } finally {
    lock.release();
  }
}

/** Runs the credential helpers the images need; says what the user should know, on stderr. */
async function prepareRegistryAuth(ctx: CommandContext, source: RegistryAuthSource, images: readonly string[], debug: boolean): Promise<RegistryAuthLookup> {
  const { lookup, notes, trace } = await source.prepare(images, ctx.signal);
  if (debug) for (const line of trace) ctx.stderr.write(`moor: debug: ${line}\n`);
  for (const note of notes) ctx.stderr.write(`moor: warning: ${note}\n`);
  return lookup;
}

async function pullAll(ctx: CommandContext, engine: EngineClient, desired: DesiredProject, registryAuth: RegistryAuthSource, debug: boolean): Promise<void> {
  const images = [...new Set([...Object.values(desired.containers).map((c) => c.spec.image), ...Object.values(desired.services).map((s) => s.spec.image)])].sort();
  const lookup = await prepareRegistryAuth(ctx, registryAuth, images, debug);
  const print = pullProgressPrinter(ctx.stderr, false);
  for (const image of images) {
    const auth = lookup(image);
    await engine.images.pull(image, { ...(auth === undefined ? {} : { auth }), onProgress: (p) => print(image, p) });
  }
}

/** Re-plans from the same manifest and state with the saved seed; any difference makes the plan stale. */
async function replayCheck(engine: EngineClient, desired: DesiredProject, saved: SavedPlan, signal: AbortSignal): Promise<PlannedRun> {
  const run = await observeAndPlan(engine, desired, saved.options, saved.seed, signal);
  if (run.plan.observedFingerprint !== saved.plan.observedFingerprint) {
    throw new StalePlanError(`the project's objects on the Engine changed since it was made (${saved.created_at})`);
  }
  for (const [name, fingerprint] of Object.entries(saved.plan.secretFingerprints)) {
    const secret = desired.secrets[name];
    if (secret === undefined || secret.external || !matchesFingerprint(secret.data.reveal(), fingerprint)) {
      throw new StalePlanError(`the content of secret ${name} changed since it was made`);
    }
  }
  if (stableStringify(stepsForSaving(run.plan.steps, desired, saved.seed)) !== stableStringify(saved.plan.steps)) {
    throw new StalePlanError('the manifest no longer gives the same plan (it changed since the plan was made)');
  }
  return run;
}

export const command: Command = {
  name: 'apply',
  help: `Usage: moor apply [-f FILE]... [--as containers|services] [options]
       moor apply --plan FILE [options]

Makes the Engine match the manifests: plans, shows the plan, asks for confirmation when run on a
terminal (not with --yes, nor when stdin is not a terminal), then runs the steps in dependency
order, independent steps in parallel, with a line per step. A step that fails does not stop
steps that do not depend on it; the report says what was done, what failed and what was skipped,
and running apply again converges from there.

${MANIFEST_OPTIONS_HELP}

${PLAN_OPTIONS_HELP.replace('missing (default): pull images that are not present;', 'missing (default): pull images that are not present;\n                             always: pull every image of the manifest first;')}
${ONE_OFF_OPTIONS_HELP}

Apply options:
  -y, --yes                  Do not ask for confirmation
      --wait                 After the steps, wait until every container and service created,
                             updated or replaced runs as the manifest says: containers running (and
                             healthy, with a healthcheck), services with all their tasks running on
                             the new spec and their update completed. A rollout Swarm rolls back or
                             pauses fails the apply, with Swarm's reason and the tasks' errors, and a
                             rolled-back spec is recorded so that later applies hold it back. A
                             replaced container is health-gated: the previous one is removed only
                             once the new one runs as the manifest says, and is put back if it does not
      --wait-timeout D       How long --wait (and a depends_on wait) may take: 90s, 5m, 1h
                             (default ${DEFAULT_WAIT_TIMEOUT}); what has not converged by then is named, with why
      --plan FILE            Apply a plan saved by 'moor plan --out FILE', exactly: refused, with
                             nothing changed, if the Engine's state or the manifest moved since
      --concurrency N        Steps run at once (default ${DEFAULT_CONCURRENCY})
      --no-color             No colours (also NO_COLOR=1)

${ENGINE_OPTIONS_HELP}
Exit status: 0 success (or nothing to do); 1 error: invalid manifest, Engine error, a plan with
errors, a stale saved plan, a declined confirmation, steps that failed, or (--wait) objects that
did not converge, a rollout Swarm rolled back or paused, or a service held back by the plan.
`,
  async run(args, ctx) {
    const { values } = parseArgs({
      args: [...args],
      options: { ...MANIFEST_OPTIONS, ...PLAN_OPTIONS, ...ONE_OFF_OPTIONS, ...ENGINE_OPTIONS, ...APPLY_OPTIONS, plan: { type: 'string' }, wait: { type: 'boolean' }, 'wait-timeout': { type: 'string' }, help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } },
      strict: true,
    });
    if (values.help === true) {
      ctx.stdout.write(this.help);
      return 0;
    }
    const color = useColor(ctx, ctx.stdout, values['no-color']);
    const concurrency = concurrencyFrom(values.concurrency);
    if (values['wait-timeout'] !== undefined && values.wait !== true) throw new UsageError('--wait-timeout needs --wait');
    const waitTimeoutMs = values.wait === true ? waitTimeoutFrom(values['wait-timeout']) : undefined;

    if (values.plan !== undefined) {
      for (const flag of ['prune-volumes', 'replace-volumes', 'pull', 'retry-failed', 'adopt', 'replace', 'target'] as const) {
        if (values[flag] !== undefined) throw new UsageError(`--${flag} cannot be given with --plan: the saved plan was made with its own options`);
      }
      const saved = readSavedPlan(path.resolve(ctx.cwd, requireFileName('--plan', values.plan)));
      const desired = saved.options.destroy
        ? emptyProject(saved.project)
        : (await loadDesiredOrThrow(readingValues({ ...values, file: values.file ?? saved.manifests, 'env-file': values['env-file'] ?? saved.env_files }, saved.reading), ctx)).desired;
      if (desired.project !== saved.project) throw new MoorError('PLAN_INVALID', `the plan is for project ${saved.project}, the manifest for ${desired.project}`);
      const engine = await connectEngine(values, ctx);
      try {
        if (engine.endpoint !== saved.endpoint) throw new MoorError('PLAN_INVALID', `the plan was made against ${saved.endpoint}, not ${engine.endpoint}`);
        return await withLock(ctx, engine, desired.project, 'moor apply', async () => {
          const run = await replayCheck(engine, desired, saved, ctx.signal);
          return confirmAndApply(ctx, engine, desired, run, { verb: saved.options.destroy ? 'Destroy' : 'Apply', yes: true, concurrency, color, saved: true, waitTimeoutMs, debug: values.debug === true });
        });
      } finally {
        await engine.close();
      }
    }

    const options = planOptionsFrom(values, ['missing', 'always', 'never'] as const);
    const { desired, warnings, source } = await loadDesiredOrThrow(values, ctx);
    writeManifestWarnings(ctx, warnings);
    const engine = await connectEngine(values, ctx);
    try {
      return await withLock(ctx, engine, desired.project, 'moor apply', async () => {
        if (source !== null) ctx.stdout.write(`${source}\n\n`);
        const registryAuth = dockerConfigRegistryAuth(ctx.env);
        const debug = values.debug === true;
        if (options.pull === 'always') await pullAll(ctx, engine, desired, registryAuth, debug);
        const run = await observeAndPlan(engine, desired, { ...options, pull: options.pull === 'always' ? 'missing' : options.pull }, undefined, ctx.signal);
        return confirmAndApply(ctx, engine, desired, run, { verb: 'Apply', yes: values.yes === true, concurrency, color, saved: false, waitTimeoutMs, registryAuth, debug });
      });
    } finally {
      await engine.close();
    }
  },
};

