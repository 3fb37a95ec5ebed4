// `moor plan`: what apply would change, computed against the live Engine, changing nothing.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderPlanJson, renderPlanText } from '../../plan/render.js';
import { requireFileName } from '../args.js';
import type { Command } from '../command.js';
import { ENGINE_OPTIONS, ENGINE_OPTIONS_HELP } from '../engine-options.js';
import { loadDesiredOrThrow, MANIFEST_OPTIONS, MANIFEST_OPTIONS_HELP, manifestFiles, savedReading } from '../manifest-options.js';
import { useColor, writeManifestWarnings } from '../output.js';
import { checkPlanFileWritable, connectEarly, observeAndPlan, PLAN_OPTIONS, PLAN_OPTIONS_HELP, planOptionsFrom, ONE_OFF_OPTIONS, ONE_OFF_OPTIONS_HELP, savedPlan, writeSavedPlan } from '../reconcile.js';

export const command: Command = {
  name: 'plan',
  help: `Usage: moor plan [-f FILE]... [--as containers|services] [options]

Shows what 'moor apply' would change: reads the manifests, reads the project's objects on the
Engine, and prints every change with a field-by-field diff. Changes nothing.

${MANIFEST_OPTIONS_HELP}

${PLAN_OPTIONS_HELP}
${ONE_OFF_OPTIONS_HELP}

Output options:
      --json                 Print the plan as JSON (format_version 1, see the README)
      --out FILE             Save the plan (mode 0600) for 'moor apply --plan FILE'
      --detailed-exitcode    Exit 0 when there is nothing to apply, 2 when there is, 1 on error
      --no-color             No colours (also: NO_COLOR=1; colours are only used on a terminal)

${ENGINE_OPTIONS_HELP}
Exit status: 0 success; 1 error (invalid manifest, Engine error, a plan with errors);
with --detailed-exitcode, 2 when the plan has changes.
`,
  async run(args, ctx) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        ...MANIFEST_OPTIONS,
        ...PLAN_OPTIONS,
        ...ONE_OFF_OPTIONS,
        ...ENGINE_OPTIONS,
        json: { type: 'boolean' },
        out: { type: 'string' },
        'detailed-exitcode': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        debug: { type: 'boolean' },
      },
      strict: true,
    });
    if (values.help === true) {
      ctx.stdout.write(this.help);
      return 0;
    }
    const options = planOptionsFrom(values, ['missing', 'never'] as const);
    const out = values.out === undefined ? undefined : path.resolve(ctx.cwd, requireFileName('--out', values.out));
    if (out !== undefined) checkPlanFileWritable(out);
    const early = connectEarly(values, ctx);
    const { desired, warnings, source, sourceJson } = await loadDesiredOrThrow(values, ctx).catch(async (err: unknown) => {
      await early.abandon();
      throw err;
    });
    writeManifestWarnings(ctx, warnings);
    const { engine, listing } = await early.ready();
    try {
      const run = await observeAndPlan(engine, desired, options, undefined, ctx.signal, listing);
      const { plan } = run;
      if (values.json === true) ctx.stdout.write(`${JSON.stringify({ ...renderPlanJson(plan), source: sourceJson }, null, 2)}\n`);
      else ctx.stdout.write(`${source === null ? '' : `${source}\n\n`}${renderPlanText(plan, { color: useColor(ctx, ctx.stdout, values['no-color']) })}`);
      const blocked = plan.problems.some((p) => p.severity === 'error');
      if (out !== undefined && !blocked) {
        writeSavedPlan(out, savedPlan(run, desired, {
          endpoint: engine.endpoint,
          manifests: manifestFiles(values, ctx).files,
          envFiles: values['env-file'] ?? [],
          reading: savedReading(values),
          cwd: ctx.cwd,
          options: { ...options, destroy: false },
        }));
        ctx.stderr.write(`moor: plan saved to ${values.out}; apply it with: moor apply --plan ${values.out}\n`);
      }
      if (blocked) {
        if (values.out !== undefined) ctx.stderr.write('moor: the plan has errors: it was not saved\n');
        return 1;
      }
      if (values['detailed-exitcode'] === true) return plan.changes.length > 0 ? 2 : 0;
      return 0;
    } finally {
      await engine.close();
    }
  },
};
