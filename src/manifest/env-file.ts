// Env files (`.env`, `--env-file`, `env_file:`), in the dotenv format Compose reads:
//   KEY=VALUE, `export KEY=VALUE`, `# comments`, blank lines; values unquoted (trimmed, ` #...`
//   cut), 'single-quoted' (literal; `\'` is a quote, as in compose-go's dotenv) or "double-quoted"
//   (\n \t \r \" \\ \$ escapes; may span lines); a bare KEY takes its value from moor's environment
//   where the file is used as environment.
// Each entry keeps its value as written (`value`) and, for an unquoted or double-quoted one, the
// text in interpolation syntax (`template`: `\$` as `$$`), for the callers that expand `${VAR}` as
// Compose does (the project's .env and --env-file: see load.ts); a single-quoted value has none.
// Pure: the caller reads the file. Messages never quote values.

export interface EnvFileEntry {
  readonly key: string;
  /** null for a bare KEY. */
  readonly value: string | null;
  /** The value in interpolation syntax; null for a bare KEY and a single-quoted (literal) value. */
  readonly template: string | null;
  readonly line: number;
}

export interface EnvFileProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface ParsedEnvFile {
  readonly entries: readonly EnvFileEntry[];
  readonly problems: readonly EnvFileProblem[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', $: '$' };

export function parseEnvFile(text: string): ParsedEnvFile {
  const entries: EnvFileEntry[] = [];
  const problems: EnvFileProblem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const raw = lines[n] as string;
    const line = raw.trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const indent = raw.length - line.length;
    const body = line.startsWith('export ') ? line.slice(7).trimStart() : line;
    const keyColumn = indent + (line.length - body.length) + 1;
    const eq = body.indexOf('=');
    const key = (eq === -1 ? body : body.slice(0, eq)).trimEnd();
    if (!KEY.test(key)) {
      problems.push({ line: lineNo, column: keyColumn, message: 'expected KEY=VALUE, where KEY is letters, digits and "_" (not starting with a digit)' });
      continue;
    }
    if (eq === -1) {
      entries.push({ key, value: null, template: null, line: lineNo });
      continue;
    }
    let value = body.slice(eq + 1).trimStart();
    const quote = value[0];
    if (quote === '"' || quote === "'") {
      // A quoted value may continue on the following lines, up to its closing quote.
      let joined = value.slice(1);
      let close = findClosingQuote(joined, quote);
      while (close === -1 && n + 1 < lines.length) {
        joined += `\n${lines[++n] as string}`;
        close = findClosingQuote(joined, quote);
      }
      if (close === -1) {
        problems.push({ line: lineNo, column: keyColumn, message: `the value of ${key} has no closing ${quote === '"' ? 'double' : 'single'} quote` });
        continue;
      }
      const inner = joined.slice(0, close);
      const after = joined.slice(close + 1).trim();
      if (after !== '' && !after.startsWith('#')) {
        problems.push({ line: n + 1, column: 1, message: `unexpected text after the closing quote of ${key}` });
        continue;
      }
      if (quote === "'") {
        entries.push({ key, value: inner.replace(/\\(.)/gs, (m, c: string) => (c === "'" ? c : m)), template: null, line: lineNo });
        continue;
      }
      const unescape = (dollar: string): string => inner.replace(/\\(.)/gs, (_m, c: string) => (c === '$' ? dollar : (ESCAPES[c] ?? `\\${c}`)));
      entries.push({ key, value: unescape('$'), template: unescape('$$'), line: lineNo });
      continue;
    }
    const comment = value.search(/\s#/);
    value = (comment === -1 ? value : value.slice(0, comment)).trimEnd();
    entries.push({ key, value, template: value, line: lineNo });
  }
  return { entries, problems };
}

/** The closing quote: a backslash escapes the character after it, in both kinds of quotes (`'Let\\'s go!'`). */
function findClosingQuote(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}
