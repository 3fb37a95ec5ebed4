// `moor status` output: a table for people, and the JSON documented in README.md ("moor status").
// The JSON is format_version 1: fields are only ever added.
import { type FieldChange, type PlanProblem, describeProblem } from '../diff/changes.js';
import type { ObjectStatus, ProjectStatus, SyncState } from '../operate/status.js';
import { paint } from './output.js';

export interface JsonStatus {
  readonly format_version: 1;
  readonly project: string;
  readonly objects: readonly Record<string, unknown>[];
  readonly summary: Readonly<Record<SyncState, number>>;
  readonly problems: readonly PlanProblem[];
}

function jsonFields(fields: readonly FieldChange[]): Record<string, unknown>[] {
  return fields.map((f) => ({ path: f.path, ...(f.before === undefined ? {} : { before: f.before }), ...(f.after === undefined ? {} : { after: f.after }) }));
}

function jsonObject(o: ObjectStatus): Record<string, unknown> {
  const c = o.container;
  const s = o.service;
  return {
    kind: o.kind,
    name: o.name,
    engine_name: o.engineName,
    in_manifest: o.inManifest,
    sync: o.sync,
    drift: o.drift === null ? null : { action: o.drift.action, reason: o.drift.reason, fields: jsonFields(o.drift.fields) },
    state: o.state,
    ...(c === null ? {} : { container: { status: c.status, running: c.running, health: c.health, restarts: c.restartCount, exit_code: c.exitCode, started_at: c.startedAt, finished_at: c.finishedAt } }),
    ...(s === null
      ? {}
      : {
          service: {
            mode: s.mode,
            running_tasks: s.runningTasks,
            desired_tasks: s.desiredTasks,
            update_state: s.updateState,
            update_message: s.updateMessage,
            last_task_error: s.lastTaskError,
            failed_rollout: s.failedRollout,
          },
        }),
  };
}

export function renderStatusJson(status: ProjectStatus): JsonStatus {
  return { format_version: 1, project: status.project, objects: status.objects.map(jsonObject), summary: status.summary, problems: status.problems };
}

const SYNC: Record<SyncState, [string, string]> = {
  in_sync: ['in sync', '32'],
  drifted: ['drifted', '33'],
  missing: ['missing', '31'],
  not_in_manifest: ['not in manifest', '35'],
};

export function renderStatusText(status: ProjectStatus, color: boolean): string {
  const { summary } = status;
  const total = status.objects.length;
  const lines = [`Project ${status.project}: ${total} object${total === 1 ? '' : 's'}: ${summary.in_sync} in sync, ${summary.drifted} drifted, ${summary.missing} missing, ${summary.not_in_manifest} not in manifest.`];
  if (total > 0) {
    const rows = status.objects.map((o) => {
      const [label, code] = SYNC[o.sync];
      const why = o.drift === null || o.sync === 'not_in_manifest' ? '' : `: ${o.drift.reason}`;
      return { cells: [o.kind, o.name, o.engineName ?? '-', o.state], sync: paint(color, code, label) + why };
    });
    const header = ['KIND', 'NAME', 'ENGINE NAME', 'STATE'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r.cells[i] ?? '').length)));
    const pad = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
    lines.push('', `${pad(header)}  SYNC`, ...rows.map((r) => `${pad(r.cells)}  ${r.sync}`));
  }
  const warnings = status.problems.filter((p) => !status.objects.some((o) => o.drift?.action === null && o.drift.reason === p.message));
  if (warnings.length > 0) {
    lines.push('', 'Problems:');
    for (const p of warnings) lines.push(`  ${p.severity}: ${describeProblem(p)}`);
  }
  return `${lines.join('\n')}\n`;
}
