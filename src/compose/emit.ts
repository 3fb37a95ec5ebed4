// A located tree -> YAML text, for `moor convert`. Values are written the way the source wrote them,
// because moor reads some fields by their spelling (file modes: 0440; environment values: 1.10):
//   - a plain scalar is written as it was written (its source text), so it reads back the same;
//   - a value that came from interpolation is written as it was before (`${TAG:-1.27}`), so the
//     manifest keeps its variables and no interpolated secret is printed;
//   - any other string is double-quoted (JSON escapes are valid YAML), or a block literal when it
//     spans lines.
// Pure; the output always parses back into the same tree of values.
import { resolvePlainScalar } from '../manifest/interpolate.js';
import type { Node, ScalarNode } from '../manifest/tree.js';

const INDENT = '  ';

export function emitYaml(root: Node, header: readonly string[] = []): string {
  const lines = header.map((h) => (h === '' ? '#' : `# ${h}`));
  if (root.kind === 'map' && root.entries.size > 0) {
    let previous: string | null = null;
    for (const [key, entry] of root.entries) {
      // A blank line between top-level sections, as people write them.
      if (previous !== null) lines.push('');
      lines.push(...entry_(key, entry.value, ''));
      previous = key;
    }
  } else {
    lines.push(inline(root) ?? '{}');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The scalars the manifest gets as values although the Compose files gave them with variables
 * (`inlined`: an included file's own .env), in the order written: such a value may be a secret.
 */
export function inlinedValues(node: Node): ScalarNode[] {
  switch (node.kind) {
    case 'scalar':
      return node.inlined === true ? [node] : [];
    case 'seq':
      return node.items.flatMap(inlinedValues);
    case 'map':
      return [...node.entries.values()].flatMap((e) => inlinedValues(e.value));
  }
}

function entry_(key: string, value: Node, indent: string): string[] {
  const k = `${indent}${emitKey(key)}:`;
  const simple = inline(value);
  if (simple !== null) return [simple === '' ? k : `${k} ${simple}`];
  if (value.kind === 'scalar') return [`${k} ${block(written(value).value as string, indent)}`];
  return [k, ...body(value, `${indent}${INDENT}`)];
}

function body(node: Node, indent: string): string[] {
  if (node.kind === 'map') return [...node.entries].flatMap(([key, e]) => entry_(key, e.value, indent));
  if (node.kind === 'seq') {
    return node.items.flatMap((item) => {
      const simple = inline(item);
      if (simple !== null) return [`${indent}- ${simple === '' ? 'null' : simple}`];
      if (item.kind === 'scalar') return [`${indent}- ${block(written(item).value as string, indent)}`];
      // The first line of a nested collection goes on the dash line.
      const lines = item.kind === 'seq' ? [`${indent}-`, ...body(item, `${indent}${INDENT}`)] : body(item, `${indent}${INDENT}`);
      if (item.kind === 'map') lines[0] = `${indent}- ${(lines[0] as string).slice(indent.length + INDENT.length)}`;
      return lines;
    });
  }
  return [];
}

/** One-line form of a value, or null when it needs lines of its own ('' for null in a mapping). */
function inline(node: Node): string | null {
  if (node.kind === 'map') return node.entries.size === 0 ? '{}' : null;
  if (node.kind === 'seq') return node.items.length === 0 ? '[]' : null;
  return scalarText(node);
}

/**
 * What to write for a scalar: its text before interpolation when it had variables — except
 * COMPOSE_PROJECT_NAME, which Compose defines and a moor manifest does not (its value is written).
 */
function written(node: ScalarNode): ScalarNode {
  if (node.source === undefined || node.inlined === true || /\$\{?COMPOSE_PROJECT_NAME\b/.test(node.source)) return node;
  return { ...node, value: node.source, text: node.source };
}

function scalarText(original: ScalarNode): string | null {
  const node = written(original);
  if (original.source !== undefined && node !== original) {
    if (/[\r\n]/.test(node.text)) return null;
    return node.plain && isSafePlain(node.text) ? node.text : JSON.stringify(node.text);
  }
  if (node.value === null) return '';
  if (typeof node.value !== 'string') return node.plain && !/[\r\n]/.test(node.text) ? node.text : String(node.value);
  if (/\n/.test(node.value) && !/\r/.test(node.value)) return null;
  if (node.plain && isSafePlain(node.text) && resolvePlainScalar(node.text) === node.value) return node.text;
  return JSON.stringify(node.value);
}

/**
 * A string of several lines as a block literal (`|`, or `|-` without a final newline); its
 * indentation is explicit when it starts with a space. (Text ending in several newlines is
 * double-quoted instead: `|+` would also keep the blank line written after it.)
 */
function block(value: string, indent: string): string {
  const trailing = /\n*$/.exec(value)?.[0].length ?? 0;
  if (trailing > 1 || /^\n/.test(value)) return JSON.stringify(value);
  const content = trailing === 0 ? value : value.slice(0, -1);
  const inner = `${indent}${INDENT}`;
  const indicator = content.startsWith(' ') ? String(INDENT.length) : '';
  const lines = content.split('\n').map((l) => (l === '' ? '' : `${inner}${l}`));
  return [`|${indicator}${trailing === 0 ? '-' : ''}`, ...lines].join('\n');
}

function emitKey(key: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(key) && resolvePlainScalar(key) === key ? key : JSON.stringify(key);
}

/** Plain text that reads back as the same plain scalar in block context. */
function isSafePlain(text: string): boolean {
  if (text === '' || text !== text.trim()) return false;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(text) && !/^-[^\s]/.test(text)) return false;
  return !/(: |\s#|:$)/.test(text);
}
