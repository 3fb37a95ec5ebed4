// `moor convert`: prints the moor manifest that Compose files translate to, for migrating for good.
// The files are read exactly as plan and apply read them (same messages); nothing is printed when
// they are invalid, so what is printed always validates. Without -f it looks for Compose files only:
// `moor convert > moor.yaml` has the shell create an empty moor.yaml before moor starts.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { detectFiles } from '../../compose/front.js';
import { emitYaml, inlinedValues } from '../../compose/emit.js';
import { rebaseManifest } from '../../compose/rebase.js';
import { UsageError } from '../../errors.js';
import { formatIssue, quoteValue } from '../../manifest/issues.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { MANIFEST_OPTIONS, MANIFEST_OPTIONS_HELP, describeSource, loadFromOptions, manifestFiles } from '../manifest-options.js';

export const command: Command = {
  name: 'convert',
  help: `Usage: moor convert [-f FILE]... [-o FILE] [--as containers|services] [-p NAME] [--profile NAME]...

Prints the moor manifest (YAML) equivalent to Compose files, to migrate for good
(moor convert > moor.yaml, or moor convert -o moor.yaml). The files are read as 'moor plan'
reads them: --as containers (default) turns each Compose service into plain containers,
--as services into Swarm services. Nothing is printed (or written) when they are invalid;
warnings go to stderr. Without -f, the Compose files are looked for as with --compose (COMPOSE_FILE,
else compose.yaml & co.): moor.yaml is passed over.

Values written with \${VARIABLES} keep them (moor reads .env the same way); relative paths are
relative to the first file's folder: save the manifest there.

${MANIFEST_OPTIONS_HELP}

Options:
  -o, --output FILE          Write the manifest to FILE (only when the files convert)
  -h, --help                 Show this help

Exit status: 0 when the files convert (there may be warnings), 1 otherwise.
`,
  async run(args, ctx) {
    const { values } = parseCommandArgs(args, { ...MANIFEST_OPTIONS, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } });
    if (values.help === true) {
      ctx.stdout.write(this.help);
      return 0;
    }
    // The default files are Compose's only (as with --compose): a moor.yaml here is, most often, the
    // empty file that `moor convert > moor.yaml` has the shell create first.
    const { files } = manifestFiles({ ...values, compose: true }, ctx);
    const output = values.output === undefined ? null : path.resolve(ctx.cwd, values.output);
    if (output !== null && files.some((f) => path.resolve(ctx.cwd, f) === output)) throw new UsageError(`-o ${values.output} names a file that is converted: write the manifest to another file`);
    const detection = await detectFiles(files, ctx.cwd, values.compose === true);
    if (detection.format === 'moor') throw new UsageError(`${files.join(', ')} ${files.length === 1 ? 'is' : 'are'} already a moor manifest (${detection.reason}): there is nothing to convert`);
    const result = await loadFromOptions({ ...values, compose: true }, ctx);
    for (const note of result.notes) ctx.stderr.write(`moor: warning: ${note}\n`);
    const source = describeSource(result, result.written);
    if (source !== null) ctx.stderr.write(`moor: ${source}\n`);
    const issues = result.ok ? result.warnings : result.issues;
    for (const issue of issues) ctx.stderr.write(`${formatIssue(issue)}\n`);
    const tree = result.compose?.tree ?? null;
    if (!result.ok || tree === null) {
      const errors = issues.filter((i) => i.severity === 'error').length;
      ctx.stderr.write(`moor: cannot convert: ${errors} ${errors === 1 ? 'error' : 'errors'}\n`);
      return 1;
    }
    const c = result.compose;
    const header = [
      `moor manifest converted from ${files.map((f) => path.basename(f)).join(', ')} by: moor convert --as ${c?.reading ?? 'containers'}`,
      `Relative paths start at this file's folder; \${VARIABLES} come from the environment, then .env.`,
    ];
    // Never the value itself: only where it is, and how it was written; once per place (services
    // extending one base share its value).
    const warned = new Set<string>();
    for (const node of inlinedValues(tree)) {
      const message = `${quoteValue(node.source ?? '')} is written as its value, which comes from an included file's .env (the manifest cannot name that file's variables): check that it is no secret before you commit the manifest`;
      const line = formatIssue({ severity: 'warning', ...node.loc, path: '', message });
      if (warned.has(line)) continue;
      warned.add(line);
      ctx.stderr.write(`${line}\n`);
    }
    // Relative paths are the project folder's (the first file's); a manifest written elsewhere gets
    // them rewritten for its own folder, where moor will read them from.
    const projectDir = path.dirname(path.resolve(ctx.cwd, files[0] ?? '.'));
    const outside = new Set<string>();
    const rebased = output === null ? tree : rebaseManifest(tree, projectDir, path.dirname(output), (p) => (p.startsWith('..') ? outside.add(p) : undefined));
    if (outside.size > 0) {
      ctx.stderr.write(`moor: warning: ${values.output ?? ''} names files outside its folder (${[...outside].join(', ')}): moor reads them only with --allow-external-files; written beside the Compose file, the manifest keeps them inside\n`);
    }
    const manifest = emitYaml(rebased, header);
    if (output === null) {
      ctx.stdout.write(manifest);
      return 0;
    }
    try {
      writeFileSync(output, manifest);
    } catch (err: unknown) {
      throw new UsageError(`cannot write ${values.output}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    ctx.stderr.write(`moor: wrote ${values.output}\n`);
    return 0;
  },
};
