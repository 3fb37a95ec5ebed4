// Output shared by the reconciling commands: colour policy, manifest warnings, apply progress and
// the final report. Colour only on a terminal, never with NO_COLOR or --no-color.
import type { ApplyResult } from '../apply/apply.js';
import { describeUndone } from '../apply/replacements.js';
import type { ApplyEvent } from '../apply/execute.js';
import { formatIssue, type Issue } from '../manifest/issues.js';
import { describeStep } from '../plan/steps.js';
import type { CommandContext, Writable } from './command.js';

export function useColor(ctx: Pick<CommandContext, 'env'>, stream: Writable, noColor: boolean | undefined): boolean {
  return stream.isTTY === true && noColor !== true && (ctx.env.NO_COLOR ?? '') === '';
}

export function paint(on: boolean, code: string, text: string): string {
  return on ? `\u001b[${code}m${text}\u001b[0m` : text;
}

export function writeManifestWarnings(ctx: CommandContext, warnings: readonly Issue[], notes: readonly string[] = []): void {
  for (const note of notes) ctx.stderr.write(`moor: warning: ${note}\n`);
  for (const w of warnings) ctx.stderr.write(`${formatIssue(w)}\n`);
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One line per finished step, as steps finish (several run at once). */
export function progressPrinter(out: Writable, color: boolean): (event: ApplyEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'step-start':
        // A wait may take minutes (a healthcheck's start period): say that it is under way.
        if (event.step.op === 'container.wait') out.write(`  ${paint(color, '36', 'waiting')} ${describeStep(event.step).replace(/^wait /, '')}\n`);
        return;
      case 'step-done':
        out.write(`  ${paint(color, '32', 'ok')}      ${describeStep(event.step)} (${seconds(event.durationMs)})\n`);
        return;
      case 'step-failed':
        out.write(`  ${paint(color, '1;31', 'FAILED')}  ${describeStep(event.step)}: ${errorText(event.error)}\n`);
        return;
      case 'step-skipped':
        out.write(`  ${paint(color, '33', 'skipped')} ${describeStep(event.step)} (it waits for a step that failed)\n`);
        return;
    }
  };
}

/** Pull progress: the overall status lines of each pull ("Pulling from", "Digest", "Status"), not every layer's. */
export function pullProgressPrinter(out: Writable, color: boolean): (image: string, progress: { status?: string; id?: string }) => void {
  return (image, progress) => {
    if (progress.id !== undefined && !/^Pulling from /.test(progress.status ?? '')) return;
    if (progress.status === undefined) return;
    out.write(`  ${paint(color, '36', 'pull')}    ${image}: ${progress.status}\n`);
  };
}

/**
 * The closing summary of an apply: what was done, what failed (with the Engine's message), what was
 * skipped. `interrupted`: the run was stopped (Ctrl-C, SIGTERM): a wait it cut short fails its
 * step, but the run was interrupted, not failed.
 */
export function renderReport(report: ApplyResult, elapsedMs: number, verb: 'Apply' | 'Destroy', color: boolean, interrupted = false): string {
  const { done, failed, skipped, cancelled } = report.counts;
  if (report.ok) return `${paint(color, '1;32', `${verb} complete`)}: ${done} step${done === 1 ? '' : 's'} done in ${seconds(elapsedMs)}.\n`;
  const lines = [`${paint(color, '1;31', `${verb} ${interrupted || (cancelled > 0 && failed === 0) ? 'interrupted' : 'failed'}`)}: ${done} done, ${failed} failed, ${skipped} skipped, ${cancelled} not started (${seconds(elapsedMs)}).`];
  for (const o of report.outcomes.filter((x) => x.status === 'failed')) lines.push(`  failed:  ${describeStep(o.step)}: ${errorText(o.error)}`);
  for (const o of report.outcomes.filter((x) => x.status === 'skipped')) lines.push(`  skipped: ${describeStep(o.step)}`);
  for (const o of report.outcomes.filter((x) => x.status === 'cancelled')) lines.push(`  not started: ${describeStep(o.step)}`);
  for (const u of report.undone) lines.push(`  ${u.error === null ? 'put back' : 'not put back'}: ${describeUndone(u)}`);
  lines.push(verb === 'Apply' ? 'Run moor apply again to converge from here.' : 'Run moor destroy again to finish from here.');
  return `${lines.join('\n')}\n`;
}
