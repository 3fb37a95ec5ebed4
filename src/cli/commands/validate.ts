// `moor validate`: checks manifests — YAML, schema, references, files, Engine limits — without
// contacting the Engine. Problems go to stderr as FILE:LINE:COL: message (or to stdout as JSON
// with --json); the exit status is 1 when there is any error, 0 otherwise (warnings included).
import { formatIssue } from '../../manifest/issues.js';
import type { DesiredProject } from '../../model/desired.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { MANIFEST_OPTIONS, MANIFEST_OPTIONS_HELP, describeSource, loadFromOptions, sourceJson } from '../manifest-options.js';

export const command: Command = {
  name: 'validate',
  help: `Usage: moor validate [-f FILE]... [--env-file FILE]... [--allow-external-files] [--as containers|services] [--json]

Checks manifests without contacting the Engine: YAML, the schema (schemas/moor.schema.json),
references between objects, depends_on cycles, published ports, the files the manifest names
and the Engine's limits. Every problem is reported, each as FILE:LINE:COL: message. Compose
files are checked as moor would run them (see --as).

${MANIFEST_OPTIONS_HELP}

Options:
      --json                 Print {"valid": ..., "issues": [...]} on stdout
  -h, --help                 Show this help

Exit status: 0 when the manifests are valid (there may be warnings), 1 otherwise.
`,
  async run(args, ctx) {
    const { values } = parseCommandArgs(args, {
      ...MANIFEST_OPTIONS,
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      debug: { type: 'boolean' },
      host: { type: 'string', short: 'H' },
    });
    if (values.help === true) {
      ctx.stdout.write(this.help);
      return 0;
    }
    const result = await loadFromOptions(values, ctx);
    const issues = result.ok ? result.warnings : result.issues;
    if (values.json === true) {
      ctx.stdout.write(`${JSON.stringify({ valid: result.ok, source: sourceJson(result, result.written), issues }, null, 2)}\n`);
      return result.ok ? 0 : 1;
    }
    for (const note of result.notes) ctx.stderr.write(`moor: warning: ${note}\n`);
    const source = describeSource(result, result.written);
    if (source !== null) ctx.stderr.write(`moor: ${source}\n`);
    for (const issue of issues) ctx.stderr.write(`${formatIssue(issue)}\n`);
    if (!result.ok) {
      const errors = issues.filter((i) => i.severity === 'error').length;
      ctx.stderr.write(`moor: the manifest is invalid: ${plural(errors, 'error')}${issues.length > errors ? `, ${plural(issues.length - errors, 'warning')}` : ''}\n`);
      return 1;
    }
    ctx.stdout.write(`${summary(result.desired)}\n`);
    return 0;
  },
};

function summary(desired: DesiredProject): string {
  const counts = (['containers', 'services', 'networks', 'volumes', 'secrets', 'configs'] as const)
    .map((k) => [k, Object.keys(desired[k]).length] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${n === 1 ? k.slice(0, -1) : k}`);
  return `valid: project ${desired.project}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
