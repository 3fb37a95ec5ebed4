// `moor status`: every object of the project, with its live state and whether it matches the
// manifest (the same diff as plan). Informational: exit 0 whatever the drift, 1 on errors.
import { parseArgs } from 'node:util';
import { readProjectStatus } from '../../operate/read-status.js';
import type { Command } from '../command.js';
import { connectEngine, ENGINE_OPTIONS, ENGINE_OPTIONS_HELP } from '../engine-options.js';
import { loadDesiredOrThrow, MANIFEST_OPTIONS, MANIFEST_OPTIONS_HELP } from '../manifest-options.js';
import { useColor, writeManifestWarnings } from '../output.js';
import { renderStatusJson, renderStatusText } from '../status-output.js';

export const command: Command = {
  name: 'status',
  help: `Usage: moor status [-f FILE]... [options]

Shows every object of the project, from the manifest and from the Engine, with its state and
whether it matches the manifest:
  containers  running or exited, health, restarts, exit code
  services    running/desired tasks, update state and message, the last task error, a rollout
              Swarm rolled back
  networks, volumes, secrets, configs
Sync is "in sync", "drifted" (apply would change it: the reason is the plan's), "missing" (apply
would create it) or "not in manifest" (owned by the project, no longer in the manifest).
Changes nothing.

${MANIFEST_OPTIONS_HELP}

Output options:
      --json                 Print the status as JSON (format_version 1, see the README)
      --no-color             No colours (also NO_COLOR=1)

${ENGINE_OPTIONS_HELP}
Exit status: 0 (whatever the drift); 1 error (invalid manifest, Engine error).
`,
  async run(args, ctx) {
    const { values } = parseArgs({
      args: [...args],
      options: { ...MANIFEST_OPTIONS, ...ENGINE_OPTIONS, json: { type: 'boolean' }, 'no-color': { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } },
      strict: true,
    });
    if (values.help === true) {
      ctx.stdout.write(this.help);
      return 0;
    }
    const { desired, warnings } = await loadDesiredOrThrow(values, ctx);
    writeManifestWarnings(ctx, warnings);
    const engine = await connectEngine(values, ctx);
    try {
      const status = await readProjectStatus(engine, desired, { signal: ctx.signal });
      if (values.json === true) ctx.stdout.write(`${JSON.stringify(renderStatusJson(status), null, 2)}\n`);
      else ctx.stdout.write(renderStatusText(status, useColor(ctx, ctx.stdout, values['no-color'])));
      return 0;
    } finally {
      await engine.close();
    }
  },
};
