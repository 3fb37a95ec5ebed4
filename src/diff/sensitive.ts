// Environment values that may be secrets, hidden in the changes a plan shows (text, JSON, saved
// plans, status, watch logs). Pure. Which values: those the desired object names
// (SensitiveEnvironment: a variable's value, moor's environment, an env_file's), and every value
// the live object has for a key the manifest no longer sets (where it came from is not known).
// The comparison itself is made on the real values: a hidden value that changed is still shown
// as changed.
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
