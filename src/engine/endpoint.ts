// Where the Engine is, and how to reach it safely: the docker CLI's DOCKER_HOST / --host semantics,
// TLS from DOCKER_TLS_VERIFY + DOCKER_CERT_PATH with the Go client's meaning, and moor's rule that
// a plaintext tcp:// connection to another machine is refused unless the user insists.
//
// `parseEndpoint` is pure (it is given the environment); `loadTlsFiles` reads the certificate files.
// Must not: open connections (transport.ts does), or print the warnings it finds (they are returned).
import { readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { redactUrl } from '../errors.js';
import { EngineError } from './errors.js';

export const DEFAULT_HOST = 'unix:///var/run/docker.sock';

// The ports the Docker docs use: 2375 plaintext, 2376 TLS (docker/cli opts/hosts.go).
const DEFAULT_TCP_PORT = 2375;
const DEFAULT_TLS_PORT = 2376;

export type Env = Readonly<Record<string, string | undefined>>;

export interface EndpointOptions {
  /** The CLI's --host/-H; wins over DOCKER_HOST. */
  readonly host?: string | undefined;
  /** Allow plaintext tcp:// to a non-loopback address (the CLI's --insecure-plaintext). */
  readonly allowInsecurePlaintext?: boolean | undefined;
}

export interface TlsSettings {
  readonly certPath: string;
  /** Always true today: TLS without verification is not offered (see parseEndpoint). */
  readonly verify: true;
}

export type Endpoint =
  | { readonly kind: 'unix'; readonly url: string; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly url: string; readonly hostname: string; readonly port: number; readonly tls: TlsSettings | null };

const SUPPORTED = 'supported endpoints are unix:///path/to/docker.sock and tcp://host:port (TLS with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH)';

/** An address moor will not use; shown without its user information (a password may be in it). */
function fail(url: string, reason: string, hints: readonly string[] = []): EngineError {
  return new EngineError({ kind: 'unreachable', endpoint: redactUrl(url), method: null, path: null, status: null, engineMessage: null, reason, hints });
}

/** Resolves the endpoint from --host, then DOCKER_HOST, then the default socket. */
export function parseEndpoint(options: EndpointOptions, env: Env): Endpoint {
  const explicit = nonEmpty(options.host) ?? nonEmpty(env['DOCKER_HOST']) ?? DEFAULT_HOST;
  const url = explicit.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    throw fail(url, `the address has no scheme; ${SUPPORTED}`);
  }
  if (scheme === 'unix') {
    const socketPath = url.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw fail(url, `the socket path must be absolute (unix:///path); ${SUPPORTED}`);
    return { kind: 'unix', url, socketPath };
  }
  if (scheme === 'tcp') return parseTcp(url, options, env);
  if (scheme === 'ssh') {
    throw fail(url, `ssh:// endpoints are not supported; ${SUPPORTED}`, [
      'Forward the remote socket yourself, e.g. `ssh -NL /tmp/docker.sock:/var/run/docker.sock user@host`, then use --host unix:///tmp/docker.sock.',
    ]);
  }
  throw fail(url, `the scheme "${scheme}://" is not supported; ${SUPPORTED}`);
}

function parseTcp(url: string, options: EndpointOptions, env: Env): Endpoint {
  const rest = url.slice('tcp://'.length);
  let parsed: URL;
  try {
    parsed = new URL(`tcp://${rest}`);
  } catch {
    throw fail(url, 'not a valid tcp://host:port address');
  }
  if ((parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '' || parsed.username !== '') {
    throw fail(url, 'the address must be tcp://host:port, without a path, query or user');
  }
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (hostname === '') throw fail(url, 'the address names no host');
  // DOCKER_TLS_VERIFY: any non-empty value turns verification on, "0" included (Go client semantics).
  const verify = nonEmpty(env['DOCKER_TLS_VERIFY']) !== undefined;
  if (!verify && nonEmpty(env['DOCKER_TLS']) !== undefined) {
    throw fail(url, 'DOCKER_TLS without DOCKER_TLS_VERIFY asks for TLS that does not check the Engine certificate, which moor does not offer', [
      'Set DOCKER_TLS_VERIFY=1 and put the CA in DOCKER_CERT_PATH/ca.pem.',
    ]);
  }
  const port = parsed.port === '' ? (verify ? DEFAULT_TLS_PORT : DEFAULT_TCP_PORT) : Number(parsed.port);
  if (!verify && !isLoopback(hostname) && options.allowInsecurePlaintext !== true) {
    throw fail(url, `refusing plaintext tcp:// to ${hostname}: anyone on the network could read and drive the Engine (root on that machine)`, [
      'Use TLS (DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH with ca.pem, cert.pem, key.pem), or pass --insecure-plaintext if this network is trusted.',
    ]);
  }
  const tls = verify ? { certPath: nonEmpty(env['DOCKER_CERT_PATH']) ?? join(homeOf(env), '.docker'), verify: true as const } : null;
  return { kind: 'tcp', url, hostname, port, tls };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function homeOf(env: Env): string {
  return nonEmpty(env['HOME']) ?? nonEmpty(env['USERPROFILE']) ?? '/root';
}

/** Loopback: 127.0.0.0/8, ::1, and the name localhost. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host);
  return false;
}

export interface TlsFiles {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Things the user should fix, e.g. a key file others can read. */
  readonly warnings: readonly string[];
}

/** Reads ca.pem, cert.pem and key.pem from the cert path; all three must exist (as for the docker CLI). */
export async function loadTlsFiles(endpoint: string, tls: TlsSettings): Promise<TlsFiles> {
  const [ca, cert, key] = await Promise.all([
    readTlsFile(endpoint, join(tls.certPath, 'ca.pem')),
    readTlsFile(endpoint, join(tls.certPath, 'cert.pem')),
    readTlsFile(endpoint, join(tls.certPath, 'key.pem')),
  ]);
  const warnings: string[] = [];
  const keyPath = join(tls.certPath, 'key.pem');
  const mode = (await stat(keyPath)).mode;
  if ((mode & 0o077) !== 0) {
    warnings.push(`${keyPath} can be read by other users (mode ${(mode & 0o777).toString(8)}): it gives root on the Engine's machine; chmod 600 it.`);
  }
  return { ca, cert, key, warnings };
}

async function readTlsFile(endpoint: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err: unknown) {
    const code = (err as { code?: unknown }).code;
    throw new EngineError({
      kind: 'unreachable',
      endpoint,
      method: null,
      path: null,
      status: null,
      engineMessage: null,
      reason: `cannot read TLS file ${path}${typeof code === 'string' ? ` (${code})` : ''}`,
      hints: ['DOCKER_CERT_PATH (default ~/.docker) must hold ca.pem, cert.pem and key.pem.'],
      cause: err,
    });
  }
}
