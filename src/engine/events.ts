// The events stream: `GET /events`, decoded line by line into typed events.
//
// WARNING (research §1.9): the Engine keeps only the last 256 events for `since` replay, drops
// events for a reader that falls 100 ms behind, and a `label` filter misses network and volume
// events (their attributes carry no labels). Use events as invalidation hints, then re-list.
// Must not: reconnect by itself (the caller decides how to resync).
import { DecodeError, expectRecord, isRecord } from './decode.js';
import { encodeFilters } from './filters.js';
import type { Filters } from './filters.js';
import { formatTimestamp } from './logs.js';
import { decodeJsonLines } from './streams.js';
import { apiPath } from './transport.js';
import type { EngineStream, Transport } from './transport.js';
import type { EngineEvent } from './types.js';

export interface EventOptions {
  /** Filters: type, event, container, image, label, network, volume, service, secret, config, node, scope, daemon, plugin. */
  readonly filters?: Filters;
  /** Replay from this time (Unix seconds, a Date, or the Engine's own timestamp text). */
  readonly since?: number | Date | string;
  /** End the stream at this time; without it the stream stays open. */
  readonly until?: number | Date | string;
  /** Ends the iteration quietly. */
  readonly signal?: AbortSignal;
}

export function decodeEvent(value: unknown): EngineEvent {
  const event = expectRecord(value, 'event');
  if (typeof event['Type'] !== 'string' || typeof event['Action'] !== 'string') throw new DecodeError('event', 'Type and Action strings');
  const actor = isRecord(event['Actor']) ? event['Actor'] : {};
  const attributes = isRecord(actor['Attributes']) ? actor['Attributes'] : {};
  return {
    ...event,
    Actor: { ...actor, ID: typeof actor['ID'] === 'string' ? actor['ID'] : '', Attributes: attributes as Readonly<Record<string, string>> },
    time: typeof event['time'] === 'number' ? event['time'] : 0,
    timeNano: typeof event['timeNano'] === 'number' ? event['timeNano'] : 0,
  } as EngineEvent;
}

/** Resolves once the Engine has accepted the subscription: events after that are not missed. */
export async function openEvents(http: Transport, options: EventOptions = {}): Promise<EngineStream<EngineEvent>> {
  return http.openDecoded(
    {
      method: 'GET',
      path: apiPath`/events`,
      query: { since: formatTimestamp(options.since), until: formatTimestamp(options.until), filters: encodeFilters(options.filters) },
      signal: options.signal,
    },
    async function* (body) {
      for await (const value of decodeJsonLines(body, 'the events stream')) yield decodeEvent(value);
    },
  );
}
