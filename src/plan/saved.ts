// Saved plans (`moor plan --out FILE`, `moor apply --plan FILE`): the file format, and reading it
// back with checks. Pure: the CLI reads and writes the file (mode 0600).
//
// A saved plan holds no secret data: steps name secrets, and secret contents are represented by
// salted fingerprints only. It records what `moor apply --plan` needs to refuse a stale plan: the
// fingerprint of the observed state, and the seed of the plan's new secret versions, so that
// planning again from the same manifest and state must give exactly the same steps.
import { MoorError } from '../errors.js';
import { type DesiredProject, type StringMap, workloadOf } from '../model/desired.js';
import { parseObjectId } from '../model/kinds.js';
import { projectSecretTexts } from '../diff/sensitive.js';
import { saltedFingerprint, sha256Hex } from '../model/hash.js';
import type { Plan } from './build.js';
import { sendsSpec, type Step } from './steps.js';

export const SAVED_PLAN_FORMAT = 'moor-plan';
export const SAVED_PLAN_VERSION = 1;

export interface SavedPlanOptions {
  readonly pruneVolumes: boolean;
  readonly replaceVolumes: boolean;
  readonly pull: 'missing' | 'never';
  /** --retry-failed (absent in plans saved before it existed: false). */
  readonly retryFailed?: boolean;
  /** --adopt: services taken over (absent in plans saved before it existed: none). */
  readonly adopt?: readonly string[];
  /** --replace: ids of the containers and services replaced (absent in plans saved before it existed: none). */
  readonly replace?: readonly string[];
  /** --target: ids of the objects planned (absent in plans saved before it existed: all). */
  readonly target?: readonly string[];
  /** A destroy plan: the desired state is empty. */
  readonly destroy: boolean;
}

/** The command-line options that decide how the manifests are read (Compose files), replayed by apply --plan. */
export interface SavedReading {
  readonly compose: boolean;
  readonly as: string | null;
  readonly project_name: string | null;
  readonly profiles: readonly string[];
}

export interface SavedPlan {
  readonly format: typeof SAVED_PLAN_FORMAT;
  readonly format_version: typeof SAVED_PLAN_VERSION;
  readonly moor_version: string;
  readonly created_at: string;
  readonly project: string;
  readonly endpoint: string;
  /** Absolute paths of the manifests the plan was computed from. */
  readonly manifests: readonly string[];
  readonly env_files: readonly string[];
  /** Absent in plans saved before Compose files were read. */
  readonly reading?: SavedReading;
  readonly seed: string;
  readonly options: SavedPlanOptions;
  readonly plan: Plan;
}

export class SavedPlanError extends MoorError {
  constructor(message: string) {
    super('PLAN_INVALID', message);
  }
}

/** The live state, the manifest or a secret changed since the plan was saved: nothing is applied. */
export class StalePlanError extends MoorError {
  constructor(message: string) {
    super('PLAN_STALE', `the saved plan is stale: ${message}; nothing was changed (run moor plan again)`);
  }
}

function fail(file: string, what: string): never {
  throw new SavedPlanError(`${file} is not a moor plan file: ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reads a saved plan's JSON text, checking its shape; `file` names it in messages. */
export function parseSavedPlan(text: string, file: string): SavedPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail(file, 'it is not JSON');
  }
  if (!isRecord(value) || value.format !== SAVED_PLAN_FORMAT) fail(file, `no "format": "${SAVED_PLAN_FORMAT}"`);
  if (value.format_version !== SAVED_PLAN_VERSION) {
    throw new SavedPlanError(`${file} is a plan of format version ${String(value.format_version)}; this moor reads version ${SAVED_PLAN_VERSION}: plan again`);
  }
  for (const key of ['project', 'endpoint', 'seed', 'created_at', 'moor_version'] as const) {
    if (typeof value[key] !== 'string') fail(file, `"${key}" is missing or not a string`);
  }
  for (const key of ['manifests', 'env_files'] as const) {
    if (!Array.isArray(value[key]) || !(value[key] as unknown[]).every((f) => typeof f === 'string')) fail(file, `"${key}" is not a list of paths`);
  }
  const reading = value.reading;
  if (reading !== undefined && (!isRecord(reading) || typeof reading.compose !== 'boolean' || !Array.isArray(reading.profiles) || !(reading.profiles as unknown[]).every((p) => typeof p === 'string'))) {
    fail(file, '"reading" is malformed');
  }
  const options = value.options;
  if (!isRecord(options) || typeof options.pruneVolumes !== 'boolean' || typeof options.replaceVolumes !== 'boolean' || typeof options.destroy !== 'boolean' || (options.pull !== 'missing' && options.pull !== 'never') || (options.retryFailed !== undefined && typeof options.retryFailed !== 'boolean') || !isOptionalStringList(options.adopt) || !isOptionalStringList(options.replace) || !isOptionalStringList(options.target)) {
    fail(file, '"options" is malformed');
  }
  const plan = value.plan;
  if (!isRecord(plan) || !Array.isArray(plan.steps) || !Array.isArray(plan.changes) || !Array.isArray(plan.problems) || typeof plan.observedFingerprint !== 'string' || !isRecord(plan.secretFingerprints)) {
    fail(file, '"plan" is malformed');
  }
  if (plan.project !== value.project) fail(file, 'the plan is for another project than the file says');
  return value as unknown as SavedPlan;
}

/**
 * The steps as a saved plan holds them: in the specs of containers and services, each environment
 * value that may be a secret (the object's SensitiveEnvironment, and any value for a key the
 * manifest no longer sets) is replaced by a fingerprint salted from the plan's seed, and so is any
 * string of any step holding a secret's value (plan/build.ts hides the same in the changes). `apply --plan`
 * makes the same of the steps it plans again, so it still tells whether the manifest gives the
 * same plan, and the file never holds the value.
 */
export function stepsForSaving(steps: readonly Step[], desired: DesiredProject, seed: string): Step[] {
  const hide = (step: Step, kind: 'container' | 'service', environment: StringMap): StringMap => {
    const object = workloadOf(desired, kind, parseObjectId(step.object)?.name ?? '');
    const sensitive = new Set(object?.sensitiveEnvironment ?? []);
    const wanted = object?.spec.environment ?? {};
    return Object.fromEntries(
      Object.entries(environment).map(([key, value]) => {
        if (!sensitive.has(key) && Object.hasOwn(wanted, key)) return [key, value];
        const salt = sha256Hex(`${seed}:${step.object}:${key}`).slice(0, 16);
        return [key, `(sensitive: ${saltedFingerprint(Buffer.from(value), salt)})`];
      }),
    );
  };
  const secrets = projectSecretTexts(desired);
  return steps.map((step) => {
    const hidden = !sendsSpec(step)
      ? step
      : step.op === 'container.create'
        ? { ...step, spec: { ...step.spec, environment: hide(step, 'container', step.spec.environment) } }
        : { ...step, spec: { ...step.spec, environment: hide(step, 'service', step.spec.environment) } };
    return secrets.length === 0 ? hidden : (fingerprintSecrets(hidden, secrets, sha256Hex(`${seed}:${step.key}`).slice(0, 16)) as Step);
  });
}

/** Every string holding a secret's value (a label, a user, a command built from its variable) as a salted fingerprint. */
function fingerprintSecrets(value: unknown, secrets: readonly string[], salt: string): unknown {
  if (typeof value === 'string') return secrets.some((s) => value.includes(s)) ? `(sensitive: ${saltedFingerprint(Buffer.from(value), salt)})` : value;
  if (Array.isArray(value)) return value.map((v) => fingerprintSecrets(v, secrets, salt));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [fingerprintSecrets(k, secrets, salt) as string, fingerprintSecrets(v, secrets, salt)]));
  return value;
}

function isOptionalStringList(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && (value as unknown[]).every((a) => typeof a === 'string'));
}
