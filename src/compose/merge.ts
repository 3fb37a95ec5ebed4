// Merging Compose files (`-f compose.yaml -f compose.override.yaml`, and `extends`) with the
// Compose Specification's rules ("Merge and override"), on located trees so that every value keeps
// the file and line it came from:
//   - mappings merge key by key; scalars are replaced; `x-` keys are replaced whole;
//   - sequences are appended (identical scalar items once); the fields that take a string or a list
//     (env_file, dns, dns_search, tmpfs, label_file) are lists of one item when written as a string,
//     in both files (env_file: a.env then env_file: b.env is both), as Compose's canonical form has it;
//     except
//       command, entrypoint, healthcheck.test: replaced;
//       ports (unique by host address, host port, container port, protocol), volumes (by target),
//       secrets and configs (by target): an entry with the key of an earlier one replaces it;
//   - environment, labels, sysctls, annotations (lists of KEY=VALUE or mappings), extra_hosts
//     (host:ip or a mapping), and a service's networks and depends_on (lists of names or
//     mappings) merge as mappings, whatever form each file uses (a depends_on list item is
//     {condition: service_started, required: true}, as in Compose);
//   - logging merges only when both files name the same driver (or one names none);
//   - `!reset` removes what the earlier files set; `!override` replaces it whole.
// Tags stay through the merges (a file's `extends:` is merged before the files are, and its tags
// apply to the earlier files too, as in Compose): `finishMerge` removes them, and what `!reset` left.
import { type Issues, type ValuePath, formatPath } from '../manifest/issues.js';
import { type MapEntry, type Node, describeNode } from '../manifest/tree.js';
import { at, isMap, isSeq, keyValueEntries, map, scalar, seq, text } from './nodes.js';

const REPLACED = ['services.*.command', 'services.*.entrypoint', 'services.*.healthcheck.test'];
const KEY_VALUE = ['services.*.environment', 'services.*.labels', 'services.*.sysctls', 'services.*.annotations', 'services.*.deploy.labels', 'services.*.build.args', '*.*.labels'];
const NAMES_OR_MAP = ['services.*.networks', 'services.*.depends_on'];
const DEPENDS_ON = 'services.*.depends_on';
const STRING_OR_LIST = ['services.*.env_file', 'services.*.dns', 'services.*.dns_search', 'services.*.tmpfs', 'services.*.label_file'];
const UNIQUE: Readonly<Record<string, (item: Node) => string>> = {
  'services.*.ports': portKey,
  'services.*.volumes': volumeKey,
  'services.*.secrets': fileKey('/run/secrets/'),
  'services.*.configs': fileKey('/'),
};

function matches(path: ValuePath, pattern: string): boolean {
  const parts = pattern.split('.');
  return parts.length === path.length && parts.every((p, i) => p === '*' || p === path[i]);
}

function ruleFor<T>(path: ValuePath, rules: Readonly<Record<string, T>>): T | undefined {
  for (const [pattern, rule] of Object.entries(rules)) if (matches(path, pattern)) return rule;
  return undefined;
}

const is = (path: ValuePath, patterns: readonly string[]): boolean => patterns.some((p) => matches(path, p));

/** `over` merged into `base` (both interpolated). Problems go to `issues`. */
export function mergeCompose(base: Node, over: Node, issues: Issues, path: ValuePath = []): Node {
  // The tag stays (finishMerge removes it): a file's !override replaces what earlier files say too,
  // after its extends: merged the base in.
  if (over.tag === '!override') return over;
  if (base.kind === 'scalar' && base.value === null) return over;
  if (over.kind === 'scalar' && over.value === null && base.kind !== 'scalar') return base;
  if (is(path, REPLACED)) return over;
  if (is(path, KEY_VALUE) && base.kind !== 'scalar' && over.kind !== 'scalar') return mergeMaps(asMap(base, keyValueEntries(base)), asMap(over, keyValueEntries(over)), issues, path);
  if (is(path, NAMES_OR_MAP) && base.kind !== 'scalar' && over.kind !== 'scalar') {
    const dependencies = matches(path, DEPENDS_ON);
    return mergeMaps(namesAsMap(base, dependencies), namesAsMap(over, dependencies), issues, path);
  }
  if (matches(path, 'services.*.extra_hosts') && base.kind !== 'scalar' && over.kind !== 'scalar') return mergeMaps(hostsAsMap(base), hostsAsMap(over), issues, path);
  if (matches(path, 'services.*.logging') && isMap(base) && isMap(over)) {
    const [a, b] = [text(base.entries.get('driver')?.value), text(over.entries.get('driver')?.value)];
    if (a !== undefined && b !== undefined && a !== b) return over;
  }
  if (isMap(base) && isMap(over)) return mergeMaps(base, over, issues, path);
  // A string where a list is meant (dns: 8.8.8.8), or where the other file has a list: one item.
  const listy = is(path, STRING_OR_LIST);
  const b = base.kind === 'scalar' && (listy || isSeq(over)) ? seq([base], base.loc) : base;
  const o = over.kind === 'scalar' && (listy || isSeq(base)) ? seq([over], over.loc) : over;
  if (isSeq(b) && isSeq(o)) {
    const key = ruleFor(path, UNIQUE);
    return key === undefined ? appendUnique(b.items, o.items, o.loc) : mergeByKey(b.items, o.items, key, o.loc);
  }
  if (base.kind !== over.kind && (base.kind === 'map' || over.kind === 'map')) {
    const where = base.loc.file === over.loc.file ? `line ${base.loc.line}` : `${base.loc.file}:${base.loc.line}:${base.loc.column}`;
    issues.error(over.loc, path, `cannot merge ${describeNode(over)} into ${describeNode(base)} (from ${where}): write ${formatPath(path) || 'it'} in the same form in both files`);
    issues.suppressBelow(formatPath(path));
  }
  return over;
}

function mergeMaps(base: Extract<Node, { kind: 'map' }>, over: Extract<Node, { kind: 'map' }>, issues: Issues, path: ValuePath): Node {
  const entries = new Map<string, MapEntry>(base.entries);
  for (const [key, entry] of over.entries) {
    const previous = entries.get(key);
    // A !reset entry stays (finishMerge removes it), for the same reason; a later value replaces it.
    const replace = previous === undefined || entry.value.tag === '!reset' || previous.value.tag === '!reset' || key.startsWith('x-');
    entries.set(key, replace ? entry : { keyLoc: entry.keyLoc, value: mergeCompose(previous.value, entry.value, issues, [...path, key]) });
  }
  return { kind: 'map', loc: over.loc, entries };
}

/** Removes what `!reset` left (in the first file, or below a replaced value) and the `!override` tags. */
export function finishMerge(node: Node): Node {
  switch (node.kind) {
    case 'scalar':
      return untag(node);
    case 'seq':
      return { kind: 'seq', loc: node.loc, items: node.items.filter((i) => i.tag !== '!reset').map(finishMerge) };
    case 'map': {
      const entries = new Map<string, MapEntry>();
      for (const [key, entry] of node.entries) if (entry.value.tag !== '!reset') entries.set(key, { keyLoc: entry.keyLoc, value: finishMerge(entry.value) });
      return { kind: 'map', loc: node.loc, entries };
    }
  }
}

function untag(node: Node): Node {
  if (node.tag === undefined) return node;
  const { tag: _tag, ...rest } = node;
  return rest as Node;
}

function asMap(node: Node, entries: [string, MapEntry][]): Extract<Node, { kind: 'map' }> {
  return isMap(node) ? node : map(entries, node.loc);
}

/**
 * A list of names as a mapping name -> null; a mapping as it is. A depends_on item means what
 * Compose's merge makes of it, {condition: service_started, required: true}: a later file's list
 * item replaces an earlier file's condition.
 */
function namesAsMap(node: Node, dependencies: boolean): Extract<Node, { kind: 'map' }> {
  if (isMap(node)) return node;
  const items = isSeq(node) ? node.items : [];
  const valueAt = (loc: Node['loc']): Node => (dependencies ? map([['condition', at(scalar('service_started', loc))], ['required', at(scalar(true, loc))]], loc) : scalar(null, loc));
  return map(
    items.flatMap((i): [string, MapEntry][] => {
      const name = text(i);
      return name === undefined ? [] : [[name, { keyLoc: i.loc, value: valueAt(i.loc) }]];
    }),
    node.loc,
  );
}

/** extra_hosts as a mapping host -> address ("host:ip" and "host=ip" list items). */
function hostsAsMap(node: Node): Extract<Node, { kind: 'map' }> {
  if (isMap(node)) return node;
  const items = isSeq(node) ? node.items : [];
  return map(
    items.flatMap((i): [string, MapEntry][] => {
      const t = text(i) ?? '';
      const sep = t.search(/[=:]/);
      return sep <= 0 ? [] : [[t.slice(0, sep), { keyLoc: i.loc, value: scalar(t.slice(sep + 1), i.loc) }]];
    }),
    node.loc,
  );
}

function appendUnique(base: readonly Node[], over: readonly Node[], loc: Node['loc']): Node {
  const seen = new Set(base.filter((i) => i.kind === 'scalar').map((i) => text(i)));
  return seq([...base, ...over.filter((i) => i.kind !== 'scalar' || !seen.has(text(i)))], loc);
}

function mergeByKey(base: readonly Node[], over: readonly Node[], key: (item: Node) => string, loc: Node['loc']): Node {
  const items = [...base];
  for (const item of over) {
    const i = items.findIndex((b) => key(b) === key(item));
    if (i === -1) items.push(item);
    else items[i] = item;
  }
  return seq(items, loc);
}

// ---------------------------------------------------------------------------------------------
// Unique keys of the list fields

function field(item: Node, name: string): string {
  return text(isMap(item) ? item.entries.get(name)?.value : undefined) ?? '';
}

/** host address, host port, container port, protocol. */
function portKey(item: Node): string {
  if (isMap(item)) return [field(item, 'host_ip'), field(item, 'published'), field(item, 'target'), field(item, 'protocol') || 'tcp'].join('|');
  let rest = text(item) ?? '';
  let protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash !== -1) [rest, protocol] = [rest.slice(0, slash), rest.slice(slash + 1)];
  const parts = rest.startsWith('[') ? [rest.slice(1, rest.indexOf(']')), ...rest.slice(rest.indexOf(']') + 2).split(':')] : rest.split(':');
  const target = parts.pop() ?? '';
  const published = parts.pop() ?? '';
  return [parts.pop() ?? '', published, target, protocol].join('|');
}

/** The mount target. */
function volumeKey(item: Node): string {
  if (isMap(item)) return field(item, 'target');
  const parts = (text(item) ?? '').split(':');
  return parts.length === 1 ? (parts[0] ?? '') : (parts[1] ?? '');
}

/** The file's target (its default derives from the source). */
function fileKey(prefix: string): (item: Node) => string {
  return (item) => {
    const source = isMap(item) ? field(item, 'source') : (text(item) ?? '');
    const target = isMap(item) ? field(item, 'target') : '';
    return target === '' ? `${prefix}${source}` : target.startsWith('/') ? target : `${prefix}${target}`;
  };
}
