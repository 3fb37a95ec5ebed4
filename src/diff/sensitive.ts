// Environment values that may be secrets, hidden in the changes a plan shows (text, JSON, saved
// plans, status, watch logs). Pure. Which values: those the desired object names
// (SensitiveEnvironment: a variable's value, moor's environment, an env_file's), and every value
// the live object has for a key the manifest no longer sets (where it came from is not known).
// The comparison itself is made on the real values: a hidden value that changed is still shown
// as changed.
import type { DesiredProject } from '../model/desired.js';
import { type FieldChange, SENSITIVE } from './changes.js';
import { joinPath } from './fields.js';

const ENVIRONMENT = 'environment';

/** The changes with the environment values that may be secrets replaced by "(sensitive)". */
export function hideSensitiveEnvironment(fields: readonly FieldChange[], sensitive: readonly string[]): FieldChange[] {
  const hidden = new Set(sensitive);
  return fields.map((field) => {
    if (field.path === ENVIRONMENT) return { ...field, ...hideInRecords(field, hidden) };
    const key = environmentKey(field.path);
    if (key === null || !(hidden.has(key) || field.after === undefined)) return field;
    return { ...field, ...(field.before === undefined ? {} : { before: SENSITIVE }), ...(field.after === undefined ? {} : { after: SENSITIVE }) };
  });
}

/** A whole environment (an object created): the hidden keys' values; before, also the keys gone after. */
function hideInRecords(field: FieldChange, hidden: ReadonlySet<string>): { before?: unknown; after?: unknown } {
  const after = isRecord(field.after) ? field.after : {};
  const hide = (record: unknown, also: (key: string) => boolean): unknown =>
    isRecord(record) ? Object.fromEntries(Object.entries(record).map(([key, value]) => [key, hidden.has(key) || also(key) ? SENSITIVE : value])) : record;
  return {
    ...(field.before === undefined ? {} : { before: hide(field.before, (key) => !Object.hasOwn(after, key)) }),
    ...(field.after === undefined ? {} : { after: hide(field.after, () => false) }),
  };
}

/** `environment.KEY` or `environment["KEY"]` (as joinPath writes them) -> KEY; null for any other path. */
function environmentKey(path: string): string | null {
  if (path.startsWith(`${ENVIRONMENT}.`)) {
    const key = path.slice(ENVIRONMENT.length + 1);
    return joinPath(ENVIRONMENT, key) === path ? key : null;
  }
  if (!path.startsWith(`${ENVIRONMENT}[`) || !path.endsWith(']')) return null;
  try {
    const key: unknown = JSON.parse(path.slice(ENVIRONMENT.length + 1, -1));
    return typeof key === 'string' && joinPath(ENVIRONMENT, key) === path ? key : null;
  } catch {
    return null;
  }
}

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Secret values shorter than this are not searched for in other values: a secret of one to three
 * characters would hide every value that happens to contain them, and protects nothing anyway.
 */
export const MIN_SECRET_TEXT = 4;

/**
 * The texts to hide wherever they appear: each secret's content as text, and without its final
 * line break (a file's content; the same value interpolated elsewhere has none), at least
 * MIN_SECRET_TEXT characters long, longest first.
 */
export function secretTexts(contents: Iterable<Uint8Array>): string[] {
  const texts = new Set<string>();
  for (const bytes of contents) {
    const text = Buffer.from(bytes).toString('utf8');
    for (const t of [text, text.replace(/\r?\n$/, '')]) if (t.trim().length >= MIN_SECRET_TEXT) texts.add(t);
  }
  return [...texts].sort((x, y) => y.length - x.length || (x < y ? -1 : 1));
}

/** secretTexts of the project's own secrets (external ones have no content here). */
export function projectSecretTexts(desired: DesiredProject): string[] {
  return secretTexts(Object.values(desired.secrets).flatMap((s) => (s.external ? [] : [s.data.reveal()])));
}

const containsSecret = (value: string, secrets: readonly string[]): boolean => secrets.some((s) => value.includes(s));

/** The text with every occurrence of a secret (as is, and as JSON escapes it) replaced by "(sensitive)". */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    for (const form of new Set([s, JSON.stringify(s).slice(1, -1)])) out = out.split(form).join(SENSITIVE);
  }
  return out;
}

/**
 * The changes with every value that holds a secret's content hidden (a label or a config built
 * from the variable a secret comes from): the whole value becomes "(sensitive)", and so does the
 * value before it, whose own secret moor may not know any more (a rotation); a config's text diff
 * goes. The comparison was made on the real values: a hidden value that changed is still shown as
 * changed.
 */
export function hideSecretValues(fields: readonly FieldChange[], secrets: readonly string[]): FieldChange[] {
  if (secrets.length === 0) return [...fields];
  return fields.map((field) => {
    const afterHolds = holdsSecret(field.after, secrets);
    const beforeHolds = holdsSecret(field.before, secrets);
    const textHolds = field.text !== undefined && (containsSecret(field.text.before, secrets) || containsSecret(field.text.after, secrets));
    if (!afterHolds && !beforeHolds && !textHolds) return field;
    const { text: _text, ...rest } = field;
    if (textHolds && !afterHolds && !beforeHolds) return rest;
    // In a record (labels, options), the keys whose new value holds a secret are hidden before too.
    const keys = new Set(isRecord(field.after) ? Object.entries(field.after).filter(([k, v]) => containsSecret(k, secrets) || holdsSecret(v, secrets)).map(([k]) => k) : []);
    const hide = (value: unknown): unknown => (isRecord(value) || Array.isArray(value) ? hideDeep(value, secrets, keys) : SENSITIVE);
    return { ...rest, ...(field.before === undefined ? {} : { before: hide(field.before) }), ...(field.after === undefined ? {} : { after: hide(field.after) }) };
  });
}

function holdsSecret(value: unknown, secrets: readonly string[]): boolean {
  if (typeof value === 'string') return containsSecret(value, secrets);
  if (Array.isArray(value)) return value.some((v) => holdsSecret(v, secrets));
  if (isRecord(value)) return Object.entries(value).some(([k, v]) => containsSecret(k, secrets) || holdsSecret(v, secrets));
  return false;
}

/**
 * A record or list with each value that holds a secret hidden (a key holding one hides its value
 * and itself), and at its top the values of `keys` too.
 */
function hideDeep(value: unknown, secrets: readonly string[], keys: ReadonlySet<string> = new Set()): unknown {
  if (typeof value === 'string') return containsSecret(value, secrets) ? SENSITIVE : value;
  if (Array.isArray(value)) return value.map((v) => hideDeep(v, secrets));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => (containsSecret(k, secrets) ? [redactSecrets(k, secrets), SENSITIVE] : [k, keys.has(k) ? SENSITIVE : hideDeep(v, secrets)])));
  }
  return value;
}
