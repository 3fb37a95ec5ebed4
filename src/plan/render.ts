// Renders a plan for people (text, colour only when asked) and for machines (the stable JSON
// format documented in README.md, "The JSON plan"). Pure.
//
// Secret contents never reach here: the planner already replaced them with "(sensitive)".
import { createTwoFilesPatch } from 'diff';
import { type Change, type FieldChange, type PlanProblem, describeProblem } from '../diff/changes.js';
import type { Plan, PlanSummary } from './build.js';

export interface TextOptions {
  readonly color: boolean;
  /** The plan removes the whole project (`moor destroy`): an empty one has nothing to destroy, no manifest to match. */
  readonly teardown?: boolean;
}

const SYMBOL: Record<Change['action'], string> = { create: '+', update: '~', replace: '-/+', delete: '-' };
const COLOR: Record<Change['action'], string> = { create: '32', update: '33', replace: '35', delete: '31' };

function paint(on: boolean, code: string, text: string): string {
  return on ? `\u001b[${code}m${text}\u001b[0m` : text;
}

export function summaryLine(summary: PlanSummary): string {
  return `${summary.create} to create, ${summary.update} to update, ${summary.replace} to replace, ${summary.delete} to delete`;
}

export function renderPlanText(plan: Plan, opts: TextOptions): string {
  const out: string[] = [];
  const held = heldBack(plan.problems);
  if (plan.changes.length === 0) {
    out.push(opts.teardown === true ? nothingToDestroy(plan) : emptyHeadline(plan, held));
  } else {
    out.push(`Plan for project ${plan.project}: ${summaryLine(plan.summary)}${held === '' ? '' : `; ${held}`}.`, '');
    for (const change of plan.changes) out.push(...renderChange(change, opts), '');
    if (out[out.length - 1] === '') out.pop();
  }
  out.push(...renderProblems(plan.problems, opts));
  return `${out.join('\n')}\n`;
}

/**
 * WARNING: "the Engine matches the manifest" only when nothing differs. A service held back (its
 * spec rolled back by Swarm) or stuck in a rollout Swarm paused differs without a change to
 * apply, and so does an object behind a plan error (a missing external network): saying it
 * matches would contradict `moor status` and the warnings printed below.
 */
function emptyHeadline(plan: Plan, held: string): string {
  if (held !== '') return `Nothing to apply for project ${plan.project}: ${held}.`;
  if (plan.problems.some((p) => p.severity === 'error')) return `Nothing to apply for project ${plan.project}: the plan has errors (see below).`;
  if (plan.problems.some((p) => p.code === 'target-cut')) return `Nothing to apply for project ${plan.project} to the --target objects: the changes of others were left out (see the warning).`;
  return `No changes: the Engine matches the manifest of project ${plan.project}.`;
}

/** Services the plan holds back because Swarm rolled back their last rollout (`held`), or paused it. */
export function countHeldBack(problems: readonly PlanProblem[]): { readonly held: number; readonly paused: number } {
  const count = (code: PlanProblem['code']): number => new Set(problems.filter((p) => p.code === code).map((p) => p.object)).size;
  return { held: count('rollout-held'), paused: count('rollout-paused') };
}

/** The services whose difference from the manifest the plan leaves alone, in a few words ('' for none). */
export function heldBack(problems: readonly PlanProblem[]): string {
  const services = (n: number): string => `${n} service${n === 1 ? '' : 's'}`;
  const { held, paused } = countHeldBack(problems);
  const parts = [
    held === 0 ? '' : `${services(held)} held back (${held === 1 ? 'its' : 'their'} last rollout was rolled back)`,
    paused === 0 ? '' : `${services(paused)} with a rollout Swarm paused`,
  ].filter((p) => p !== '');
  if (parts.length === 0) return '';
  return `${parts.join(', ')}; see the warning${held + paused === 1 ? '' : 's'}`;
}

/** An empty teardown plan: the project owns nothing on the Engine, but maybe volumes it keeps (listed as warnings). */
function nothingToDestroy(plan: Plan): string {
  const keptVolumes = plan.problems.some((p) => p.severity === 'warning' && p.object?.startsWith('volume/') === true);
  return `Nothing to destroy: project ${plan.project} has no objects on the Engine${keptVolumes ? ' but the volumes kept below' : ''}.`;
}

function renderChange(change: Change, opts: TextOptions): string[] {
  const head = `${SYMBOL[change.action]} ${change.kind} ${change.name} (${engineNames(change)})`;
  const loss = change.action === 'replace' && change.dataLoss ? ` ${paint(opts.color, '1;31', 'DATA LOSS')}` : '';
  const lines = [`${paint(opts.color, COLOR[change.action], head)}${loss}: ${change.reason}`];
  for (const field of change.fields) lines.push(...renderField(field, change.action === 'create', opts).map((l) => `    ${l}`));
  for (const note of change.notes ?? []) lines.push(`    ${note}`);
  return lines;
}

function engineNames(change: Change): string {
  return change.action === 'replace' && change.newEngineName !== change.engineName ? `${change.engineName} -> ${change.newEngineName}` : change.engineName;
}

function renderField(field: FieldChange, isNew: boolean, opts: TextOptions): string[] {
  const path = field.path === '' ? '(all)' : field.path;
  if (field.text !== undefined) {
    const lines = createTwoFilesPatch('before', 'after', field.text.before, field.text.after, '', '', { context: 3 }).split('\n');
    // The banner and the file-name header say nothing here: the hunks start at the first "@@".
    const patch = lines.slice(lines.findIndex((l) => l.startsWith('@@'))).filter((l) => l !== '' && !l.startsWith('\\'));
    return [`${path}: ${formatValue(field.path, field.before)} -> ${formatValue(field.path, field.after)}`, ...patch.map((l) => `  ${colorDiffLine(l, opts)}`)];
  }
  if (isNew) return [`${path}: ${formatValue(field.path, field.after)}`];
  return [`${path}: ${formatValue(field.path, field.before)} -> ${formatValue(field.path, field.after)}`];
}

function colorDiffLine(line: string, opts: TextOptions): string {
  if (line.startsWith('+')) return paint(opts.color, '32', line);
  if (line.startsWith('-')) return paint(opts.color, '31', line);
  if (line.startsWith('@@')) return paint(opts.color, '36', line);
  return line;
}

function renderProblems(problems: readonly PlanProblem[], opts: TextOptions): string[] {
  const lines: string[] = [];
  for (const severity of ['warning', 'error'] as const) {
    const list = problems.filter((p) => p.severity === severity);
    if (list.length === 0) continue;
    lines.push('', paint(opts.color, severity === 'error' ? '1;31' : '1;33', severity === 'error' ? 'Errors (nothing will be applied):' : 'Warnings:'));
    for (const p of list) lines.push(`  ${describeProblem(p)}`);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Values, readable: durations as 1m30s, sizes as 256MiB, CPUs as 0.5, file modes in octal.

const DURATION_FIELDS = new Set(['interval', 'timeout', 'startPeriod', 'delay', 'monitor', 'window', 'stopGracePeriod']);
const SIZE_FIELDS = new Set(['memLimit', 'memory', 'size']);
const CPU_FIELDS = new Set(['cpus']);
const MODE_FIELDS = new Set(['mode']);

function lastSegment(path: string): string {
  const m = /([A-Za-z_][A-Za-z0-9_]*)(?:\[\d+\])?$/.exec(path);
  return m?.[1] ?? path;
}

export function formatValue(path: string, value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'number') {
    const field = lastSegment(path);
    if (DURATION_FIELDS.has(field)) return formatDuration(value);
    if (SIZE_FIELDS.has(field)) return formatBytes(value);
    if (CPU_FIELDS.has(field)) return String(value / 1e9);
    if (MODE_FIELDS.has(field) && /secrets|configs|tmpfs|mounts/.test(path)) return `0o${value.toString(8)}`;
  }
  return JSON.stringify(value, (key, v: unknown) => {
    if (typeof v !== 'number' || key === '') return v;
    if (DURATION_FIELDS.has(key)) return formatDuration(v);
    if (SIZE_FIELDS.has(key)) return formatBytes(v);
    if (CPU_FIELDS.has(key)) return v / 1e9;
    return v;
  }) ?? String(value);
}

export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const units: [string, number][] = [['h', 3600e9], ['m', 60e9], ['s', 1e9], ['ms', 1e6], ['us', 1e3], ['ns', 1]];
  let rest = ns;
  let out = '';
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

export function formatBytes(bytes: number): string {
  const units: [string, number][] = [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]];
  for (const [unit, size] of units) if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  return `${bytes}B`;
}

// ---------------------------------------------------------------------------------------------
// JSON (format_version 1): see README.md, "The JSON plan". Stable: fields are only ever added.

export interface JsonPlan {
  readonly format_version: 1;
  readonly project: string;
  readonly changes: readonly JsonChange[];
  readonly summary: PlanSummary;
  readonly problems: readonly PlanProblem[];
}

export interface JsonChange {
  readonly kind: string;
  readonly name: string;
  readonly engine_name: string;
  readonly action: Change['action'];
  readonly reason: string;
  readonly fields: readonly { readonly path: string; readonly before?: unknown; readonly after?: unknown }[];
  readonly new_engine_name?: string;
  readonly data_loss?: boolean;
  readonly notes?: readonly string[];
}

export function renderPlanJson(plan: Plan): JsonPlan {
  return {
    format_version: 1,
    project: plan.project,
    changes: plan.changes.map((c) => ({
      kind: c.kind,
      name: c.name,
      engine_name: c.engineName,
      action: c.action,
      reason: c.reason,
      fields: c.fields.map((f) => {
        const out: { path: string; before?: unknown; after?: unknown } = { path: f.path };
        if (f.before !== undefined) out.before = f.before;
        if (f.after !== undefined) out.after = f.after;
        return out;
      }),
      ...(c.action === 'replace' ? { new_engine_name: c.newEngineName, data_loss: c.dataLoss } : {}),
      ...(c.notes === undefined ? {} : { notes: c.notes }),
    })),
    summary: plan.summary,
    problems: plan.problems,
  };
}
