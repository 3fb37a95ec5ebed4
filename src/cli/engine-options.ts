// The command-line options every command that talks to the Engine shares (--host/-H,
// --insecure-plaintext), and how they become a connected EngineClient. Commands spread
// ENGINE_OPTIONS into their parseArgs options and append ENGINE_OPTIONS_HELP to their help.
import { EngineClient } from '../engine/index.js';
import type { EngineClientOptions, RequestHook } from '../engine/index.js';
import type { CommandContext } from './command.js';

export const ENGINE_OPTIONS = {
  host: { type: 'string', short: 'H' },
  'insecure-plaintext': { type: 'boolean' },
} as const;

export const ENGINE_OPTIONS_HELP = `Engine options:
  -H, --host URL          Engine endpoint: unix:///path or tcp://host:port
                          (default: $DOCKER_HOST, else unix:///var/run/docker.sock);
                          TLS with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem)
      --insecure-plaintext
                          Allow plaintext tcp:// to a non-loopback address (anyone on the
                          network could drive the Engine)
`;

export interface EngineOptionValues {
  readonly host?: string | undefined;
  readonly 'insecure-plaintext'?: boolean | undefined;
  /** --debug: every Engine request is logged to stderr (method, path, status, time; never a body or a header). */
  readonly debug?: boolean | undefined;
}

/** Connects to the Engine the options and the environment name; prints the client's warnings to stderr. */
export async function connectEngine(values: EngineOptionValues, ctx: CommandContext, extra: Omit<EngineClientOptions, 'host' | 'env' | 'allowInsecurePlaintext'> = {}): Promise<EngineClient> {
  const engine = await connectQuietly(values, ctx, extra);
  writeEngineWarnings(ctx, engine);
  return engine;
}

/** connectEngine without printing the client's warnings (writeEngineWarnings prints them). */
export function connectQuietly(values: EngineOptionValues, ctx: CommandContext, extra: Omit<EngineClientOptions, 'host' | 'env' | 'allowInsecurePlaintext'> = {}): Promise<EngineClient> {
  const onRequest = values.debug === true ? logRequests(ctx, extra.onRequest) : extra.onRequest;
  return EngineClient.connect({ ...extra, onRequest, host: values.host, env: ctx.env, allowInsecurePlaintext: values['insecure-plaintext'] === true });
}

export function writeEngineWarnings(ctx: CommandContext, engine: EngineClient): void {
  for (const warning of engine.warnings) ctx.stderr.write(`moor: warning: ${warning}\n`);
}

/** `moor: debug: GET /services/web 200 12ms`, then whatever hook the command has of its own. */
function logRequests(ctx: CommandContext, next: RequestHook | undefined): RequestHook {
  return (event) => {
    const outcome = event.error === null ? String(event.status) : `${event.status ?? '-'} ${event.error}`;
    const retry = event.attempt > 1 ? ` (try ${event.attempt})` : '';
    ctx.stderr.write(`moor: debug: ${event.method} ${event.path} ${outcome} ${Math.round(event.durationMs)}ms${retry}\n`);
    next?.(event);
  };
}
