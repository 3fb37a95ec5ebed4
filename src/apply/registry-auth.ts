// Registry credentials, read the way the docker CLI stores them: `$DOCKER_CONFIG/config.json`
// (default `~/.docker/config.json`), `auths.<registry>.auth` = base64("user:password"), or an
// `identitytoken`. moor sends them (as X-Registry-Auth) when it pulls an image and when it creates or
// updates a service, so Swarm nodes can pull private images (stack deploy's --with-registry-auth).
//
// Credential helpers (`credsStore`, `credHelpers`) are not run: moor says so once, and the Engine
// then pulls without credentials.
//
// Must not: print, log or put into an error message any credential.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RegistryAuth } from '../engine/auth.js';

export type RegistryAuthLookup = (image: string) => RegistryAuth | undefined;

const DOCKER_HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

/** The registry an image reference names: its first path part when that looks like a host, else Docker Hub. */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash === -1) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

function hostOfKey(key: string): string {
  return key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

export interface DockerConfigAuth {
  readonly lookup: RegistryAuthLookup;
  /** Things the user should know (a credential helper moor does not run, an unreadable file). */
  readonly notes: readonly string[];
}

export function loadDockerConfigAuth(env: Readonly<Record<string, string | undefined>>): DockerConfigAuth {
  const dir = env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '' ? env.DOCKER_CONFIG : join(env.HOME ?? homedir(), '.docker');
  const file = join(dir, 'config.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    return { lookup: () => undefined, notes: code === 'ENOENT' ? [] : [`${file} could not be read (${code ?? 'not JSON'}): pulling without registry credentials`] };
  }
  const config = (parsed ?? {}) as { auths?: Record<string, { auth?: unknown; identitytoken?: unknown }>; credsStore?: unknown; credHelpers?: unknown };
  const byHost = new Map<string, RegistryAuth>();
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    const host = DOCKER_HUB_KEYS.includes(key) || DOCKER_HUB_KEYS.includes(hostOfKey(key)) ? 'docker.io' : hostOfKey(key);
    if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
      byHost.set(host, { identitytoken: entry.identitytoken, serveraddress: key });
    } else if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) byHost.set(host, { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress: key });
    }
  }
  const notes = config.credsStore !== undefined || config.credHelpers !== undefined
    ? [`${file} names a credential helper, which moor does not run: registries whose credentials live only there are pulled without credentials`]
    : [];
  return { lookup: (image) => byHost.get(registryOf(image)), notes };
}
