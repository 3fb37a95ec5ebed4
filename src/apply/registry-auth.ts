// Registry credentials, found the way the docker CLI finds them: `$DOCKER_CONFIG/config.json`
// (default `~/.docker/config.json`) names, per registry, a credential helper (`credHelpers[host]`,
// else `credsStore`), whose program `docker-credential-<name>` is run with `get`, or an `auths`
// entry (`auth` = base64("user:password"), or an `identitytoken`). docker-config.ts decides which
// and reads the helpers' answers; this module reads the file and runs the helpers. moor sends the
// credentials (as X-Registry-Auth) when it pulls an image and when it creates or updates a service,
// so Swarm nodes can pull private images (stack deploy's --with-registry-auth).
//
// Helpers are slow and may prompt, so they are run before the steps, asynchronously, concurrently,
// once per registry, and only for the registries the plan needs (`prepare`); the steps then read
// the prepared results through a synchronous lookup. A registry whose helper fails is used without
// credentials, with a note; a helper that has nothing for the registry is silent, as in docker.
//
// Must not: print, log or put into a note or an error any credential, or any helper output.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RegistryAuth } from '../engine/auth.js';
import type { Step } from '../plan/steps.js';
import { credentialSourceFor, credentialsFromHelper, readDockerConfig, registryOf, type DockerConfig, type HelperCredentials, type HelperRun } from './docker-config.js';

export { registryOf } from './docker-config.js';

export type RegistryAuthLookup = (image: string) => RegistryAuth | undefined;

export interface PreparedRegistryAuth {
  /** Credentials for the images' registries, from what `prepare` resolved (undefined for any other). */
  readonly lookup: RegistryAuthLookup;
  /** Things the user should know (a helper that failed, an unreadable file), each said once. */
  readonly notes: readonly string[];
  /**
   * How each registry resolved by this call was (for --debug): where its credentials came from,
   * and how long a helper took. Never a credential, never a helper's output.
   */
  readonly trace: readonly string[];
}

export interface RegistryAuthSource {
  /** Resolves the credentials of the registries of `images`; a registry is resolved once per source. */
  prepare(images: readonly string[], signal?: AbortSignal): Promise<PreparedRegistryAuth>;
}

export interface CredentialHelperOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

/** Runs `program get` with the server URL on stdin; the real one is runCredentialHelper. */
export type CredentialHelperRunner = (program: string, serverUrl: string, options: CredentialHelperOptions) => Promise<HelperRun>;

export interface RegistryAuthOptions {
  readonly runHelper?: CredentialHelperRunner;
  /** How long a helper may take (default 30 s): one may wait for a prompt nobody answers. */
  readonly helperTimeoutMs?: number;
}

export const DEFAULT_HELPER_TIMEOUT_MS = 30_000;
/** A helper answers a few hundred bytes; more is not an answer. */
const HELPER_MAX_OUTPUT = 1 << 20;

/** The images whose registry credentials a plan's steps send: pulls, service creates and updates. */
export function imagesNeedingCredentials(steps: readonly Step[]): string[] {
  const images = new Set<string>();
  for (const step of steps) {
    if (step.op === 'image.pull') images.add(step.image);
    else if (step.op === 'service.create' || step.op === 'service.update') images.add(step.spec.image);
  }
  return [...images].sort();
}

function dockerConfigFile(env: Readonly<Record<string, string | undefined>>): string {
  const dir = env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '' ? env.DOCKER_CONFIG : join(env.HOME ?? homedir(), '.docker');
  return join(dir, 'config.json');
}

async function loadDockerConfig(file: string): Promise<{ config: DockerConfig; note: string | null }> {
  try {
    return { config: readDockerConfig(JSON.parse(await readFile(file, 'utf8'))), note: null };
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    // JSON.parse's message quotes the text around the error: it could be a credential.
    const note = code === 'ENOENT' ? null : `${file} could not be read (${code ?? 'not JSON'}): using no registry credentials`;
    return { config: readDockerConfig({}), note };
  }
}

/** The credentials of the Docker config at `$DOCKER_CONFIG` / `~/.docker`, read when first needed. */
export function dockerConfigRegistryAuth(env: Readonly<Record<string, string | undefined>>, options: RegistryAuthOptions = {}): RegistryAuthSource {
  const runHelper = options.runHelper ?? runCredentialHelper;
  const timeoutMs = options.helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS;
  const file = dockerConfigFile(env);
  let loading: Promise<{ config: DockerConfig; note: string | null }> | undefined;
  /** A registry's credentials, with how they were found (PreparedRegistryAuth.trace). */
  type Resolved = HelperCredentials & { readonly trace: string };
  const resolving = new Map<string, Promise<Resolved>>();
  const resolved = new Map<string, RegistryAuth | undefined>();
  const lookup: RegistryAuthLookup = (image) => resolved.get(registryOf(image));

  const resolve = async (config: DockerConfig, registry: string, signal: AbortSignal | undefined): Promise<Resolved> => {
    const source = credentialSourceFor(config, registry);
    if (source.kind === 'none') return { auth: undefined, note: null, trace: `registry ${registry}: no credentials in ${file}` };
    if (source.kind === 'auths') return { auth: source.auth, note: null, trace: `registry ${registry}: credentials from the auths of ${file}` };
    const started = performance.now();
    const run = await runHelper(`docker-credential-${source.helper}`, source.serverUrl, { env, timeoutMs, signal });
    const credentials = credentialsFromHelper(run, source.helper, registry, source.serverUrl);
    const outcome = credentials.auth !== undefined ? 'credentials found' : credentials.note === null ? 'none for it' : 'failed';
    return { ...credentials, trace: `registry ${registry}: docker-credential-${source.helper} get: ${outcome} (${Math.round(performance.now() - started)} ms)` };
  };

  return {
    async prepare(images, signal) {
      const registries = [...new Set(images.map(registryOf))].sort();
      if (registries.length === 0) return { lookup, notes: [], trace: [] };
      const first = loading === undefined;
      loading ??= loadDockerConfig(file);
      const { config, note } = await loading;
      const fresh = new Set<string>();
      const pending = registries.map((registry) => {
        let result = resolving.get(registry);
        if (result === undefined) {
          result = resolve(config, registry, signal);
          resolving.set(registry, result);
          fresh.add(registry);
        }
        return result.then((credentials) => [registry, credentials] as const);
      });
      const results = await Promise.all(pending);
      if (signal?.aborted === true) {
        // Stopping: the steps will not run either (the executor sees the same signal). Nothing to
        // say, and nothing kept: the helpers did not answer.
        for (const registry of fresh) resolving.delete(registry);
        return { lookup, notes: [], trace: [] };
      }
      const notes = first && note !== null ? [note] : [];
      const trace: string[] = [];
      for (const [registry, result] of results) {
        resolved.set(registry, result.auth);
        if (!fresh.has(registry)) continue;
        if (result.note !== null) notes.push(result.note);
        trace.push(result.trace);
      }
      return { lookup, notes, trace };
    },
  };
}

/**
 * Runs `program get`, writing `serverUrl` to its stdin. A timeout or an abort kills it and settles
 * at once (a grandchild holding its stdout open must not hold moor). Its stdin is a pipe, as with
 * the docker CLI: a helper that prompts must do so on the terminal itself (as pinentry does).
 */
export function runCredentialHelper(program: string, serverUrl: string, options: CredentialHelperOptions): Promise<HelperRun> {
  return new Promise((settle) => {
    let done = false;
    const finish = (run: HelperRun): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      settle(run);
    };
    const child = execFile(program, ['get'], { env: { ...options.env }, encoding: 'utf8', maxBuffer: HELPER_MAX_OUTPUT, windowsHide: true }, (err, stdout, stderr) => {
      if (err === null) return finish({ outcome: 'exited', code: 0, stdout, stderr });
      if (err.code === 'ENOENT') return finish({ outcome: 'missing' });
      if (typeof err.code === 'number') return finish({ outcome: 'exited', code: err.code, stdout, stderr });
      if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return finish({ outcome: 'failed', reason: 'too much output' });
      if (typeof err.signal === 'string') return finish({ outcome: 'failed', reason: `killed by ${err.signal}` });
      return finish({ outcome: 'failed', reason: `could not be run: ${err.code ?? 'unknown error'}` });
    });
    const stop = (run: HelperRun): void => {
      finish(run);
      child.kill('SIGTERM');
      child.stdout?.destroy();
      child.stderr?.destroy();
    };
    const timer = setTimeout(() => stop({ outcome: 'timeout', afterMs: options.timeoutMs }), options.timeoutMs);
    const abort = (): void => stop({ outcome: 'failed', reason: 'cancelled' });
    if (options.signal?.aborted === true) abort();
    else options.signal?.addEventListener('abort', abort, { once: true });
    // A helper that exits without reading its stdin breaks the pipe: its exit status tells the rest.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(serverUrl);
  });
}
