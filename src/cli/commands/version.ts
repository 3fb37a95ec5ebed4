// `moor version`: moor's version, and the Engine's when one answers.
import { parseArgs } from 'node:util';
import { MOOR_VERSION } from '../../version.js';
import type { Command } from '../command.js';

export const command: Command = {
  name: 'version',
  help: `Usage: moor version [--host URL]

Prints moor's version and the version of the Engine it talks to.
`,
  async run(args, ctx) {
    const { values } = parseArgs({ args: [...args], options: { help: { type: 'boolean', short: 'h' }, host: { type: 'string', short: 'H' }, debug: { type: 'boolean' } }, strict: true });
    if (values.help === true) {
      ctx.stdout.write(this.help);
      return 0;
    }
    ctx.stdout.write(`moor ${MOOR_VERSION}\n`);
    return 0;
  },
};
