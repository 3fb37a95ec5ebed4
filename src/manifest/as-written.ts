// Messages about a value that came from interpolation quote it as written (`"${DB_PASSWORD}"`),
// not as the variables made it. The checks that quote structural values (ports, restart policies,
// file names: quoteValue) see only the interpolated text, and a variable's value is often a secret
// that the file never holds: `ports: ["${DB_PASSWORD}"]` printed the password. This rewrites, in
// each issue positioned on an interpolated scalar, every quoted string holding text the variables
// gave. Pure; it never adds or removes an issue.
import { type Issue, quoteValue } from './issues.js';
import type { Node } from './tree.js';

/** Interpolated scalars by position (`file:line:column`): the text they have, and the text written. */
export type InterpolatedValues = Map<string, { readonly text: string; readonly source: string }>;

const at = (file: string, line: number, column: number): string => `${file}:${line}:${column}`;

/** Adds the interpolated scalars of a tree (after interpolateTree) to `into`. */
export function collectInterpolated(node: Node, into: InterpolatedValues): void {
  switch (node.kind) {
    case 'scalar':
      if (node.source !== undefined) into.set(at(node.loc.file, node.loc.line, node.loc.column), { text: node.text, source: node.source });
      return;
    case 'seq':
      for (const item of node.items) collectInterpolated(item, into);
      return;
    case 'map':
      for (const entry of node.entries.values()) collectInterpolated(entry.value, into);
  }
}

/** A JSON string as quoteValue writes it, with its "(shortened)" note when there is one. */
const QUOTED = /"(?:[^"\\]|\\.)*"(?: \(shortened\))?/g;

/** The issue with the values quoted as written where it is about an interpolated value. */
export function quoteAsWritten(issue: Issue, values: InterpolatedValues): Issue {
  const value = values.get(at(issue.file, issue.line, issue.column));
  if (value === undefined) return issue;
  const message = issue.message.replace(QUOTED, (quoted) => {
    let content: string;
    try {
      content = JSON.parse(quoted.replace(/ \(shortened\)$/, '')) as string;
    } catch {
      return quoted;
    }
    // quoteValue's shortenings: "word ..." and "KEY=...".
    const shown = content.replace(/ \.\.\.$|=\.\.\.$/, '');
    const fromVariables = shown !== '' && value.text.includes(shown) && !value.source.includes(shown);
    return fromVariables ? quoteValue(value.source) : quoted;
  });
  return message === issue.message ? issue : { ...issue, message };
}
