// Output of `apply --wait`: a live view on a terminal (one line per object, rewritten in place),
// plain lines otherwise (one line each time an object's state changes: CI logs stay short).
import type { TargetStatus } from '../operate/wait.js';
import type { Writable } from './command.js';
import { paint } from './output.js';

const LABEL: Record<TargetStatus['phase'], [string, string]> = {
  pending: ['waiting', '36'],
  settling: ['settling', '36'],
  converged: ['ok', '32'],
  failed: ['FAILED', '1;31'],
};

export function describeStatus(s: TargetStatus): string {
  const settling = s.phase === 'settling' ? ' (watching for crashes)' : '';
  return `${s.target.kind} ${s.target.name}: ${s.summary}${settling}${s.reason === null ? '' : `; ${s.reason}`}`;
}

function line(s: TargetStatus, color: boolean): string {
  const [label, code] = LABEL[s.phase];
  return `  ${paint(color, code, label.padEnd(8))} ${describeStatus(s)}`;
}

/** Cuts a line to the terminal's width (a wrapped line would break the rewrite), counting visible characters only. */
function fit(text: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const escape = /^\u001b\[[0-9;]*m/.exec(text.slice(i));
    if (escape !== null) {
      out += escape[0];
      i += escape[0].length - 1;
      continue;
    }
    if (visible >= width - 1) return `${out}\u001b[0m`;
    out += text[i];
    visible += 1;
  }
  return out;
}

/** Returns the onProgress callback of the wait. */
export function waitProgress(out: Writable, color: boolean): (statuses: readonly TargetStatus[]) => void {
  if (out.isTTY === true) {
    let drawn = 0;
    return (statuses) => {
      // A pseudo-terminal may not know its size (columns 0): assume a usual one.
      const columns = (out as { columns?: number }).columns;
      const width = columns === undefined || columns < 20 ? 120 : columns;
      // Back to the first line of the block, then each line cleared and written again.
      let text = drawn > 0 ? `\u001b[${drawn}F` : '';
      for (const s of statuses) text += `\u001b[2K${fit(line(s, color), width)}\n`;
      out.write(text);
      drawn = statuses.length;
    };
  }
  const last = new Map<string, string>();
  return (statuses) => {
    for (const s of statuses) {
      const key = `${s.target.kind}/${s.target.name}`;
      const text = line(s, false);
      if (last.get(key) === text) continue;
      last.set(key, text);
      out.write(`${text}\n`);
    }
  };
}
