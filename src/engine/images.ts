// Images: `/images/...`. Pull streams its progress and reports failures *inside* a 200 stream
// (an `error`/`errorDetail` message): those become EngineErrors here.
//
// Must not: expose the registry credentials (X-Registry-Auth) in errors or progress.
import { DecodeError, expectListOf, expectObjectWith, isRecord } from './decode.js';
import { registryAuthHeaders } from './auth.js';
import type { RegistryAuth } from './auth.js';
import { EngineError } from './errors.js';
import type { EngineErrorKind } from './errors.js';
import { decodeJsonLines } from './streams.js';
import { KindApi } from './kind-api.js';
import type { ListOptions } from './kind-api.js';
import { apiPath } from './transport.js';
import type { EngineStream } from './transport.js';
import type { ImageDeleteItem, ImageInspect, ImageSummary, PullProgress } from './types.js';

export interface PullOptions {
  readonly auth?: RegistryAuth;
  /** e.g. linux/amd64 */
  readonly platform?: string;
  readonly signal?: AbortSignal;
}

/**
 * Splits `name[:tag][@digest]` into what `POST /images/create` wants. The tag defaults to
 * `latest`: without one the Engine would pull every tag of the repository.
 */
export function splitImageReference(reference: string): { fromImage: string; tag: string } {
  const at = reference.indexOf('@');
  if (at !== -1) return { fromImage: reference.slice(0, at), tag: reference.slice(at + 1) };
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/')) return { fromImage: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { fromImage: reference, tag: 'latest' };
}

/** Sorts an in-stream pull error by its text (there is no status to go by). */
export function classifyPullError(message: string): EngineErrorKind {
  if (/not found|manifest unknown|does not exist|repository name not known/i.test(message)) return 'not-found';
  if (/unauthorized|authentication required|denied|forbidden/i.test(message)) return 'forbidden';
  return 'server';
}

export class Images extends KindApi {

  async list(options: ListOptions & { all?: boolean } = {}): Promise<ImageSummary[]> {
    return this.listFiltered(apiPath`/images/json`, options, (value) => expectListOf<ImageSummary>(value, 'image list', ['Id']), { all: options.all ?? false });
  }

  async inspect(nameOrId: string, options: { signal?: AbortSignal } = {}): Promise<ImageInspect> {
    return this.http.json({ method: 'GET', path: apiPath`/images/${nameOrId}/json`, signal: options.signal }, (value) =>
      expectObjectWith<ImageInspect>(value, 'image', ['Id']),
    );
  }

  async remove(nameOrId: string, options: { force?: boolean; noPrune?: boolean } = {}): Promise<ImageDeleteItem[]> {
    return this.http.json(
      { method: 'DELETE', path: apiPath`/images/${nameOrId}`, query: { force: options.force ?? false, noprune: options.noPrune ?? false } },
      (value) => expectListOf<ImageDeleteItem>(value, 'image delete', []),
    );
  }

  /**
   * Pulls an image; yields each progress message as it comes. An error the registry reports in
   * the stream throws an EngineError (kind by its text: not-found, forbidden or server).
   */
  async pullProgress(reference: string, options: PullOptions = {}): Promise<EngineStream<PullProgress>> {
    const { fromImage, tag } = splitImageReference(reference);
    const spec = {
      method: 'POST',
      path: apiPath`/images/create`,
      query: { fromImage, tag, platform: options.platform },
      headers: registryAuthHeaders(options.auth),
      signal: options.signal,
    } as const;
    const endpoint = this.http.endpoint;
    return this.http.openDecoded(spec, async function* (body) {
      for await (const message of decodeJsonLines(body, `the pull stream of ${reference}`)) {
        if (!isRecord(message)) throw new DecodeError(`the pull stream of ${reference}`, 'JSON objects');
        const error = readStreamError(message);
        if (error !== null) {
          throw new EngineError({ kind: classifyPullError(error), endpoint, method: spec.method, path: spec.path.path, status: 200, engineMessage: `pull ${reference}: ${error}` });
        }
        yield message as PullProgress;
      }
    });
  }

  /** Pulls an image to the end, calling `onProgress` for each message. */
  async pull(reference: string, options: PullOptions & { onProgress?: (progress: PullProgress) => void } = {}): Promise<void> {
    const stream = await this.pullProgress(reference, options);
    for await (const progress of stream) options.onProgress?.(progress);
  }
}

function readStreamError(message: Readonly<Record<string, unknown>>): string | null {
  const detail = message['errorDetail'];
  if (isRecord(detail) && typeof detail['message'] === 'string') return detail['message'];
  if (typeof message['error'] === 'string') return message['error'];
  return null;
}
