// Variable interpolation, as in Compose (compose-spec "Interpolation"), in strict mode:
//   $VAR  ${VAR}          the value; an unset variable is an error (Compose warns and uses "")
//   ${VAR:-default}       default when VAR is unset or empty    ${VAR-default}  when unset
//   ${VAR:?message}       error when VAR is unset or empty      ${VAR?message}  when unset
//   ${VAR:+replacement}   replacement when VAR is set and not empty, else ""   ${VAR+r} when set
//   $$                    a literal "$"
// Defaults and replacements may themselves hold variables. Only string *values* are interpolated,
// never keys, and after YAML parsing, so a value cannot inject YAML structure (research §3.8).
// Extension fields (`x-` keys at the top level and in object definitions) are left as written:
// both readers ignore them, so a variable there (a CI token another tool fills in) must not fail
// the file. Aliases are already expanded by parse-yaml.ts, so a value an `x-` anchor lends to a
// real field is a copy there, interpolated and checked where it is used. A
// plain (unquoted) scalar is typed again afterwards (`replicas: ${N}` gives a number); a quoted
// one stays a string. Values are then validated per field by the schema and the normaliser.
import { type Issues, type ValuePath } from './issues.js';
import type { MapEntry, Node, Scalar, ScalarNode } from './tree.js';

/** Looks up a variable: moor's environment first, then the env files (see load.ts). */
export type Lookup = (name: string) => string | undefined;

export type Interpolated = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Whether `text` is a whole variable name (what `environment:` of a secret or config must be). */
export function isVariableName(text: string): boolean {
  return NAME.exec(text)?.[0] === text;
}

/**
 * Why a secret's or config's `environment:` names no variable. The value itself is not quoted: what
 * is written there by mistake is often the secret (PASSWORD=..., or ${PASSWORD} interpolated).
 */
export const NOT_A_VARIABLE_NAME = 'must be the name of an environment variable (letters, digits and "_", not starting with a digit)';

export function interpolateString(text: string, lookup: Lookup): Interpolated {
  if (!text.includes('$')) return { ok: true, value: text };
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar === -1) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
      continue;
    }
    if (next === '{') {
      const close = matchingBrace(text, dollar + 2);
      if (close === -1) return { ok: false, error: 'unterminated "${" (write "$$" for a literal "$")' };
      const r = expandBraced(text.slice(dollar + 2, close), lookup);
      if (!r.ok) return r;
      out += r.value;
      i = close + 1;
      continue;
    }
    const name = NAME.exec(text.slice(dollar + 1))?.[0];
    if (name === undefined) return { ok: false, error: 'invalid "$" (write "$$" for a literal "$")' };
    const value = lookup(name);
    if (value === undefined) return unset(name);
    out += value;
    i = dollar + 1 + name.length;
  }
  return { ok: true, value: out };
}

function unset(name: string): Interpolated {
  return { ok: false, error: `the variable ${name} is not set (give a default with \${${name}:-default}, or \${${name}-} for empty)` };
}

/** The index of the "}" closing a "${" whose body starts at `start`, counting nested "${...}". */
function matchingBrace(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') i++;
    else if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function expandBraced(body: string, lookup: Lookup): Interpolated {
  const name = NAME.exec(body)?.[0];
  if (name === undefined) return { ok: false, error: `invalid variable name in "\${${body.length > 40 ? `${body.slice(0, 40)}...` : body}}"` };
  const rest = body.slice(name.length);
  const value = lookup(name);
  if (rest === '') return value === undefined ? unset(name) : { ok: true, value };
  const op = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0];
  if (op === undefined) return { ok: false, error: `invalid interpolation "\${${name}${rest}}": expected \${${name}}, \${${name}:-default} or \${${name}:?message}` };
  const arg = rest.slice(op.length);
  const empty = value === undefined || (op.startsWith(':') && value === '');
  switch (op) {
    case ':-':
    case '-':
      return empty ? interpolateString(arg, lookup) : { ok: true, value: value as string };
    case ':?':
    case '?': {
      if (!empty) return { ok: true, value: value as string };
      const message = interpolateString(arg, lookup);
      const why = message.ok && message.value !== '' ? `: ${message.value}` : '';
      return { ok: false, error: `the variable ${name} is required${op === ':?' ? ' (and may not be empty)' : ''}${why}` };
    }
    default:
      return empty ? { ok: true, value: '' } : interpolateString(arg, lookup);
  }
}

/** YAML 1.2 core schema typing of a plain scalar's (interpolated) text. */
export function resolvePlainScalar(text: string): Scalar {
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^(null|Null|NULL|~)$/.test(text)) return null;
  if (/^[-+]?[0-9]+$/.test(text)) return Number(text);
  if (/^0o[0-7]+$/.test(text)) return Number.parseInt(text.slice(2), 8);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  return text;
}

/**
 * Mappings whose keys are names or data, not fields: an `x-` key there is a name (a service
 * `x-web`, a label `x-owner`), not an extension. The top-level sections (services, networks...)
 * are collections of names too. A definition that happens to have one of these names (a network
 * called `labels`) only keeps its `x-` fields interpolated, as before.
 */
const DATA_MAPS: ReadonlySet<string> = new Set([
  'environment', 'labels', 'container_labels', 'sysctls', 'annotations', 'driver_opts', 'options', 'args', 'extra_hosts',
  'additional_contexts', 'aux_addresses', 'ulimits', 'networks', 'depends_on', 'storage_opt', 'models', 'ssh',
]);

/** Whether `key` of the mapping at `path` is an extension field, which the readers ignore. */
export function isExtensionField(path: ValuePath, key: string): boolean {
  if (!key.startsWith('x-')) return false;
  if (path.length === 0) return true;
  const last = path[path.length - 1];
  return path.length > 1 && !(typeof last === 'string' && DATA_MAPS.has(last));
}

/**
 * Interpolates every string value of a tree, except in extension fields (left as written);
 * problems go to `issues` at the value's position.
 */
export function interpolateTree(node: Node, lookup: Lookup, issues: Issues, path: ValuePath = []): Node {
  switch (node.kind) {
    case 'scalar':
      return interpolateScalar(node, lookup, issues, path);
    case 'seq':
      return { ...node, items: node.items.map((item, i) => interpolateTree(item, lookup, issues, [...path, i])) };
    case 'map': {
      const entries = new Map<string, MapEntry>();
      for (const [key, entry] of node.entries) {
        entries.set(key, isExtensionField(path, key) ? entry : { keyLoc: entry.keyLoc, value: interpolateTree(entry.value, lookup, issues, [...path, key]) });
      }
      return { ...node, entries };
    }
  }
}

function interpolateScalar(node: ScalarNode, lookup: Lookup, issues: Issues, path: ValuePath): ScalarNode {
  if (typeof node.value !== 'string' || !node.value.includes('$')) return node;
  const r = interpolateString(node.value, lookup);
  if (!r.ok) {
    issues.error(node.loc, path, r.error);
    return node;
  }
  if (!node.plain) return { ...node, value: r.value, text: r.value, source: node.value };
  return { ...node, value: resolvePlainScalar(r.value), text: r.value, source: node.value };
}
