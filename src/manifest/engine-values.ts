// Values the Engine checks only when it uses them, checked here against its own rules so that a
// typo is a positioned error of `moor validate`, not a failure half-way through an apply: image
// references (distribution/reference, as the Engine 20.10 parses them), stop signals (moby's
// signal.ParseSignal on Linux) and capability names (moby's oci/caps). Pure functions; each rule
// was tried against an Engine 20.10: nothing it accepts is refused here (see the WARNINGs).
// Messages may quote the value: these are structural fields, never free-form ones.
import { quoteValue } from './issues.js';
import { closest, didYouMean } from './suggest.js';

/** null when the value is fine. */
export type Verdict = { readonly severity: 'error' | 'warning'; readonly message: string } | null;

const error = (message: string): Verdict => ({ severity: 'error', message });
const warning = (message: string): Verdict => ({ severity: 'warning', message });

// ---------------------------------------------------------------------------------------------
// Image references
//
//   reference := name [":" tag] ["@" digest]
//   name      := [domain "/"] component ("/" component)*
//   domain    := host-component ("." host-component)* [":" port]
// The first part of a name is a registry host only when it has a "." or a ":" or is "localhost"
// (docker.io/library/ is assumed otherwise), and the rest must be lowercase.

const HOST = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/;
// WARNING: the grammar's separator is `[-]*`, which may be empty; written so in a backtracking
// regex, `a` repeated 40 times then a bad character takes hours (the manifest fuzzer hung on it).
// An empty separator only joins two runs of [a-z0-9], so `-+` names the same language.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
/** go-digest's algorithms, with the length of their hexadecimal digests. */
const DIGEST_LENGTHS: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
const IMAGE_ID = /^[a-f0-9]{64}$/;
/** distribution/reference's NameTotalLengthMax, counted on the normalised name (docker.io/library/...). */
const MAX_NAME_LENGTH = 255;

/**
 * An image reference as the Engine reads it. WARNING: a container may name its image by ID (64
 * hexadecimal digits, what `docker images --no-trunc` shows), a Swarm service may not: swarmkit
 * parses its image as a repository name, and refuses those.
 */
export function checkImageReference(ref: string, kind: 'container' | 'service'): Verdict {
  const shown = quoteValue(ref);
  const bad = (why: string): Verdict => error(`invalid image reference ${shown}: ${why}`);
  if (IMAGE_ID.test(ref)) {
    return kind === 'container' ? null : error(`an image ID (${shown}) cannot be used for a service: Swarm needs a repository name (pin an image with NAME@sha256:DIGEST)`);
  }
  let rest = ref;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const [algorithm = '', hex = ''] = digest.split(':', 2);
    const length = DIGEST_LENGTHS[algorithm];
    if (!DIGEST.test(digest) || length === undefined || hex.length !== length || hex !== hex.toLowerCase()) {
      return bad('a digest is "sha256:" and 64 lowercase hexadecimal digits (or sha384: 96, sha512: 128)');
    }
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', slash + 1);
  let name = rest;
  if (colon !== -1) {
    const tag = rest.slice(colon + 1);
    name = rest.slice(0, colon);
    if (tag.includes(':')) return bad('a reference has one tag at most (NAME:TAG)');
    if (!TAG.test(tag)) return bad('a tag is 1 to 128 letters, digits, "_", "." and "-", and does not start with "." or "-"');
  }
  if (name === '') return bad('the repository name is missing');
  const parts = name.split('/');
  const first = parts[0] as string;
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const components = hasHost ? parts.slice(1) : parts;
  if (hasHost && !HOST.test(first)) return bad('the registry host must be a host name or address, with an optional :PORT');
  const path = components.join('/');
  if (path !== path.toLowerCase()) return bad('the repository name must be lowercase (only a registry host may have capitals)');
  if (!components.every((c) => COMPONENT.test(c))) {
    return bad('the parts of a repository name, between "/", are lowercase letters and digits, joined by ".", "_", "__" or dashes');
  }
  const normalised = hasHost ? name : `docker.io/${parts.length === 1 ? 'library/' : ''}${name}`;
  if (normalised.length > MAX_NAME_LENGTH) return bad(`the repository name is ${normalised.length} characters as the Engine counts it (${normalised.slice(0, 18)}...); the limit is ${MAX_NAME_LENGTH}`);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Stop signals

/** moby's signal.SignalMap for Linux, without "SIG". */
const SIGNAL_NAMES: readonly string[] = [
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL', 'PROF', 'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS',
  'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1', 'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ',
  'RTMIN', ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${14 - i}`), 'RTMAX',
];
const SIGNALS = new Set(SIGNAL_NAMES);
const MAX_INT64 = 2n ** 63n - 1n;

/**
 * A stop signal as the Engine parses it: a name, upper or lower case, with or without "SIG"
 * (SIGTERM, term, SIGRTMIN+3), or a number. WARNING: the Engine takes any integer but 0 (Go's
 * Atoi: "99", "-1", "+5"); one that is no Linux signal (1-64) is only warned about: stopping then
 * fails, and the container is killed after its grace period.
 */
export function checkStopSignal(text: string): Verdict {
  if (text === '') return null; // the Engine reads it as not set
  if (/^[+-]?[0-9]+$/.test(text)) {
    const n = BigInt(text);
    if (n === 0n || n > MAX_INT64 || n < -MAX_INT64 - 1n) return error(`invalid stop signal ${quoteValue(text)}: give a signal number from 1 to 64, or a name such as SIGTERM`);
    if (n < 1n || n > 64n) return warning(`${quoteValue(text)} is not a Linux signal (1 to 64): the Engine takes it, but cannot send it, so stopping waits for the grace period and then kills`);
    return null;
  }
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper.slice(3) : upper;
  if (SIGNALS.has(name)) return null;
  const near = closest(name, SIGNAL_NAMES);
  return error(`unknown stop signal ${quoteValue(text)}${near === null ? ': use a name such as SIGTERM, SIGINT or SIGRTMIN+3, or a number from 1 to 64' : ` (did you mean "SIG${near}"?)`}`);
}

// ---------------------------------------------------------------------------------------------
// Capabilities

/** Linux capabilities as moby's oci/caps lists them (without "CAP_"), to CAP_AUDIT_READ (37). */
const CAPABILITIES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST',
  'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM',
  'BLOCK_SUSPEND', 'AUDIT_READ',
];
/**
 * WARNING: Linux 5.8+ capabilities that Docker 20.10 Engines refuse ("unknown capability": moby
 * turned them off for 20.10, and on again for 23.0, moby#42011) and later ones accept: warned
 * about, not refused.
 */
const NEWER_CAPABILITIES: readonly string[] = ['PERFMON', 'BPF', 'CHECKPOINT_RESTORE'];
const KNOWN_CAPABILITIES = new Set([...CAPABILITIES, ...NEWER_CAPABILITIES, 'ALL']);

/** `name` as moor sends it (normaliseCapability: upper case, without "CAP_"); `written` as the manifest says it. */
export function checkCapability(name: string, written: string): Verdict {
  if (!KNOWN_CAPABILITIES.has(name)) return error(`unknown capability ${quoteValue(written)}${didYouMean(name, KNOWN_CAPABILITIES)}`);
  if (NEWER_CAPABILITIES.includes(name)) return warning(`CAP_${name} is known to Engines from Docker 23 on (and Linux 5.8): a Docker 20.10 Engine refuses it`);
  return null;
}
