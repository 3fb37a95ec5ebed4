// The X-Registry-Auth header: registry credentials as JSON, base64url-encoded (RFC 4648 §5, with
// padding, as the Go client's base64.URLEncoding writes it), per the API's "Authentication" section.
//
// Must not: log, or put into an error, the credentials or the encoded header (it is reversible).

export type RegistryAuth =
  | { readonly username: string; readonly password: string; readonly serveraddress?: string; readonly email?: string }
  | { readonly identitytoken: string; readonly serveraddress?: string };

export const REGISTRY_AUTH_HEADER = 'X-Registry-Auth';

export function encodeRegistryAuth(auth: RegistryAuth): string {
  return Buffer.from(JSON.stringify(auth), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The inverse of encodeRegistryAuth (accepts missing padding), for tests and proxies. */
export function decodeRegistryAuth(header: string): unknown {
  return JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
}

/** Headers for a request that may carry credentials. */
export function registryAuthHeaders(auth: RegistryAuth | undefined): Record<string, string> {
  return auth === undefined ? {} : { [REGISTRY_AUTH_HEADER]: encodeRegistryAuth(auth) };
}
