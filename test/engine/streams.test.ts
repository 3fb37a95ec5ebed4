import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../../src/engine/decode.js';
import { splitLogLine } from '../../src/engine/logs.js';
import { decodeJsonLines, demuxLogFrames, passRawLogs } from '../../src/engine/streams.js';
import type { LogChunk } from '../../src/engine/streams.js';

async function* chunked(bytes: Buffer, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (cut <= start || cut >= bytes.length) continue;
    yield bytes.subarray(start, cut);
    start = cut;
  }
  yield bytes.subarray(start);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

test('JSON lines decode whatever the chunking, across multi-byte characters, CRLF and json-seq separators', async () => {
  const values = [{ Type: 'container', Action: 'start' }, { status: 'Pulling fs layer', id: 'é✓' }, [1, 2], 'x'];
  const text = `${JSON.stringify(values[0])}\r\n\n\x1e${JSON.stringify(values[1])}\n${JSON.stringify(values[2])}\n${JSON.stringify(values[3])}`;
  const bytes = Buffer.from(text);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat({ max: bytes.length }), { maxLength: 12 }), async (cuts) => {
      assert.deepEqual(await collect(decodeJsonLines(chunked(bytes, cuts), 'test')), values);
    }),
  );
});

test('a line that is not JSON fails with a DecodeError quoting it', async () => {
  await assert.rejects(collect(decodeJsonLines(chunked(Buffer.from('{"a":1}\n<html>\n'), []), 'the events stream')), (err: unknown) => {
    assert.ok(err instanceof DecodeError);
    assert.match(err.message, /the events stream: expected a JSON value per line, got "<html>"/);
    return true;
  });
});

test('log frames demultiplex into stdout and stderr whatever the chunking; stdin counts as stdout', async () => {
  const bytes = Buffer.concat([frame(1, 'out-1\n'), frame(2, 'err-1\n'), frame(0, 'in\n'), frame(1, ''), frame(2, 'é')]);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat({ max: bytes.length }), { maxLength: 10 }), async (cuts) => {
      const chunks: LogChunk[] = await collect(demuxLogFrames(chunked(bytes, cuts), 'logs'));
      assert.deepEqual(
        chunks.map((c) => [c.stream, c.data.toString()]),
        [
          ['stdout', 'out-1\n'],
          ['stderr', 'err-1\n'],
          ['stdout', 'in\n'],
          ['stderr', 'é'],
        ],
      );
    }),
  );
});

test('an unknown stream type or a stream ending inside a frame is a DecodeError', async () => {
  await assert.rejects(collect(demuxLogFrames(chunked(frame(3, 'daemon broke'), []), 'logs')), /got daemon broke/);
  await assert.rejects(collect(demuxLogFrames(chunked(frame(7, 'x'), []), 'logs')), /got stream type 7/);
  await assert.rejects(collect(demuxLogFrames(chunked(frame(1, 'hello').subarray(0, 10), []), 'logs')), /ended inside one \(10 bytes left\)/);
});

test('TTY logs pass through raw as stdout', async () => {
  const chunks = await collect(passRawLogs(chunked(Buffer.from('a\r\nb\r\n'), [2])));
  assert.deepEqual(
    chunks.map((c) => [c.stream, c.data.toString()]),
    [
      ['stdout', 'a\r'],
      ['stdout', '\nb\r\n'],
    ],
  );
});

test("a log frame asked for with details: timestamp, the Engine's query-escaped attributes, and the message's bytes", () => {
  const frame = Buffer.from('2026-11-23T20:47:51.632641008Z com.docker.swarm.node.id=n1,com.docker.swarm.task.id=t1,x%2Cy=a+b%3Dc élan 1 2\n');
  const line = splitLogLine(frame, true);
  assert.equal(line.timestamp, '2026-11-23T20:47:51.632641008Z ');
  assert.deepEqual([...line.details], [['com.docker.swarm.node.id', 'n1'], ['com.docker.swarm.task.id', 't1'], ['x,y', 'a b=c']]);
  assert.equal(Buffer.from(line.message).toString('utf8'), 'élan 1 2\n');
  // No attributes recorded: the Engine writes an empty word, then the message.
  const bare = splitLogLine(Buffer.from(' a=b is the message\n'), false);
  assert.deepEqual([bare.timestamp, bare.details.size, Buffer.from(bare.message).toString()], ['', 0, 'a=b is the message\n']);
  // A UTF-8 character cut at the frame's end stays cut: the caller's decoder joins it to the next frame's.
  const cut = splitLogLine(Buffer.concat([Buffer.from('k=v '), Buffer.from('é').subarray(0, 1)]), false);
  assert.deepEqual([...cut.message], [0xc3]);
});
