// Incremental decoders for the Engine's streaming answers: JSON lines (events, pull progress) and
// the 8-byte-header frames of non-TTY logs. Each reads chunks as they come and yields as soon as a
// whole item is there; nothing is buffered whole, and one item may not grow past a bound.
//
// Pure over AsyncIterable<Uint8Array>, so tests feed them chunks split anywhere.
// Must not: know about HTTP or endpoints (a DecodeError is turned into an EngineError by the caller).
import { StringDecoder } from 'node:string_decoder';
import { DecodeError } from './decode.js';

/** One JSON value (one line) may not exceed this; a longer one means a broken stream, not a big event. */
export const MAX_JSON_LINE_BYTES = 16 * 1024 * 1024;
/** One log frame may not exceed this (the Engine writes log lines of at most 16 KiB per message, then splits). */
export const MAX_LOG_FRAME_BYTES = 64 * 1024 * 1024;

/**
 * Yields each JSON value of a newline-delimited stream (application/json as the Engine streams it,
 * x-ndjson, jsonl, and json-seq, whose record separator is dropped).
 */
export async function* decodeJsonLines(chunks: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<unknown> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const parseLine = (line: string): unknown => {
    try {
      return JSON.parse(line);
    } catch {
      throw new DecodeError(what, `a JSON value per line, got ${JSON.stringify(line.slice(0, 80))}`);
    }
  };
  for await (const chunk of chunks) {
    pending += decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = cleanLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      if (line !== '') yield parseLine(line);
      newline = pending.indexOf('\n');
    }
    if (pending.length > MAX_JSON_LINE_BYTES) throw new DecodeError(what, `lines shorter than ${MAX_JSON_LINE_BYTES} bytes`);
  }
  const last = cleanLine(pending + decoder.end());
  if (last !== '') yield parseLine(last);
}

function cleanLine(line: string): string {
  // \r from CRLF writers, \x1e (RS) from application/json-seq
  return line.replace(/^\x1e/, '').trim();
}

export type LogStreamName = 'stdout' | 'stderr';

export interface LogChunk {
  readonly stream: LogStreamName;
  readonly data: Buffer;
}

const HEADER_BYTES = 8;

/**
 * Splits the multiplexed stream of a non-TTY container: each frame is a header
 * [stream, 0, 0, 0, size (uint32 big-endian)] followed by `size` bytes of that stream.
 * Stream 0 (stdin) is reported as stdout, as the docker CLI's stdcopy does.
 */
export async function* demuxLogFrames(chunks: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<LogChunk> {
  let buffered: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    buffered = buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([buffered, chunk]);
    while (buffered.length >= HEADER_BYTES) {
      const type = buffered[0];
      const size = buffered.readUInt32BE(4);
      if (type !== 0 && type !== 1 && type !== 2) {
        // 3 is "systemerr" (a daemon-side failure on newer APIs): its payload is the error text
        const text = type === 3 ? buffered.subarray(HEADER_BYTES, HEADER_BYTES + size).toString('utf8') : `stream type ${String(type)}`;
        throw new DecodeError(what, `log frames of stdout or stderr, got ${text}`);
      }
      if (size > MAX_LOG_FRAME_BYTES) throw new DecodeError(what, `log frames shorter than ${MAX_LOG_FRAME_BYTES} bytes`);
      if (buffered.length < HEADER_BYTES + size) break;
      const data = Buffer.from(buffered.subarray(HEADER_BYTES, HEADER_BYTES + size));
      buffered = buffered.subarray(HEADER_BYTES + size);
      if (size > 0) yield { stream: type === 2 ? 'stderr' : 'stdout', data };
    }
  }
  if (buffered.length > 0) throw new DecodeError(what, `whole log frames, but the stream ended inside one (${buffered.length} bytes left)`);
}

/** The raw bytes of a TTY container's logs: there is one stream, reported as stdout. */
export async function* passRawLogs(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<LogChunk> {
  for await (const chunk of chunks) {
    if (chunk.byteLength > 0) yield { stream: 'stdout', data: Buffer.from(chunk) };
  }
}
