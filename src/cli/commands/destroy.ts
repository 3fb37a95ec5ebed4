// `moor destroy`: removes everything the project owns, in reverse dependency order. Objects
// without the project's label are never touched; volumes only with --volumes.
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import type { Command } from '../command.js';
import { connectEngine, ENGINE_OPTIONS, ENGINE_OPTIONS_HELP } from '../engine-options.js';
import { loadDesiredOrThrow, MANIFEST_OPTIONS, MANIFEST_OPTIONS_HELP } from '../manifest-options.js';
import { useColor } from '../output.js';
import { emptyProject, observeAndPlan } from '../reconcile.js';
import { APPLY_OPTIONS, concurrencyFrom, confirmAndApply, withLock } from './apply.js';

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export const command: Command = {
  name: 'destroy',
  help: `Usage: moor destroy [-f FILE]... [options]
       moor destroy --project NAME [options]

Removes every object the project owns (networks, secrets, configs, containers, services),
dependants first. Objects without the project's io.moor.project label are never touched.
Volumes, and their data, are kept unless --volumes is given. Asks for confirmation on a terminal.

${MANIFEST_OPTIONS_HELP}
  -p, --project NAME         The project to destroy, when there is no manifest to name it

Destroy options:
      --volumes              Also delete the project's volumes (their data is lost)
  -y, --yes                  Do not ask for confirmation
      --concurrency N        Steps run at once (default 4)
      --no-color             No colours (also NO_COLOR=1)

${ENGINE_OPTIONS_HELP}
Exit status: 0 success (or nothing to remove); 1 error, declined confirmation or failed steps.
`,
  async run(args, ctx) {
    const { values } = parseArgs({
      args: [...args],
      options: { ...MANIFEST_OPTIONS, ...ENGINE_OPTIONS, ...APPLY_OPTIONS, project: { type: 'string', short: 'p' }, volumes: { type: 'boolean' }, 'no-color': { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } },
      strict: true,
    });
    if (values.help === true) {
      ctx.stdout.write(this.help);
      return 0;
    }
    const concurrency = concurrencyFrom(values.concurrency);
    let project = values.project;
    if (project !== undefined) {
      if (!PROJECT_NAME.test(project)) throw new UsageError(`--project must match ${PROJECT_NAME.source}, not '${project}'`);
      if (values.file !== undefined) throw new UsageError('give either --project or -f, not both');
    } else {
      project = (await loadDesiredOrThrow(values, ctx)).desired.project;
    }
    const desired = emptyProject(project);
    const engine = await connectEngine(values, ctx);
    try {
      return await withLock(ctx, engine, project, 'moor destroy', async () => {
        const run = await observeAndPlan(engine, desired, { pruneVolumes: values.volumes === true, replaceVolumes: false, pull: 'never' }, undefined, ctx.signal);
        return confirmAndApply(ctx, engine, desired, run, { verb: 'Destroy', yes: values.yes === true, concurrency, color: useColor(ctx, ctx.stdout, values['no-color']), saved: false });
      });
    } finally {
      await engine.close();
    }
  },
};
