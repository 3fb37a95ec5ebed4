// `moor destroy`: removes everything the project owns, in reverse dependency order. Objects
// without the project's label are never touched; volumes only with --volumes.
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { connectEngine, ENGINE_OPTIONS, ENGINE_OPTIONS_HELP } from '../engine-options.js';
import { loadProjectNameOrThrow, MANIFEST_OPTIONS, MANIFEST_OPTIONS_HELP, projectNameOption } from '../manifest-options.js';
import { useColor, writeManifestWarnings } from '../output.js';
import { emptyProject, observeAndPlan } from '../reconcile.js';
import { APPLY_OPTIONS, concurrencyFrom, confirmAndApply, withLock } from './apply.js';

export const command: Command = {
  name: 'destroy',
  help: `Usage: moor destroy [-f FILE]... [options]
       moor destroy -p NAME [options]

Removes every object the project owns (networks, secrets, configs, containers, services),
dependants first. Objects without the project's io.moor.project label are never touched.
Volumes, and their data, are kept unless --volumes is given. Asks for confirmation on a terminal.

${MANIFEST_OPTIONS_HELP}

With -p NAME (or --project NAME), no manifest is read: the project NAME is destroyed. Otherwise
only the manifests' project name is read: the files must be readable YAML and the name valid (with
the variables it names set); nothing else in them is read or checked, so the variables and files
of secrets and configs, and the env_file: files of containers, need not be there any more.

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
      options: { ...MANIFEST_OPTIONS, ...ENGINE_OPTIONS, ...APPLY_OPTIONS, volumes: { type: 'boolean' }, 'no-color': { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } },
      strict: true,
    });
    if (values.help === true) {
      ctx.stdout.write(this.help);
      return 0;
    }
    const concurrency = concurrencyFrom(values.concurrency);
    // -p names the project outright (as docker compose down -p does): no manifest needs reading.
    let project = projectNameOption(values);
    let source: string | null = null;
    if (project === undefined) {
      // Only the project's name: destroy plans against an empty project, so a secret whose
      // variable or file is gone, or any other part of the manifest, cannot stand in its way.
      const loaded = await loadProjectNameOrThrow(values, ctx);
      writeManifestWarnings(ctx, [], loaded.notes);
      project = loaded.project;
      source = loaded.source;
    }
    const desired = emptyProject(project);
    const engine = await connectEngine(values, ctx);
    try {
      return await withLock(ctx, engine, project, 'moor destroy', async () => {
        if (source !== null) ctx.stdout.write(`${source}\n\n`);
        const run = await observeAndPlan(engine, desired, { pruneVolumes: values.volumes === true, replaceVolumes: false, pull: 'never', destroy: true }, undefined, ctx.signal);
        return confirmAndApply(ctx, engine, desired, run, { verb: 'Destroy', yes: values.yes === true, concurrency, color: useColor(ctx, ctx.stdout, values['no-color']), saved: false });
      });
    } finally {
      await engine.close();
    }
  },
};
