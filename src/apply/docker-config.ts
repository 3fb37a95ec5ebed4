// The docker CLI's `config.json`, read for registry credentials the way the CLI reads it: which
// source holds a registry's credentials (`credHelpers[host]`, else `credsStore`, else the `auths`
// entry), and what a credential helper's answer means.
//
// Pure: no file is read and no program is run here (registry-auth.ts does both).
// Must not: put a credential, or any part of a helper's output (it may hold the secret), into a note.
import type { RegistryAuth } from '../engine/auth.js';

/** The server URL the docker CLI stores Docker Hub's credentials under (and asks helpers for). */
export const DOCKER_HUB_SERVER_URL = 'https://index.docker.io/v1/';
const DOCKER_HUB_KEYS = [DOCKER_HUB_SERVER_URL, 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

/**
 * What docker-credential-helpers' helpers print (to stdout, exiting 1) when they hold nothing for
 * the server (its ErrCredentialsNotFound): not an error, the registry is used anonymously.
 */
export const CREDENTIALS_NOT_FOUND_MESSAGE = 'credentials not found in native keychain';

/** A helper's `identitytoken` comes back as this Username, with the token as Secret. */
const TOKEN_USERNAME = '<token>';

/** The registry an image reference names: its first path part when that looks like a host, else Docker Hub. */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash === -1) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** `https://ghcr.io/v2/` → `ghcr.io`; Docker Hub's many spellings → `docker.io`. */
function registryOfKey(key: string): string {
  const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return DOCKER_HUB_KEYS.includes(key) || DOCKER_HUB_KEYS.includes(host) ? 'docker.io' : host;
}

interface HelperEntry {
  readonly helper: string;
  /** The `credHelpers` key as written: what the helper is asked for. */
  readonly key: string;
}

export interface DockerConfig {
  /** `auths` entries with credentials, by registry (`docker.io` for Docker Hub). */
  readonly auths: ReadonlyMap<string, RegistryAuth>;
  /** `credsStore`: the helper for every registry without a `credHelpers` entry. */
  readonly credsStore: string | null;
  /** `credHelpers`, by registry. */
  readonly credHelpers: ReadonlyMap<string, HelperEntry>;
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> => typeof value === 'object' && value !== null && !Array.isArray(value);
const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** The parts of a parsed `config.json` that hold or point to credentials; anything else is ignored. */
export function readDockerConfig(parsed: unknown): DockerConfig {
  const config = isRecord(parsed) ? parsed : {};
  const auths = new Map<string, RegistryAuth>();
  // Sorted, so that when two spellings name one registry the same one wins every time.
  for (const [key, entry] of Object.entries(isRecord(config.auths) ? config.auths : {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!isRecord(entry)) continue;
    const registry = registryOfKey(key);
    if (nonEmptyString(entry.identitytoken)) {
      auths.set(registry, { identitytoken: entry.identitytoken, serveraddress: key });
    } else if (nonEmptyString(entry.auth)) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) auths.set(registry, { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress: key });
    }
  }
  const credHelpers = new Map<string, HelperEntry>();
  for (const [key, helper] of Object.entries(isRecord(config.credHelpers) ? config.credHelpers : {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (nonEmptyString(helper)) credHelpers.set(registryOfKey(key), { helper, key });
  }
  return { auths, credsStore: nonEmptyString(config.credsStore) ? config.credsStore : null, credHelpers };
}

export type CredentialSource =
  | { readonly kind: 'helper'; readonly helper: string; readonly serverUrl: string }
  | { readonly kind: 'auths'; readonly auth: RegistryAuth }
  | { readonly kind: 'none' };

/**
 * Where a registry's credentials are, as the docker CLI decides: `credHelpers[registry]`, else
 * `credsStore`, else the `auths` entry. A helper is asked for Docker Hub's server URL, or for the
 * registry as the config writes it (`registry.example.com:5000`).
 */
export function credentialSourceFor(config: DockerConfig, registry: string): CredentialSource {
  const serverUrl = (key: string): string => (registry === 'docker.io' ? DOCKER_HUB_SERVER_URL : key);
  const entry = config.credHelpers.get(registry);
  if (entry !== undefined) return { kind: 'helper', helper: entry.helper, serverUrl: serverUrl(entry.key) };
  if (config.credsStore !== null) return { kind: 'helper', helper: config.credsStore, serverUrl: serverUrl(registry) };
  const auth = config.auths.get(registry);
  return auth === undefined ? { kind: 'none' } : { kind: 'auths', auth };
}

/** How running `docker-credential-<name> get` ended. */
export type HelperRun =
  | { readonly outcome: 'exited'; readonly code: number; readonly stdout: string; readonly stderr: string }
  /** The program is not on PATH. */
  | { readonly outcome: 'missing' }
  | { readonly outcome: 'timeout'; readonly afterMs: number }
  /** Killed by a signal, too much output, not executable...: `reason` says which, without any output. */
  | { readonly outcome: 'failed'; readonly reason: string };

/** A helper's output is its ErrCredentialsNotFound message: it has nothing for this server. */
export function isCredentialsNotFound(output: string): boolean {
  return output.trim() === CREDENTIALS_NOT_FOUND_MESSAGE;
}

export type HelperAnswer = { readonly ok: true; readonly auth: RegistryAuth | undefined } | { readonly ok: false; readonly problem: string };

/**
 * A helper's answer to `get`: `{"ServerURL", "Username", "Secret"}`. The credentials name the
 * server URL they were asked for (as the docker CLI does), not the one the helper echoes.
 */
export function parseHelperAnswer(stdout: string, serverUrl: string): HelperAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return { ok: false, problem: 'answered with something that is not JSON' };
  }
  if (!isRecord(parsed) || typeof parsed.Username !== 'string' || typeof parsed.Secret !== 'string') {
    return { ok: false, problem: 'answered without a Username and a Secret' };
  }
  if (parsed.Secret === '') return { ok: true, auth: undefined };
  if (parsed.Username === TOKEN_USERNAME) return { ok: true, auth: { identitytoken: parsed.Secret, serveraddress: serverUrl } };
  return { ok: true, auth: { username: parsed.Username, password: parsed.Secret, serveraddress: serverUrl } };
}

export interface HelperCredentials {
  readonly auth: RegistryAuth | undefined;
  /** Why there are no credentials, when the user should know; null when all went as it should. */
  readonly note: string | null;
}

/**
 * What a helper's run gives for a registry. "Not found" is silent (the docker CLI is silent too);
 * any other failure is a note naming the helper and the registry, never the helper's output.
 */
export function credentialsFromHelper(run: HelperRun, helper: string, registry: string, serverUrl: string): HelperCredentials {
  const failed = (what: string): HelperCredentials => ({
    auth: undefined,
    note: `credential helper docker-credential-${helper} ${what} for registry ${registry}: using no credentials for ${registry}`,
  });
  switch (run.outcome) {
    case 'missing':
      return failed('was not found on PATH');
    case 'timeout':
      return failed(`did not answer within ${Math.round(run.afterMs / 1000)}s`);
    case 'failed':
      return failed(`failed (${run.reason})`);
    case 'exited': {
      if (run.code !== 0) {
        if (isCredentialsNotFound(run.stdout) || isCredentialsNotFound(run.stderr)) return { auth: undefined, note: null };
        return failed(`failed (exit status ${run.code})`);
      }
      const answer = parseHelperAnswer(run.stdout, serverUrl);
      return answer.ok ? { auth: answer.auth, note: null } : failed(answer.problem);
    }
  }
  // No assertNever default: it would print the value, and an 'exited' run holds the helper's output.
  // The switch is exhaustive all the same: a new outcome fails to compile (no return at the end).
}
