// A strict reader of the Prometheus text exposition, for tests: every line must be a comment
// (# HELP / # TYPE) or a sample `name{labels} value`; returns samples by series (`name{labels}`).
export function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  assert(text.endsWith('\n'), 'the exposition ends with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment !== null) {
      if (comment[1] === 'TYPE') {
        assert(['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(comment[3] as string), `a known type: ${line}`);
        assert(!typed.has(comment[2] as string), `one TYPE line per metric: ${line}`);
        typed.add(comment[2] as string);
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$/.exec(line);
    assert(sample !== null, `a sample line: ${JSON.stringify(line)}`);
    const value = sample[3] === '+Inf' ? Infinity : sample[3] === '-Inf' ? -Infinity : Number(sample[3]);
    assert(!Number.isNaN(value) || sample[3] === 'NaN', `a number: ${line}`);
    const series = `${sample[1]}${sample[2] ?? ''}`;
    assert(!samples.has(series), `one sample per series: ${series}`);
    samples.set(series, value);
  }
  return samples;
}

function assert(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`not valid exposition text: expected ${what}`);
}
