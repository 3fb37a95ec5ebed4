// Messages about a value that came from interpolation quote it as written (`"${DB_PASSWORD}"`),
// not as the variables made it. The checks that quote structural values (ports, restart policies,
// file names: quoteValue) see only the interpolated text, and a variable's value is often a secret
// that the file never holds: `ports: ["${DB_PASSWORD}"]` printed the password. This rewrites, in
// each issue positioned on an interpolated scalar, every quoted string holding text the variables
// gave (and, in a Compose file read from another folder, every quoted path rebased from what the
// file says: an environment entry moved there is then shortened as written). Pure; it never adds or
// removes an issue.
import { type Issue, positionKey, quoteValue } from './issues.js';
import type { SourceLocation } from '../model/desired.js';
import type { Node } from './tree.js';

/**
 * Interpolated scalars by position (`file:line:column`): the text they have, and the text written.
 * A mapping's position, and a field's key, hold the field's value too: messages about a reference
 * written as a mapping ({source: ${VAR}}) are positioned on the mapping or on the key.
 */
export type InterpolatedValues = Map<string, { readonly text: string; readonly source: string }[]>;

function add(into: InterpolatedValues, loc: SourceLocation, value: { readonly text: string; readonly source: string }): void {
  const key = positionKey(loc);
  const known = into.get(key) ?? [];
  if (!known.some((v) => v.text === value.text && v.source === value.source)) into.set(key, [...known, value]);
}

/** What a scalar was written as, when it no longer says it: before interpolation, or before a path was rebased. */
const writtenAs = (node: Node): string | undefined => (node.kind === 'scalar' ? (node.written ?? node.source) : undefined);

/**
 * Adds the interpolated scalars of a tree (after interpolateTree) to `into`, and the rewritten ones
 * (a Compose file's relative paths rebased: collected again after rebasing).
 */
export function collectInterpolated(node: Node, into: InterpolatedValues): void {
  switch (node.kind) {
    case 'scalar': {
      const written = writtenAs(node);
      if (written !== undefined) add(into, node.loc, { text: node.text, source: written });
      return;
    }
    case 'seq':
      for (const item of node.items) collectInterpolated(item, into);
      return;
    case 'map':
      for (const entry of node.entries.values()) {
        const value = entry.value;
        const written = writtenAs(value);
        if (value.kind === 'scalar' && written !== undefined) {
          add(into, node.loc, { text: value.text, source: written });
          add(into, entry.keyLoc, { text: value.text, source: written });
        }
        collectInterpolated(entry.value, into);
      }
  }
}

/** A JSON string as quoteValue writes it, with its "(shortened)" note when there is one. */
const QUOTED = /"(?:[^"\\]|\\.)*"(?: \(shortened\))?/g;

/** The issue with the values quoted as written where it is about an interpolated value. */
export function quoteAsWritten(issue: Issue, values: InterpolatedValues): Issue {
  const candidates = values.get(positionKey(issue));
  if (candidates === undefined) return issue;
  const message = issue.message.replace(QUOTED, (quoted) => {
    let content: string;
    try {
      content = JSON.parse(quoted.replace(/ \(shortened\)$/, '')) as string;
    } catch {
      return quoted;
    }
    // quoteValue's shortenings: "word ..." and "KEY=...".
    const shown = content.replace(/ \.\.\.$|=\.\.\.$/, '');
    const value = candidates.find((v) => shown !== '' && v.text.includes(shown) && !v.source.includes(shown));
    return value === undefined ? quoted : quoteValue(value.source);
  });
  return message === issue.message ? issue : { ...issue, message };
}
