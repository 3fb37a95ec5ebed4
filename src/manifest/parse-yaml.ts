// YAML text -> located tree, refusing the hazards of YAML (see research §3.7):
//   - YAML 1.2 core schema only: a `%YAML 1.1` directive is refused (it would turn NO into false,
//     0400 into 256, 22:22 into 1342); explicit tags other than the core ones are refused;
//   - one document per file; duplicate keys are errors; `__proto__`/`constructor`/`prototype` keys
//     are refused;
//   - aliases are expanded here, within a budget: a "billion laughs" document stops after
//     MAX_ALIAS_NODES values, in milliseconds and bounded memory; self-referencing aliases are refused;
//   - flow collections (`[ ]`, `{ }`) nested deeper than MAX_FLOW_DEPTH are refused *before* the
//     parser runs: yaml@2.9 exhausts the heap and aborts the process (uncatchable) on ~20k levels;
//     so are compact block collections (`- - - x`, 2 bytes a level) nested deeper than MAX_DEPTH
//     on one line: 5 million levels (10 MiB) took yaml@2.9 43 s and 2.7 GB of heap to refuse.
//   - duplicate keys are found by the walker, not by yaml (its check is quadratic: a mapping of
//     200,000 keys took 7 minutes);
//   - reading stops after MAX_YAML_TOKENS tokens, and after a second document (which is refused
//     anyway: 2.5 million `---` lines took 26 s and 2.6 GB when all of them were read).
// Merge keys (`<<: *defaults`, `<<: [*a, *b]`) are supported, with YAML 1.1's meaning: keys written
// in the mapping win, then earlier merged mappings over later ones; one `<<` per mapping (a second
// is a duplicate key: yaml.org/type/merge gives it no meaning, the yaml package merges both).
// A `__proto__`-like key is refused and left out, and the rest of the document still checked.
// Messages never include source text (yaml's prettyErrors is off): a line may hold a secret.
import {
  Composer,
  type Document,
  Lexer,
  LineCounter,
  type Node as YamlNode,
  type Pair,
  Parser,
  type CST,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  visit,
} from 'yaml';
import type { SourceLocation } from '../model/desired.js';
import { type Issue, Issues, type ValuePath } from './issues.js';
import { resolvePlainScalar } from './interpolate.js';
import type { MapEntry, Node, Scalar } from './tree.js';

export const MAX_ALIAS_NODES = 50_000;
export const MAX_DEPTH = 100;
export const MAX_FLOW_DEPTH = 100;
/**
 * The YAML lexer's tokens a manifest may have (a 10,000-service manifest in block style has about
 * 750,000). yaml@2.9 needs ~3 µs and ~100 bytes a token: 10 MiB of short items (12 million
 * tokens) took 33 s and 1.1 GB of heap; the budget bounds that to a few seconds.
 */
export const MAX_YAML_TOKENS = 2_000_000;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

export interface ParsedYaml {
  /** null when the file could not be read as one YAML document (the issues say why). */
  readonly root: Node | null;
  readonly issues: readonly Issue[];
}

export interface ParseOptions {
  /**
   * Local tags a front end gives a meaning to (Compose: `!reset`, `!override`): kept on the node
   * (`tag`), the value read as if untagged. Any other tag outside the core schema is refused.
   */
  readonly allowedTags?: ReadonlySet<string>;
}

interface ParsedDocuments {
  readonly docs: readonly Document.Parsed[] | 'too-many-tokens';
  readonly lineCounter: LineCounter;
}

/**
 * The last few texts' parses: a command reads each manifest twice (src/compose/front.ts judges
 * moor or Compose by the top-level keys, then the loader reads it), and the yaml package's parse
 * is the largest part of loading one (bench/HISTORY.md). The documents are only read afterwards,
 * never changed, so sharing them is safe; what differs between the two reads (the tags allowed)
 * is judged by the walker below, on every call.
 */
const recentParses = new Map<string, ParsedDocuments>();
const RECENT_PARSES = 4;

function parseDocuments(source: string): ParsedDocuments {
  const cached = recentParses.get(source);
  if (cached !== undefined) return cached;
  const lineCounter = new LineCounter();
  const parsed = { docs: readDocuments(source, lineCounter), lineCounter };
  recentParses.set(source, parsed);
  if (recentParses.size > RECENT_PARSES) recentParses.delete(recentParses.keys().next().value as string);
  return parsed;
}

/** Parses one manifest file's text. `file` is the name used in messages. Never throws for bad input. */
export function parseYaml(source: string, file: string, options: ParseOptions = {}): ParsedYaml {
  const issues = new Issues();
  const nesting = excessiveNesting(source);
  if (nesting !== null) {
    issues.error(locationOf(source, nesting.offset, file), [], nesting.message);
    return { root: null, issues: issues.sorted() };
  }

  const { docs, lineCounter } = parseDocuments(source);
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  if (docs === 'too-many-tokens') {
    issues.error({ file, line: Math.max(1, lineCounter.lineStarts.length), column: 1 }, [], `the document is too large to read: more than ${MAX_YAML_TOKENS} YAML tokens (keys, values, punctuation) by this line`);
    return { root: null, issues: issues.sorted() };
  }

  const doc = docs[0];
  if (doc === undefined) return { root: { kind: 'map', loc: { file, line: 1, column: 1 }, entries: new Map() }, issues: [] };
  const second = docs[1];
  if (second !== undefined) {
    issues.error(at(second.range[0]), [], 'a second YAML document starts here: a manifest file holds exactly one document (remove the `---` line)');
    return { root: null, issues: issues.sorted() };
  }
  if (doc.directives.yaml.explicit === true && doc.directives.yaml.version !== '1.2') {
    const offset = Math.max(0, source.search(/^%YAML/m));
    issues.error(at(offset), [], `the %YAML ${doc.directives.yaml.version} directive is not supported: moor reads YAML 1.2 only (remove the directive)`);
    return { root: null, issues: issues.sorted() };
  }
  const syntaxErrors = doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY');
  if (syntaxErrors.length > 0) {
    for (const e of syntaxErrors) issues.error(at(e.pos[0]), [], yamlMessage(e.code, e.message));
    return { root: null, issues: issues.sorted() };
  }

  const refused = new Issues();
  const walker = new Walker(doc, at, issues, refused, options.allowedTags ?? new Set());
  const root = walker.walkRoot();
  // yaml reports duplicate keys too, but without naming them; the walker's messages replace them.
  if (!walker.foundDuplicates) for (const e of doc.errors) issues.error(at(e.pos[0]), [], yamlMessage(e.code, e.message));
  const usable = !issues.hasErrors;
  issues.addAll(refused.sorted());
  return { root: usable ? root : null, issues: issues.sorted() };
}

/**
 * Nesting that would exhaust the parser, found before it runs (see the header); null when there is
 * none, and for a text parsed already (it passed then).
 */
function excessiveNesting(source: string): { readonly offset: number; readonly message: string } | null {
  if (recentParses.has(source)) return null;
  const tooDeep = findExcessiveFlowNesting(source);
  if (tooDeep !== null) return { offset: tooDeep, message: `YAML flow collections ([ ] or { }) are nested more than ${MAX_FLOW_DEPTH} deep` };
  const tooDeepOnALine = findExcessiveCompactNesting(source);
  if (tooDeepOnALine !== null) return { offset: tooDeepOnALine, message: `the document is nested more than ${MAX_DEPTH} levels deep` };
  return null;
}

/**
 * The top-level keys of a manifest file's text, in order, for judging its format by them
 * (src/compose/detect.ts); null when the text is not one YAML document whose top is a mapping
 * (its loader says why). Reads yaml's document (kept for the load that follows) without walking
 * it, so a problem below the top level does not hide the keys; a top-level merge key (`<<`) takes
 * the whole walk, which expands it.
 */
export function yamlTopLevelKeys(source: string, options: ParseOptions = {}): readonly string[] | null {
  if (excessiveNesting(source) !== null) return null;
  const { docs } = parseDocuments(source);
  if (docs === 'too-many-tokens' || docs.length !== 1) return null;
  const doc = docs[0] as Document.Parsed;
  if (doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) return null;
  if (doc.contents === null) return [];
  if (!isMap(doc.contents)) return null;
  const keys: string[] = [];
  for (const { key } of doc.contents.items) {
    if (!isScalar(key)) continue; // an alias or a collection as a key: refused by the walk
    if (key.type === 'PLAIN' && key.source === '<<') {
      const root = parseYaml(source, '', options).root;
      return root?.kind === 'map' ? [...root.entries.keys()] : null;
    }
    if (typeof key.value === 'string') keys.push(key.value);
    else if (key.value !== null) keys.push(typeof key.source === 'string' ? key.source : String(key.value));
  }
  return keys;
}

const YAML_OPTIONS = {
  schema: 'core',
  version: '1.2',
  merge: false, // `<<` is handled by the walker below, with the alias budget
  uniqueKeys: false, // the walker finds duplicate keys (see the header)
  strict: true,
  resolveKnownTags: false,
  intAsBigInt: false,
  logLevel: 'silent',
} as const;

class TooManyTokens extends Error {}

/**
 * At most the first two documents (a second one is an error: no need to read further), read
 * through a lexer that stops after MAX_YAML_TOKENS tokens.
 */
function readDocuments(source: string, lineCounter: LineCounter): Document.Parsed[] | 'too-many-tokens' {
  const parser = new Parser(lineCounter.addNewLine);
  function* tokens(): Generator<CST.Token> {
    lineCounter.addNewLine(0);
    let count = 0;
    for (const lexeme of new Lexer().lex(source)) {
      if (++count > MAX_YAML_TOKENS) throw new TooManyTokens();
      yield* parser.next(lexeme);
    }
    yield* parser.end();
  }
  const docs: Document.Parsed[] = [];
  try {
    for (const doc of new Composer(YAML_OPTIONS).compose(tokens())) {
      docs.push(doc);
      if (docs.length > 1) break;
    }
  } catch (err: unknown) {
    if (err instanceof TooManyTokens) return 'too-many-tokens';
    throw err;
  }
  return docs;
}

/**
 * yaml's messages, minus the source text some of them quote (a token, a block scalar header, a
 * tag, an escape sequence): the line might hold a secret.
 */
function yamlMessage(code: string, message: string): string {
  if (code === 'RESOURCE_EXHAUSTION') return 'YAML: the document is nested too deeply';
  if (code === 'DUPLICATE_KEY') return 'YAML: duplicate key';
  let safe = message;
  for (const [pattern, replacement] of SCRUB) safe = safe.replace(pattern, replacement);
  return `YAML: ${safe}`;
}

const SCRUB: readonly [RegExp, string][] = [
  [/^(Not a YAML token|Block scalar header includes extra characters|Could not resolve tag|Not a valid tag|Unresolved tag): .*$/s, '$1'],
  [/^The .* tag has no suffix$/s, 'A tag has no suffix'],
  [/^Verbatim tags aren't resolved, so .* is invalid\.$/s, "Verbatim tags aren't resolved"],
  [/^Invalid escape sequence .*$/s, 'Invalid escape sequence in a double-quoted string'],
  [/^Unexpected (?![,\]}[{]( |$)).{2,} in (.*)$/s, 'Unexpected token in $1'],
  [/^Anchors and tags must be after the .{2,} indicator$/s, 'Anchors and tags must be after the indicator'],
  [/^Plain value cannot start with .{2,}$/s, 'Plain value cannot start with this character'],
];

/** 1-based line and column of `offset` (for problems found before the parser runs). */
function locationOf(source: string, offset: number, file: string): SourceLocation {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { file, line, column: offset - lineStart + 1 };
}

/**
 * The offset of the first flow-collection opener nested deeper than MAX_FLOW_DEPTH, or null.
 * Quotes are followed as YAML does (a quote only opens a scalar where a scalar can start), so no
 * bracket the parser would nest is hidden from this scan; brackets in comments are skipped.
 * Brackets inside block scalars are counted: an over-estimate, only ever on absurd input.
 */
export function findExcessiveFlowNesting(source: string): number | null {
  let depth = 0;
  let prev = '\n'; // last significant character
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '#' && (prev === '\n' || /\s/.test(source[i - 1] ?? '\n'))) {
      while (i < source.length && source[i] !== '\n') i++;
      prev = '\n';
      continue;
    }
    if ((c === '"' || c === "'") && /[\n[{,:\-?]/.test(prev)) {
      i = endOfQuoted(source, i);
      prev = c;
      continue;
    }
    if (c === '[' || c === '{') {
      depth++;
      if (depth > MAX_FLOW_DEPTH) return i;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
    if (c === '\n' || !/\s/.test(c)) prev = c;
  }
  return null;
}

/**
 * The offset of the first line that opens more than MAX_DEPTH block collections in compact form
 * (`- - - x`, `? - ? - x`: an indicator and a space each), or null. A block scalar's content can
 * look the same: an over-estimate, only ever on absurd input.
 */
export function findExcessiveCompactNesting(source: string): number | null {
  let atLineStart = true;
  let indicators = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 10) {
      atLineStart = true;
      indicators = 0;
      continue;
    }
    if (!atLineStart || c === 32 || c === 9) continue;
    const next = source.charCodeAt(i + 1);
    // '-', '?' or ':' followed by a space, a tab or the end of the line opens one more level
    if ((c === 45 || c === 63 || c === 58) && (next === 32 || next === 9 || next === 10 || Number.isNaN(next))) {
      if (++indicators > MAX_DEPTH) return i;
      continue;
    }
    atLineStart = false;
  }
  return null;
}

function endOfQuoted(source: string, start: number): number {
  const quote = source[start];
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i];
    if (quote === '"' && c === '\\') i++;
    else if (c === quote) {
      if (quote === "'" && source[i + 1] === "'") i++;
      else return i;
    }
  }
  return source.length;
}

class Walker {
  readonly #doc: Document.Parsed;
  readonly #at: (offset: number) => SourceLocation;
  readonly #issues: Issues;
  /**
   * Keys refused whose entries are left out (`__proto__`...): the rest of the document is still
   * what it says, so the tree stays usable and its other problems are reported too.
   */
  readonly #refused: Issues;
  #aliasTargets: Map<YamlNode, YamlNode | undefined> | null = null;
  /** The collections being walked (the current path): an alias to one of them would loop. */
  readonly #open = new Set<YamlNode>();
  #aliasNodes = 0;
  #aliasDepth = 0;
  /** Where the outermost alias being expanded is written: an alias bomb is reported there. */
  #aliasStart: { loc: SourceLocation; path: ValuePath } | null = null;
  #exhausted = false;
  /** Placeholders for aliases that could not be resolved (reported once, where they are). */
  readonly #failedAliases = new WeakSet<Node>();
  foundDuplicates = false;
  readonly #allowedTags: ReadonlySet<string>;

  constructor(doc: Document.Parsed, at: (offset: number) => SourceLocation, issues: Issues, refused: Issues, allowedTags: ReadonlySet<string>) {
    this.#doc = doc;
    this.#at = at;
    this.#issues = issues;
    this.#refused = refused;
    this.#allowedTags = allowedTags;
  }

  /**
   * What each alias refers to: the last node with its anchor *before* it, in document order.
   * Found on the first alias met (one pass over the whole document): most manifests have none.
   */
  #aliasTarget(alias: YamlNode): YamlNode | undefined {
    if (this.#aliasTargets === null) {
      const targets = new Map<YamlNode, YamlNode | undefined>();
      const anchors = new Map<string, YamlNode>();
      visit(this.#doc, {
        Node: (_key, node) => {
          if (isAlias(node)) targets.set(node, anchors.get(node.source));
          else if (node.anchor !== undefined) anchors.set(node.anchor, node);
        },
      });
      this.#aliasTargets = targets;
    }
    return this.#aliasTargets.get(alias);
  }

  walkRoot(): Node {
    const contents = this.#doc.contents;
    if (contents === null) return { kind: 'map', loc: this.#at(0), entries: new Map() };
    return this.#walk(contents, [], 0);
  }

  /** Where `node` starts; without a position (never seen from yaml's parser), `fallback`, else the document's start. */
  #loc(node: YamlNode | null | undefined, fallback?: SourceLocation): SourceLocation {
    const offset = node?.range?.[0];
    if (offset !== undefined) return this.#at(offset);
    return fallback ?? this.#at(0);
  }

  #nullAt(loc: SourceLocation): Node {
    return { kind: 'scalar', loc, value: null, text: '', plain: true };
  }

  #walk(node: YamlNode, path: ValuePath, depth: number): Node {
    const loc = this.#loc(node);
    if (this.#exhausted) return this.#nullAt(loc);
    if (this.#aliasDepth > 0 && ++this.#aliasNodes > MAX_ALIAS_NODES) {
      this.#exhausted = true;
      const start = this.#aliasStart ?? { loc, path };
      this.#issues.error(start.loc, start.path, `YAML aliases expand to more than ${MAX_ALIAS_NODES} values (an alias bomb?); the document is refused`);
      return this.#nullAt(loc);
    }
    if (depth > MAX_DEPTH) {
      this.#exhausted = true;
      this.#issues.error(loc, path, `the document is nested more than ${MAX_DEPTH} levels deep`);
      return this.#nullAt(loc);
    }
    if (isAlias(node)) return this.#walkAlias(node, path, depth, loc);
    const tag = node.tag !== undefined && this.#allowedTags.has(node.tag) ? node.tag : undefined;
    if (node.tag !== undefined && tag === undefined && !CORE_TAGS.has(node.tag)) {
      this.#issues.error(loc, path, `the YAML tag ${node.tag.replace('tag:yaml.org,2002:', '!!')} is not supported`);
      return this.#nullAt(loc);
    }
    const walked = this.#walkUntagged(node, path, depth, loc);
    return tag === undefined ? walked : { ...walked, tag };
  }

  #walkUntagged(node: YamlNode, path: ValuePath, depth: number, loc: SourceLocation): Node {
    if (isScalar(node)) {
      // An allowed local tag leaves the scalar unresolved (a string): type it as the core schema would.
      if (node.tag !== undefined && !CORE_TAGS.has(node.tag) && (node.type === 'PLAIN' || node.type === undefined) && typeof node.source === 'string') {
        return { kind: 'scalar', loc, value: node.source === '' ? null : resolvePlainScalar(node.source), text: node.source, plain: true };
      }
      const value = node.value;
      // `PASSWORD: &hunter2` is an anchor on an empty value: YAML (and Compose) read null, and the
      // value written is lost without a word. Said once, where it is written (not at each alias of
      // it); the anchor's name is not quoted: it may be the secret.
      if (node.anchor !== undefined && value === null && node.source === '' && this.#aliasDepth === 0) {
        this.#issues.warning(loc, path, 'this value is empty, with a YAML anchor (&name) on it: a value that starts with "&" is an anchor; quote it if it is not meant as one');
      }
      if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        this.#issues.error(loc, path, 'unsupported YAML value');
        return this.#nullAt(loc);
      }
      const plain = node.type === 'PLAIN' || node.type === undefined;
      const text = plain && typeof node.source === 'string' ? node.source : String(value ?? '');
      return { kind: 'scalar', loc, value: value as Scalar, text, plain };
    }
    if (!isSeq(node) && !isMap(node)) {
      this.#issues.error(loc, path, 'unsupported YAML node');
      return this.#nullAt(loc);
    }
    this.#open.add(node);
    try {
      if (isMap(node)) return this.#walkMap(node.items as Pair<YamlNode | null, YamlNode | null>[], path, depth, loc);
      const items = node.items.map((item, i) => (item === null ? this.#nullAt(loc) : this.#walk(item as YamlNode, [...path, i], depth + 1)));
      return { kind: 'seq', loc, items };
    } finally {
      this.#open.delete(node);
    }
  }

  #walkAlias(node: YamlNode & { source: string }, path: ValuePath, depth: number, loc: SourceLocation): Node {
    const target = this.#aliasTarget(node);
    if (target === undefined || this.#open.has(target)) {
      // Without an anchor, the name is not quoted: it is as often an unquoted value that starts
      // with "*" (a password...) as a mistyped anchor name, and the position shows it.
      this.#issues.error(
        loc,
        path,
        target === undefined
          ? 'this YAML alias has no anchor (&name) before it: a value that starts with "*" is an alias; quote it if it is not meant as one'
          : `the YAML alias *${node.source} refers to a value that contains it`,
      );
      const placeholder = this.#nullAt(loc);
      this.#failedAliases.add(placeholder);
      return placeholder;
    }
    if (this.#aliasDepth === 0) this.#aliasStart = { loc, path };
    this.#aliasDepth++;
    try {
      return this.#walk(target, path, depth);
    } finally {
      this.#aliasDepth--;
    }
  }

  #walkMap(pairs: readonly Pair<YamlNode | null, YamlNode | null>[], path: ValuePath, depth: number, loc: SourceLocation): Node {
    const explicit = new Map<string, MapEntry>();
    const merged: [string, MapEntry][] = [];
    let mergeKeyLoc: SourceLocation | null = null;
    for (const pair of pairs) {
      const keyNode = pair.key;
      const keyLoc = this.#loc(keyNode, loc);
      const key = this.#keyOf(keyNode, keyLoc, path);
      if (key === null) continue;
      const valueNode = pair.value;
      if (key === '<<' && isScalar(keyNode) && keyNode.type === 'PLAIN') {
        if (mergeKeyLoc !== null) {
          this.foundDuplicates = true;
          this.#issues.error(keyLoc, [...path, key], `duplicate merge key (first defined at line ${mergeKeyLoc.line}, column ${mergeKeyLoc.column}): merge several mappings with one, <<: [*a, *b]`);
          continue;
        }
        mergeKeyLoc = keyLoc;
        merged.push(...this.#mergeSources(valueNode, [...path, key], depth, keyLoc));
        continue;
      }
      if (FORBIDDEN_KEYS.has(key)) {
        this.#refused.error(keyLoc, path, `the key "${key}" is not allowed`);
        continue;
      }
      const first = explicit.get(key);
      if (first !== undefined) {
        this.foundDuplicates = true;
        const { line, column } = first.keyLoc;
        this.#issues.error(keyLoc, [...path, key], `duplicate key (first defined at line ${line}, column ${column})`);
        continue;
      }
      const value = valueNode === null ? this.#nullAt(keyLoc) : this.#walk(valueNode, [...path, key], depth + 1);
      explicit.set(key, { keyLoc, value });
    }
    if (merged.length === 0) return { kind: 'map', loc, entries: explicit };
    // Keys written in the mapping win; among merged mappings, the first one giving a key wins.
    const entries = new Map<string, MapEntry>();
    for (const [key, entry] of merged) if (!explicit.has(key) && !entries.has(key)) entries.set(key, entry);
    for (const [key, entry] of explicit) entries.set(key, entry);
    return { kind: 'map', loc, entries };
  }

  #mergeSources(valueNode: YamlNode | null, path: ValuePath, depth: number, keyLoc: SourceLocation): [string, MapEntry][] {
    const value = valueNode === null ? this.#nullAt(keyLoc) : this.#walk(valueNode, path, depth + 1);
    const sources = value.kind === 'seq' ? value.items : [value];
    const out: [string, MapEntry][] = [];
    for (const source of sources) {
      if (this.#failedAliases.has(source)) continue; // already reported
      if (source.kind !== 'map') {
        this.#issues.error(source.loc, path, 'a merge key (<<) takes a mapping or a list of mappings');
        continue;
      }
      out.push(...source.entries);
    }
    return out;
  }

  #keyOf(keyNode: YamlNode | null, keyLoc: SourceLocation, path: ValuePath): string | null {
    if (keyNode === null || (isScalar(keyNode) && (keyNode.value === null || keyNode.value === ''))) {
      this.#issues.error(keyLoc, path, 'empty mapping key');
      return null;
    }
    if (!isScalar(keyNode)) {
      this.#issues.error(keyLoc, path, isAlias(keyNode) ? 'YAML aliases cannot be used as keys' : 'mapping keys must be plain strings');
      return null;
    }
    if (keyNode.tag !== undefined && !CORE_TAGS.has(keyNode.tag)) {
      this.#issues.error(keyLoc, path, `the YAML tag ${keyNode.tag.replace('tag:yaml.org,2002:', '!!')} is not supported`);
      return null;
    }
    if (typeof keyNode.value === 'string') return keyNode.value;
    return typeof keyNode.source === 'string' ? keyNode.source : String(keyNode.value);
  }
}
