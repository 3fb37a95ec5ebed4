// What `moor plan`, `moor apply` and `moor destroy` share: their planning options, and the
// observe -> plan pipeline on a connected Engine.
import { accessSync, closeSync, constants, fchmodSync, lstatSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { EngineClient } from '../engine/client.js';
import { describeFsError, isMissing } from '../manifest/files.js';
import type { DesiredProject } from '../model/desired.js';
import { randomSeed, seededIds } from '../model/hash.js';
import { parseObjectId } from '../model/kinds.js';
import type { ObservedProject } from '../model/observed.js';
import { listEngine, observeProject, type EngineListing } from '../observe/observe.js';
import type { CommandContext } from './command.js';
import { connectQuietly, writeEngineWarnings, type EngineOptionValues } from './engine-options.js';
import { buildPlan, type Plan } from '../plan/build.js';
import { parseSavedPlan, SAVED_PLAN_FORMAT, SAVED_PLAN_VERSION, stepsForSaving, type SavedPlan, type SavedPlanOptions, type SavedReading } from '../plan/saved.js';
import { MOOR_VERSION } from '../version.js';

export const PLAN_OPTIONS = {
  'prune-volumes': { type: 'boolean' },
  'replace-volumes': { type: 'boolean' },
  pull: { type: 'string' },
  'no-color': { type: 'boolean' },
} as const;

/**
 * `--retry-failed`, `--adopt`, `--replace` and `--target`, for plan and apply only: one-off
 * decisions of a person. A watcher given --retry-failed would send a failing spec again on every
 * cycle, which is the flap it exists to prevent; taking over what another tool made is decided
 * once, not on every cycle; a watcher given --replace would replace on every cycle; and one given
 * --target would keep the rest of the project unconverged for good.
 */
export const ONE_OFF_OPTIONS = {
  'retry-failed': { type: 'boolean' },
  adopt: { type: 'string', multiple: true },
  replace: { type: 'string', multiple: true },
  target: { type: 'string', multiple: true },
} as const;

export const PLAN_OPTIONS_HELP = `Planning options:
      --prune-volumes        Delete owned volumes that are no longer in the manifest (their data is lost)
      --replace-volumes      Allow recreating volumes whose driver, options or labels changed (data is lost)
      --pull POLICY          missing (default): pull images that are not present;
                             never: a missing image is an error`;

export const ONE_OFF_OPTIONS_HELP = `      --retry-failed         Send again a service spec whose last rollout Swarm rolled back (without
                             it, that service is held back with a warning), and restart a rollout
                             Swarm paused
      --adopt service/NAME   Take over the service NAME of the manifest although moor did not make
                             it (a service docker stack deploy made under the same name): it is
                             updated to the manifest's spec, with moor's labels, instead of refused
                             as a name conflict. Repeatable. Networks, volumes and containers cannot
                             be adopted (the Engine never changes their labels)
      --replace container/NAME, --replace service/NAME
                             Replace it although nothing changed (after a bind-mounted file or a
                             re-pulled tag changed): a container is created anew and swapped in, as
                             for any replacement; a service's tasks are all restarted, following its
                             update_config (docker service update --force). Repeatable
      --target KIND/NAME     Plan only this object (container/web, service/api, network/front...)
                             and what it needs (the network it joins, the secret version it moves
                             to...); every other change is left out, and a warning counts them.
                             Repeatable. For a fix that cannot wait, not for every day`;

export interface PlanOptionValues {
  readonly 'prune-volumes'?: boolean | undefined;
  readonly 'replace-volumes'?: boolean | undefined;
  readonly pull?: string | undefined;
  readonly 'retry-failed'?: boolean | undefined;
  readonly adopt?: readonly string[] | undefined;
  readonly replace?: readonly string[] | undefined;
  readonly target?: readonly string[] | undefined;
}

export function planOptionsFrom<P extends string>(values: PlanOptionValues, allowed: readonly P[]): { pruneVolumes: boolean; replaceVolumes: boolean; pull: P; retryFailed: boolean; adopt: string[]; replace: string[]; target: string[] } {
  const pull = values.pull ?? 'missing';
  const known = allowed.find((a) => a === pull);
  if (known === undefined) throw new UsageError(`--pull must be ${allowed.join(', ').replace(/, ([^,]*)$/, ' or $1')}, not '${pull}'`);
  return { pruneVolumes: values['prune-volumes'] === true, replaceVolumes: values['replace-volumes'] === true, pull: known, retryFailed: values['retry-failed'] === true, adopt: adoptFrom(values.adopt ?? []), replace: replaceFrom(values.replace ?? []), target: targetFrom(values.target ?? []) };
}

/** `--target KIND/NAME`: the ids, of any kind. */
function targetFrom(values: readonly string[]): string[] {
  return [...new Set(values.map((value) => {
    const id = parseObjectId(value);
    if (id === null) throw new UsageError(`--target takes KIND/NAME (container/web, service/api, network/front, volume/data, secret/NAME or config/NAME), not '${value}'`);
    return `${id.kind}/${id.name}`;
  }))].sort();
}

/** `--replace container/NAME` or `service/NAME`: the ids. What other kinds are made of decides when they are recreated. */
function replaceFrom(values: readonly string[]): string[] {
  return [...new Set(values.map((value) => {
    const id = parseObjectId(value);
    if (id === null) throw new UsageError(`--replace takes container/NAME or service/NAME, not '${value}'`);
    if (id.kind === 'container' || id.kind === 'service') return `${id.kind}/${id.name}`;
    const when = id.kind === 'secret' || id.kind === 'config' ? 'a new version is made when its content changes' : `it is recreated when its ${id.kind === 'network' ? 'driver or options' : 'driver or options (with --replace-volumes: its data is lost)'} change`;
    throw new UsageError(`--replace ${value}: only containers and services can be replaced on demand; a ${id.kind} is made of what the manifest says of it: ${when}`);
  }))].sort();
}

/** `--adopt service/NAME`: the services' names. Other kinds cannot be adopted: their labels never change. */
function adoptFrom(values: readonly string[]): string[] {
  return [...new Set(values.map((value) => {
    const id = parseObjectId(value);
    if (id === null) throw new UsageError(`--adopt takes service/NAME, not '${value}'`);
    const { kind, name } = id;
    if (kind === 'service') return name;
    throw new UsageError(`--adopt ${value}: only services can be adopted: the Engine never changes a ${kind}'s labels, by which moor knows what it owns${kind === 'network' || kind === 'volume' ? ` (use the existing ${kind} with external: true and its name)` : ''}`);
  }))];
}

export interface PlannedRun {
  readonly plan: Plan;
  readonly observed: ObservedProject;
  readonly seed: string;
}

/** Observes the project on the Engine and plans; the seed makes the plan reproducible. */
export async function observeAndPlan(
  engine: EngineClient,
  desired: DesiredProject,
  options: Omit<SavedPlanOptions, 'destroy'> & { readonly destroy?: boolean },
  seed = randomSeed(),
  signal?: AbortSignal,
  listing?: EngineListing,
): Promise<PlannedRun> {
  const observed = await observeProject(engine, desired.project, { ...(signal === undefined ? {} : { signal }), ...(listing === undefined ? {} : { listing }) });
  const plan = buildPlan(desired, observed, {
    pruneVolumes: options.pruneVolumes,
    replaceVolumes: options.replaceVolumes,
    pull: options.pull,
    retryFailed: options.retryFailed === true,
    adopt: options.adopt ?? [],
    replace: options.replace ?? [],
    target: options.target ?? [],
    teardown: options.destroy === true,
    newId: seededIds(seed),
  });
  return { plan, observed, seed };
}

/**
 * The Engine side of a read-only command, started before its manifest is read: connecting and
 * listing the Engine's objects (observe.ts, step 1) need no manifest, so the Engine answers while
 * moor parses. Not for apply or destroy: they list only once they hold the project's lock.
 */
export interface EarlyEngine {
  /** Once the manifest is loaded: the client (the caller closes it) and the listing, or the Engine's error. */
  ready(): Promise<{ readonly engine: EngineClient; readonly listing: EngineListing }>;
  /** When the manifest failed: closes the client; the manifest's error stands alone. */
  abandon(): Promise<void>;
}

export function connectEarly(values: EngineOptionValues, ctx: CommandContext): EarlyEngine {
  // abandon() stops whatever is in flight: an Engine that does not answer must not hold up the
  // manifest's error until the connection times out.
  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  const engine = connectQuietly(values, ctx, { signal });
  const listing = engine.then((client) => listEngine(client, { signal }));
  // Handled here, so that a failure nobody awaits yet (the manifest is still loading) is not an
  // unhandled rejection; ready() and abandon() still see it.
  listing.catch(() => undefined);
  return {
    async ready() {
      const client = await engine;
      writeEngineWarnings(ctx, client);
      try {
        return { engine: client, listing: await listing };
      } catch (err: unknown) {
        await client.close();
        throw err;
      }
    },
    async abandon() {
      stop.abort();
      const client = await engine.catch(() => null);
      await listing.catch(() => undefined);
      await client?.close();
    },
  };
}

/** The desired state of `moor destroy`: the project, with nothing in it. */
export { emptyProject } from '../model/desired.js';

/**
 * Throws a usage error unless a saved plan can be written to `file` (an absolute path): checked
 * before planning, so that a mistyped --out fails at once, not after the plan was printed.
 */
export function checkPlanFileWritable(file: string): void {
  const refuse = (why: string): never => {
    throw new UsageError(`cannot write the plan file ${file}: ${why}`);
  };
  let existing: ReturnType<typeof lstatSync> | undefined;
  try {
    existing = lstatSync(file);
  } catch (err: unknown) {
    if (!isMissing(err)) refuse(describeFsError(err, true));
  }
  if (existing?.isSymbolicLink() === true) throw symbolicLinkError(file);
  if (existing?.isDirectory() === true) refuse('it is a folder, not a file');
  const folder = path.dirname(file);
  if (existing === undefined) {
    try {
      if (!statSync(folder).isDirectory()) refuse(`${folder} is a file, not a folder`);
    } catch (err: unknown) {
      if (err instanceof UsageError) throw err;
      refuse(isMissing(err) ? `no such folder: ${folder}` : describeFsError(err, true));
    }
  }
  try {
    accessSync(existing === undefined ? folder : file, constants.W_OK);
  } catch (err: unknown) {
    refuse(describeFsError(err, true));
  }
}

function symbolicLinkError(file: string): UsageError {
  return new UsageError(`${file} is a symbolic link: moor does not write a plan through one (remove it, or choose another file)`);
}

/**
 * Writes a saved plan, private (0600 from the start, and again for an existing file: plans
 * describe infrastructure). WARNING: never through a symbolic link: moor often runs as root, and a
 * link planted where the plan goes (say in /tmp) would make it overwrite, and chmod, its target.
 */
export function writeSavedPlan(file: string, saved: SavedPlan): void {
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw symbolicLinkError(file);
    // Checked before planning (checkPlanFileWritable): this is the rare change made since.
    throw new UsageError(`cannot write the plan file ${file}: ${describeFsError(err, true)} (the plan was not saved; nothing was applied)`);
  }
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, `${JSON.stringify(saved, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
}

export function readSavedPlan(file: string): SavedPlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err: unknown) {
    throw new UsageError(`cannot read the plan file ${file}: ${describeFsError(err)}`);
  }
  return parseSavedPlan(text, file);
}

export function savedPlan(run: PlannedRun, desired: DesiredProject, fields: { endpoint: string; manifests: readonly string[]; envFiles: readonly string[]; reading: SavedReading; cwd: string; options: SavedPlanOptions }): SavedPlan {
  return {
    format: SAVED_PLAN_FORMAT,
    format_version: SAVED_PLAN_VERSION,
    moor_version: MOOR_VERSION,
    created_at: new Date().toISOString(),
    project: run.plan.project,
    endpoint: fields.endpoint,
    manifests: fields.manifests.map((f) => path.resolve(fields.cwd, f)),
    env_files: fields.envFiles.map((f) => path.resolve(fields.cwd, f)),
    reading: fields.reading,
    seed: run.seed,
    options: fields.options,
    plan: { ...run.plan, steps: stepsForSaving(run.plan.steps, desired, run.seed) },
  };
}
