// `moor version`: moor's version, and the Engine's when one answers (with the negotiated API
// version and the endpoint). When no Engine answers, moor's version is still printed first, then
// the error boundary reports the Engine as unreachable (exit 1).
import { parseArgs } from 'node:util';
import { MOOR_VERSION } from '../../version.js';
import type { Command } from '../command.js';
import { ENGINE_OPTIONS, ENGINE_OPTIONS_HELP, connectEngine } from '../engine-options.js';

export const command: Command = {
  name: 'version',
  help: `Usage: moor version [--host URL] [--insecure-plaintext]

Prints moor's version and the version of the Engine it talks to, the API version they speak,
and the endpoint. Exits 1 when no Engine answers (moor's version is printed all the same).

${ENGINE_OPTIONS_HELP}`,
  async run(args, ctx) {
    const { values } = parseArgs({ args: [...args], options: { help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' }, ...ENGINE_OPTIONS }, strict: true });
    if (values.help === true) {
      ctx.stdout.write(this.help);
      return 0;
    }
    ctx.stdout.write(`moor ${MOOR_VERSION}\n`);
    const engine = await connectEngine(values, ctx);
    try {
      const version = await engine.system.version();
      ctx.stdout.write(`Engine ${version.Version} (API ${engine.apiVersion}; the Engine speaks up to ${engine.pingInfo.apiVersion}) at ${engine.endpoint}\n`);
    } finally {
      await engine.close();
    }
    return 0;
  },
};
