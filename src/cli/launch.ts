// How bin/moor starts the CLI: it runs the bundle (dist/cli-bundle/moor.cjs, scripts/build-cli.mjs)
// through V8 with a code cache, so that a command does not compile again, on every start, the code
// it ran the last time. Node 22 has this built in (module.enableCompileCache); Node 20 does not.
//
//   - one cache file per command (plan, apply...: each runs different code), in
//     $MOOR_CACHE_DIR, else $XDG_CACHE_HOME/moor, else ~/.cache/moor (folder mode 0700);
//   - the file name holds the bundle's sha256 (written by the build beside the bundle), Node's
//     version and the architecture: V8 itself only checks the source's length, its own version
//     and its flags, so a rebuilt bundle of the same length would otherwise get stale code;
//   - written (atomically: a temporary file, then a rename) after a command that did its work
//     (exit 0, or 2 from plan --detailed-exitcode), when there was no cache or V8 rejected it; so
//     an unknown command or a usage error writes nothing; never read nor written with
//     MOOR_NO_COMPILE_CACHE=1;
//   - any failure to read or write it only costs the compile: the command runs the same.
//
// This module is tsc's output (dist/cli/launch.js), not part of the bundle: it imports only Node.
import { accessSync, constants, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { Script } from 'node:vm';

/** What the bundle exports: src/cli/run.ts. */
interface CliBundle {
  run(argv: readonly string[]): Promise<number>;
}

export type CacheState = 'disabled' | 'used' | 'written' | 'rejected, written' | 'not written';

export interface LaunchOptions {
  /** The folder of moor.cjs and moor.cjs.sha256. */
  readonly bundleDir: string;
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Told what became of the cache, after the command (for --debug). */
  readonly onCache?: (state: CacheState, file: string | null) => void;
}

/** Runs the CLI bundle with `argv`; resolves to the exit status. */
export async function launch(options: LaunchOptions): Promise<number> {
  const bundle = path.join(options.bundleDir, 'moor.cjs');
  const source = readFileSync(bundle, 'latin1'); // ASCII only (the build checks): no UTF-8 decoding
  const cacheFile = options.env['MOOR_NO_COMPILE_CACHE'] === '1' ? null : cachePath(options, readFileSync(`${bundle}.sha256`, 'utf8').trim());
  const cachedData = cacheFile === null ? undefined : readIfPresent(cacheFile);
  // The bundle is CommonJS: run as Node runs such a file, inside a function given its require.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapped, { filename: bundle, ...(cachedData === undefined ? {} : { cachedData }) });
  const module = { exports: {} as CliBundle };
  const wrapper = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  wrapper(module.exports, createRequire(bundle), module, bundle, options.bundleDir);

  const code = await module.exports.run(options.argv);
  if (cacheFile === null) {
    options.onCache?.('disabled', null);
  } else if (cachedData !== undefined && !script.cachedDataRejected) {
    options.onCache?.('used', cacheFile);
  } else if ((code === 0 || code === 2) && write(cacheFile, () => script.createCachedData())) {
    options.onCache?.(cachedData === undefined ? 'written' : 'rejected, written', cacheFile);
  } else {
    options.onCache?.('not written', cacheFile);
  }
  return code;
}

function cachePath(options: LaunchOptions, bundleHash: string): string {
  const { env } = options;
  const dir = nonEmpty(env['MOOR_CACHE_DIR']) ?? path.join(nonEmpty(env['XDG_CACHE_HOME']) ?? path.join(homedir(), '.cache'), 'moor');
  // The command's name, when it looks like one; any other first word shares one file.
  const first = options.argv[0] ?? '';
  const command = /^[a-z][a-z-]{0,15}$/.test(first) ? first : 'other';
  return path.join(dir, `cli-${bundleHash.slice(0, 16)}-node${process.version}-${process.arch}-${command}.v8cache`);
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes what `data` makes (only once the folder is known to be writable: making it takes time). */
function write(file: string, data: () => Buffer): boolean {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    accessSync(path.dirname(file), constants.W_OK);
    writeFileSync(temporary, data(), { mode: 0o600 });
    renameSync(temporary, file);
    return true;
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // no folder to write in: nothing was left either
    }
    return false;
  }
}
