// Merging the trees of several manifest files (`-f a.yaml -f b.yaml`), with Compose's basic rule:
// mappings merge key by key, recursively; scalars and lists are replaced by the later file. Every
// value keeps the position of the file it came from, so messages name the right file.
//
// A mapping meeting a list or a scalar is a conflict (e.g. `environment:` as a map in one file and
// as a KEY=VALUE list in another): rather than guess, moor reports both places. A null (an empty
// `name:`) merges with a mapping as an empty mapping, so `networks: {front: }` can be completed.
import { type Issues, type ValuePath, formatPath } from './issues.js';
import { type MapEntry, type Node, describeNode } from './tree.js';

export function mergeTrees(base: Node, over: Node, issues: Issues, path: ValuePath = []): Node {
  const isNull = (n: Node): boolean => n.kind === 'scalar' && n.value === null;
  if (base.kind === 'map' && isNull(over)) return base;
  if (over.kind === 'map' && isNull(base)) return over;
  if (base.kind === 'map' && over.kind === 'map') {
    const entries = new Map<string, MapEntry>(base.entries);
    for (const [key, entry] of over.entries) {
      const previous = base.entries.get(key);
      entries.set(key, previous === undefined ? entry : { keyLoc: entry.keyLoc, value: mergeTrees(previous.value, entry.value, issues, [...path, key]) });
    }
    return { kind: 'map', loc: over.loc, entries };
  }
  if (base.kind === 'map' || over.kind === 'map') {
    const b = base.loc;
    const where = b.file === over.loc.file ? `line ${b.line}` : `${b.file}:${b.line}:${b.column}`;
    issues.error(
      over.loc,
      path,
      `cannot merge ${describeNode(over)} into ${describeNode(base)} (from ${where}): write ${formatPath(path) || 'it'} in the same form in both files`,
    );
    // The later file's value stands; what else is wrong with it there would be noise.
    issues.suppressBelow(formatPath(path));
  }
  return over;
}
