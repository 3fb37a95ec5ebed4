// Problems found in manifests: every one positioned (file, line, column) and named by its value
// path, collected rather than thrown, so that one run reports them all.
//
// Messages never quote source lines or free-form values (environment, labels, commands, content):
// they may hold secrets. They may quote values of structural fields (ports, durations, names).
import { MoorError } from '../errors.js';
import type { SourceLocation } from '../model/desired.js';

export type Severity = 'error' | 'warning';

export interface Issue {
  readonly severity: Severity;
  readonly file: string;
  /** 1-based; 0 when the problem concerns the file as a whole (e.g. it cannot be read). */
  readonly line: number;
  readonly column: number;
  /** The value path, e.g. `services.web.ports[0]` ('' for the document or file). */
  readonly path: string;
  /** The whole message, naming the path or object id (`service/web`) it is about. */
  readonly message: string;
}

export type PathSegment = string | number;
export type ValuePath = readonly PathSegment[];

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * `KEY=` of a word written as an assignment (an environment or label entry in list form), also
 * behind stray punctuation: a line cut or mangled (`:ASSWORD=value`, found by the manifest
 * fuzzer) is still an assignment whose value must not be quoted. A path (`secrets/a=b.txt`) is not.
 */
const ASSIGNMENT = /^([^A-Za-z0-9_=/]*[A-Za-z_][A-Za-z0-9_.-]*=)./;

/**
 * A structural value (an image, a port, a duration...) as a message may quote it: only its first
 * word, and of a `KEY=value` word only `KEY=`. WARNING: a value with blanks in it is often several
 * YAML lines run together — a line indented one step too far continues the plain scalar above it
 * (`image: app:1` followed by a misplaced `  - PASSWORD=...`) — and those lines may hold a secret;
 * a line moved into the wrong list (an `environment` entry among the `ports`) is one word.
 */
export function quoteValue(value: string | number): string {
  const text = String(value);
  const word = text.trimStart().split(/\s/, 1)[0] ?? '';
  const assignment = ASSIGNMENT.exec(word);
  if (assignment !== null) return `${JSON.stringify(`${assignment[1] ?? ''}...`)} (shortened)`;
  return word === text ? JSON.stringify(text) : `${JSON.stringify(`${word} ...`)} (shortened)`;
}

/** `services.web.ports[0]`; keys that are not plain words are quoted: `labels["com.example.tier"]`. */
export function formatPath(path: ValuePath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** `file:line:column`: a position as a key (an issue and a SourceLocation both have one). */
export function positionKey(at: { readonly file: string; readonly line: number; readonly column: number }): string {
  return `${at.file}:${at.line}:${at.column}`;
}

/** `FILE:LINE:COL: message` (`FILE: message` for file-level problems); warnings say so. */
export function formatIssue(issue: Issue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return `${where}: ${issue.severity === 'warning' ? 'warning: ' : ''}${issue.message}`;
}

/** Collects issues; `error`/`warning` prefix the message with the path unless told otherwise. */
export class Issues {
  readonly #list: Issue[] = [];
  readonly #seen = new Set<string>();
  readonly #suppressed: string[] = [];

  /**
   * Leaves out problems added from now on at `path` or below it: used where a value is already
   * known to be wrong (it could not be interpolated), so that it is reported once, not again by
   * every check that reads it.
   */
  suppressBelow(path: string): void {
    if (path !== '') this.#suppressed.push(path);
  }

  error(loc: SourceLocation, path: ValuePath, text: string): void {
    this.add('error', loc, path, text);
  }

  warning(loc: SourceLocation, path: ValuePath, text: string): void {
    this.add('warning', loc, path, text);
  }

  /** An issue whose message names something other than the path (an object id, or nothing). */
  add(severity: Severity, loc: SourceLocation, path: ValuePath, text: string, subject: string | null = formatPath(path)): void {
    const where = formatPath(path);
    if (this.#suppressed.some((s) => where === s || where.startsWith(`${s}.`) || where.startsWith(`${s}[`))) return;
    const message = subject === null || subject === '' ? text : `${subject}: ${text}`;
    const issue: Issue = { severity, file: loc.file, line: loc.line, column: loc.column, path: where, message };
    // The same node can be reached twice through YAML aliases; report it once.
    const key = `${severity}\0${formatIssue(issue)}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.#list.push(issue);
  }

  addAll(issues: Iterable<Issue>): void {
    for (const issue of issues) {
      const key = `${issue.severity}\0${formatIssue(issue)}`;
      if (this.#seen.has(key)) continue;
      this.#seen.add(key);
      this.#list.push(issue);
    }
  }

  get hasErrors(): boolean {
    return this.#list.some((i) => i.severity === 'error');
  }

  get count(): number {
    return this.#list.length;
  }

  /** In file order (as given by `fileOrder`), then line and column. */
  sorted(fileOrder: readonly string[] = []): Issue[] {
    const rank = (file: string): number => {
      const i = fileOrder.indexOf(file);
      return i === -1 ? fileOrder.length : i;
    };
    return [...this.#list].sort((a, b) => rank(a.file) - rank(b.file) || a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  }
}

/** A manifest that failed validation, for commands that need a desired state or nothing. */
export class ManifestError extends MoorError {
  readonly issues: readonly Issue[];
  /** Lines shown before the issues (how the files were read). */
  readonly notes: readonly string[];

  constructor(issues: readonly Issue[], notes: readonly string[] = []) {
    const errors = issues.filter((i) => i.severity === 'error').length;
    super('MANIFEST_INVALID', `the manifest is invalid (${errors} ${errors === 1 ? 'error' : 'errors'})`);
    this.issues = issues;
    this.notes = notes;
  }

  override details(): readonly string[] {
    return [...this.notes, ...this.issues.map(formatIssue)];
  }
}
