// The short syntaxes of the manifest, parsed into model values. Pure functions: each returns the
// value or an error message (without the path; the caller adds it). Messages may quote the value:
// these are structural fields (ports, mounts, durations...), never free-form ones.
import { isIP } from 'node:net';
import type { Bytes, Duration, Protocol } from '../model/desired.js';
import { quoteValue } from './issues.js';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T = never>(error: string): Parsed<T> => ({ ok: false, error });
const quote = quoteValue;

// ---------------------------------------------------------------------------------------------
// Units

const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
// µs and μs (micro sign, Greek mu) escaped: the CLI bundle is kept ASCII (scripts/build-cli.mjs).
const DURATION_PART = /([0-9]+(?:\.[0-9]+)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/gy;

/** Go/Compose durations ("1m30s", "500ms", "1.5h", "0") -> integer nanoseconds. */
export function parseDuration(text: string): Parsed<Duration> {
  if (text === '0') return ok(0);
  let total = 0;
  let end = 0;
  DURATION_PART.lastIndex = 0;
  for (let m = DURATION_PART.exec(text); m !== null; m = DURATION_PART.exec(text)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] ?? 0);
    end = DURATION_PART.lastIndex;
  }
  if (end === 0 || end !== text.length) return fail(`invalid duration ${quote(text)}: write e.g. "1m30s" or "500ms" (units ns, us, ms, s, m, h)`);
  return ok(Math.round(total));
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const SIZE = /^([0-9]+(?:\.[0-9]+)?)\s?([kmgt]?)(?:i?b)?$/i;

/** Compose sizes: bytes as a number, or "256m", "1g", "512kb" (binary multiples) -> bytes. */
export function parseSize(value: string | number): Parsed<Bytes> {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? ok(value) : fail(`invalid size ${value}: give whole bytes or e.g. "256m"`);
  const m = SIZE.exec(value.trim());
  if (m === null) return fail(`invalid size ${quote(value)}: write e.g. "256m" or "1g" (units b, k, m, g)`);
  return ok(Math.floor(Number(m[1]) * (SIZE_UNITS[(m[2] as string).toLowerCase()] ?? 1)));
}

/** CPUs (0.5, "1.5") -> nano-CPUs. */
export function parseCpus(value: string | number): Parsed<number> {
  const n = typeof value === 'number' ? value : /^[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0) return fail(`invalid number of CPUs ${quote(value)}: give a positive number such as 0.5`);
  return ok(Math.round(n * 1e9));
}

/**
 * File modes, read from how the value was *written*: YAML 1.2 reads `0440` as the decimal 440, but
 * Compose (and every shell user) means octal. So `0440`, `"0440"`, `0o440` and `"0o440"` all mean
 * 0o440; a number without the leading zero (`440`) is refused as ambiguous.
 */
export function parseOctalMode(text: string, max = 0o777): Parsed<number> {
  const m = /^0o?([0-7]{1,4})$/.exec(text === '0' ? '00' : text);
  if (m !== null) {
    const mode = Number.parseInt(m[1] as string, 8);
    return mode <= max ? ok(mode) : fail(`file mode ${text} is out of range: give permission bits up to 0${max.toString(8)}`);
  }
  if (/^[0-9]+$/.test(text)) {
    const asDecimal = Number(text);
    const meaning = asDecimal <= 0o777 ? ` (as a decimal number it would mean 0${asDecimal.toString(8)})` : '';
    return fail(`file mode ${text} is ambiguous${meaning}: write it in octal with a leading zero, e.g. 0${text}`);
  }
  return fail(`invalid file mode ${quote(text)}: write it in octal, e.g. 0440`);
}

// ---------------------------------------------------------------------------------------------
// Commands

/**
 * Splits a command string into words as a POSIX shell would (quotes and backslashes), as Compose
 * does; nothing is expanded and no shell runs it. Shell operators are refused rather than passed
 * as words: `a && b` most likely meant ["sh", "-c", "a && b"].
 */
export function splitShellWords(text: string): Parsed<string[]> {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) return fail('unterminated single quote');
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`\n'.includes(text[j + 1] as string)) j++;
        word += text[j];
      }
      if (j >= text.length) return fail('unterminated double quote');
      inWord = true;
      i = j;
    } else if (c === '\\') {
      if (i + 1 < text.length) word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (';&|<>`'.includes(c) || (c === '$' && text[i + 1] === '(')) {
      return fail(`the string holds the shell operator ${quote(c === '$' ? '$(' : c)}, but no shell runs it: use a list such as ["sh", "-c", "..."]`);
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return ok(words);
}

// ---------------------------------------------------------------------------------------------
// Ports

export interface PortBinding {
  readonly target: number;
  readonly published: number | null;
  /** '' when not given. */
  readonly hostIp: string;
  readonly protocol: Protocol;
}

const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp'];

export function parseProtocol(text: string): Parsed<Protocol> {
  const p = text.toLowerCase();
  return PROTOCOLS.includes(p) ? ok(p as Protocol) : fail(`unknown protocol ${quote(text)}: use tcp, udp or sctp`);
}

/** "80", "8080-8081", "" (none) -> [first, last] | null. */
export function parsePortRange(text: string, what: string): Parsed<readonly [number, number] | null> {
  if (text === '') return ok(null);
  const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(text);
  if (m === null) return fail(`invalid ${what} ${quote(text)}`);
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  for (const p of [first, last]) if (p < 1 || p > 65535) return fail(`${what} ${p} is out of range (1-65535)`);
  if (last < first) return fail(`invalid ${what} range ${quote(text)}: the first port is larger than the last`);
  return ok([first, last]);
}

/** Expands a target range and an optional published range into single bindings (equal sizes). */
export function expandPortRanges(target: readonly [number, number], published: readonly [number, number] | null, hostIp: string, protocol: Protocol): Parsed<PortBinding[]> {
  const count = target[1] - target[0] + 1;
  if (published !== null && published[1] - published[0] + 1 !== count) {
    return count === 1
      ? fail('a range of host ports for one container port is not supported: publish one port')
      : fail(`the host port range and the container port range differ in size (${published[1] - published[0] + 1} and ${count})`);
  }
  const out: PortBinding[] = [];
  for (let i = 0; i < count; i++) out.push({ target: target[0] + i, published: published === null ? null : published[0] + i, hostIp, protocol });
  return ok(out);
}

/** Compose's short syntax: "[IP:][HOST:]CONTAINER[/PROTOCOL]", where HOST and CONTAINER may be ranges. */
export function parsePortShort(spec: string | number): Parsed<PortBinding[]> {
  let rest = String(spec).trim();
  let protocol: Protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash !== -1) {
    const p = parseProtocol(rest.slice(slash + 1));
    if (!p.ok) return p;
    protocol = p.value;
    rest = rest.slice(0, slash);
  }
  let hostIp = '';
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1 || rest[close + 1] !== ':') return fail(`invalid port ${quote(spec)}: write an IPv6 address as "[::1]:8080:80"`);
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
    if (!rest.includes(':')) return fail(`invalid port ${quote(spec)}: a host address needs a host port, e.g. "[::1]:8080:80" (or "[::1]::80")`);
  }
  const parts = rest.split(':');
  if (parts.length > 3 || (hostIp !== '' && parts.length > 2)) return fail(`invalid port ${quote(spec)}: expected "[IP:][HOST:]CONTAINER[/PROTOCOL]" (IPv6 addresses go in brackets)`);
  if (parts.length === 3) hostIp = parts.shift() as string;
  if (hostIp !== '' && isIP(hostIp) === 0) return fail(`invalid host address ${quote(hostIp)} in port ${quote(spec)}`);
  const containerPart = parts.pop() as string;
  const hostPart = parts.pop() ?? '';
  const target = parsePortRange(containerPart, 'container port');
  if (!target.ok) return target;
  if (target.value === null) return fail(`invalid port ${quote(spec)}: the container port is missing`);
  const published = parsePortRange(hostPart, 'host port');
  if (!published.ok) return published;
  return expandPortRanges(target.value, published.value, hostIp, protocol);
}

// ---------------------------------------------------------------------------------------------
// Mounts

export interface ShortMount {
  /** '' for an anonymous volume. */
  readonly source: string;
  readonly target: string;
  readonly bind: boolean;
  readonly readOnly: boolean;
  readonly noCopy: boolean;
}

/** Whether a mount source names a host path (Compose: it starts with ".", "/" or "~"). */
export function isHostPath(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
}

/** Compose's short syntax: "SOURCE:TARGET[:OPTIONS]" or "TARGET" (an anonymous volume). */
export function parseMountShort(spec: string): Parsed<ShortMount> {
  const parts = spec.split(':');
  if (parts.length > 3) return fail(`invalid mount ${quote(spec)}: expected "SOURCE:TARGET[:ro]"`);
  const [first = '', second, options = ''] = parts;
  const source = second === undefined ? '' : first;
  const target = second === undefined ? first : second;
  if (!target.startsWith('/')) return fail(`invalid mount ${quote(spec)}: the target must be an absolute path in the container`);
  if (second !== undefined && source === '') return fail(`invalid mount ${quote(spec)}: the source is empty`);
  let readOnly = false;
  let noCopy = false;
  const bind = isHostPath(source);
  for (const option of options === '' ? [] : options.split(',')) {
    if (option === 'ro') readOnly = true;
    else if (option === 'rw') readOnly = false;
    else if (option === 'nocopy' && !bind) noCopy = true;
    else return fail(`mount option ${quote(option)} is not supported by moor (use ${bind ? 'ro or rw' : 'ro, rw or nocopy'})`);
  }
  return ok({ source, target, bind, readOnly, noCopy });
}

// ---------------------------------------------------------------------------------------------
// Small fields

/** "no" | "always" | "unless-stopped" | "on-failure[:N]" (the schema checked the shape). */
export function parseRestart(text: string): { name: 'no' | 'always' | 'unless-stopped' | 'on-failure'; maxRetries: number } {
  const [name, retries] = text.split(':');
  if (name === 'on-failure') return { name, maxRetries: retries === undefined ? 0 : Number(retries) };
  return { name: name as 'no' | 'always' | 'unless-stopped', maxRetries: 0 };
}

/** "KEY=VALUE" -> [KEY, VALUE]; "KEY" -> [KEY, null] (a value to take from the environment). */
export function splitKeyValue(item: string): Parsed<readonly [string, string | null]> {
  const eq = item.indexOf('=');
  const key = eq === -1 ? item : item.slice(0, eq);
  if (key.trim() === '' || key !== key.trim()) return fail('expected KEY=VALUE with a non-empty key and no spaces around it');
  return ok([key, eq === -1 ? null : item.slice(eq + 1)]);
}

/** "host:ip" or "host=ip" -> "host:ip" (the Engine's spelling). */
export function parseExtraHost(item: string): Parsed<string> {
  const sep = item.search(/[=:]/);
  if (sep <= 0) return fail(`invalid extra host ${quote(item)}: expected "host:ip" or "host=ip"`);
  const checked = checkExtraHost(item.slice(0, sep), item.slice(sep + 1));
  // "host=ip" is written like an environment entry, and may be one moved here (PASSWORD=secret):
  // the address is then not quoted.
  if (!checked.ok && item[sep] === '=') return fail(`invalid extra host ${quote(item)}: expected an IP address (or host-gateway) after "="`);
  return checked;
}

/**
 * `quoteAddress: false` for the mapping form ({host: ip}): written like an environment mapping, it
 * may be one moved here ({PASSWORD: secret}), so a bad address is not quoted.
 */
export function checkExtraHost(host: string, ip: string, quoteAddress = true): Parsed<string> {
  const address = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (address !== 'host-gateway' && isIP(address) === 0) {
    return fail(quoteAddress ? `invalid address ${quote(ip)} for extra host ${quote(host)}` : `invalid address for extra host ${quote(host)}: expected an IP address (or host-gateway)`);
  }
  return ok(`${host}:${address}`);
}

/** "/run" or "/run:size=64m,mode=1777" -> [path, options]. */
export function parseTmpfs(item: string): Parsed<readonly [string, string]> {
  const colon = item.indexOf(':');
  const path = colon === -1 ? item : item.slice(0, colon);
  if (!path.startsWith('/')) return fail(`invalid tmpfs ${quote(item)}: the path must be absolute`);
  return ok([path, colon === -1 ? '' : item.slice(colon + 1)]);
}

/** Capabilities as the Engine spells them: upper case, without "CAP_". */
export function normaliseCapability(cap: string): string {
  const upper = cap.trim().toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}
