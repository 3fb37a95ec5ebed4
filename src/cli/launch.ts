// How bin/moor starts the CLI: it runs the bundle (dist/cli-bundle/moor.cjs, scripts/build-cli.mjs)
// through V8 with a code cache, so that a command does not compile again, on every start, the code
// it ran the last time. Node 22 has this built in (module.enableCompileCache); Node 20 does not.
//
//   - one cache file per command (plan, apply...: each runs different code), in
//     $MOOR_CACHE_DIR, else $XDG_CACHE_HOME/moor, else ~/.cache/moor (folder mode 0700);
//   - the file name holds the bundle's sha256 (written by the build beside the bundle), Node's
//     version and the architecture: V8 itself only checks the source's length, its own version
//     and its flags, so a rebuilt bundle of the same length would otherwise get stale code; and a
//     hash of the bundle's path: code from the cache keeps the file name of the run that made it
//     (stack traces would name another copy of the same build, maybe one since deleted);
//   - written (atomically: a temporary file, then a rename) after a command that did its work
//     (exit 0, or 2 from plan --detailed-exitcode), when there was no cache or V8 rejected it; so
//     an unknown command or a usage error writes nothing; never read nor written with
//     MOOR_NO_COMPILE_CACHE=1;
//   - V8 keeps the code of the functions a run compiled: a first run that took a short path (a
//     small project, one kind of object) leaves the rest to be compiled on every later run. So a
//     command that used a cache written or checked more than a minute before makes it again once
//     it is done (~8 ms for 1 MB) and writes it if it grew; else it only marks it checked (mtime);
//   - the file also names the Node modules (net, http, tls...) the command loaded while it ran,
//     and the next run loads them before it sets its V8 flags (CLI_V8_FLAGS, below): V8
//     keys code caches to the flags, Node's own cache of its modules included, so a module Node
//     loads after a flag is set is compiled from its source (~25 ms for an Engine command's);
//   - writing one removes the files of older builds: those of the current build and of the one
//     other build used last stay (two installed versions of moor, run in turn, keep theirs);
//   - any failure to read or write it only costs the compile: the command runs the same.
//
// The file: one line, the JSON list of those modules' names, then V8's data.
//
// Built on its own (dist/cli-bundle/launch.cjs, scripts/build-cli.mjs), not part of the bundle: it
// imports only Node.
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

/**
 * The V8 flags bin/moor runs a command with (the benchmark's floor runs with them too):
 *   - `--liftoff-only`: undici compiles its HTTP parser (llhttp, WebAssembly) when the first
 *     connection opens; V8's optimising WebAssembly compiler spends ~80 ms on it, more than a
 *     command's few dozen answers ever win back. Its baseline compiler (Liftoff) alone is ready at
 *     once (bench/HISTORY.md, fix 6).
 *   - `--interrupt-budget` six times V8's default (67584): V8 optimises a function (TurboFan, on a
 *     background thread) once it has run that much bytecode a few times. A command is over in a
 *     few hundred ms, before most of those compiles pay back, and they take a core from the
 *     Engine: a no-op plan spent ~60 ms of CPU on them. Code that stays hot (a 1000-service
 *     manifest, `moor watch`) is still optimised, a little later (bench/HISTORY.md, fix 13).
 */
export const CLI_V8_FLAGS = '--liftoff-only --interrupt-budget=405504';

/** What the bundle exports: src/cli/run.ts. */
interface CliBundle {
  run(argv: readonly string[]): Promise<number>;
  /** Writes a debug note after the command, as the command has its notes written (moor watch: a record of its log). */
  debugNote(text: string): void;
}

export type CacheState = 'disabled' | 'used' | 'used, checked' | 'used, grown, written' | 'written' | 'rejected, written' | 'not written';

/** A cache used this long after its file was last written or checked is checked again. */
const RECHECK_AFTER_MS = 60_000;
/** Written again when it grew by more than this (V8's data varies by ~0.02% from run to run). */
const GROWTH = 1.01;

export interface LaunchOptions {
  /** The folder of moor.cjs and moor.cjs.sha256. */
  readonly bundleDir: string;
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** V8 flags to set before the bundle is compiled (once the cache's Node modules are loaded). */
  readonly v8Flags?: string;
  /**
   * Told what became of the cache, after the command (for --debug), with the CLI's way of writing
   * a debug note (a plain `moor: debug:` line, or a record of moor watch's log).
   */
  readonly onCache?: (state: CacheState, file: string | null, note: (text: string) => void) => void;
}

/** Runs the CLI bundle with `argv`; resolves to the exit status. */
export async function launch(options: LaunchOptions): Promise<number> {
  const bundle = path.join(options.bundleDir, 'moor.cjs');
  const source = readFileSync(bundle, 'latin1'); // ASCII only (the build checks): no UTF-8 decoding
  const cacheFile = options.env['MOOR_NO_COMPILE_CACHE'] === '1' ? null : cachePath(options, readFileSync(`${bundle}.sha256`, 'utf8').trim());
  const cache = cacheFile === null ? undefined : readCache(cacheFile);
  const loadedBefore = new Set(loadedNodeModules());
  const requireNode = createRequire(bundle);
  for (const name of cache === undefined || cache === 'unreadable' ? [] : cache.nodeModules) requireNode(name);
  if (options.v8Flags !== undefined) setFlagsFromString(options.v8Flags);
  const cachedData = cache === undefined || cache === 'unreadable' ? undefined : cache.data;
  // The bundle is CommonJS: run as Node runs such a file, inside a function given its require.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapped, { filename: bundle, ...(cachedData === undefined ? {} : { cachedData }) });
  const module = { exports: {} as CliBundle };
  const wrapper = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  wrapper(module.exports, requireNode, module, bundle, options.bundleDir);

  const code = await module.exports.run(options.argv);
  const note = (text: string): void => module.exports.debugNote(text);
  const didItsWork = code === 0 || code === 2;
  const nodeModules = (): string[] => loadedNodeModules().filter((name) => !loadedBefore.has(name));
  if (cacheFile === null) {
    options.onCache?.('disabled', null, note);
  } else if (cachedData !== undefined && !script.cachedDataRejected) {
    const due = didItsWork && typeof cache === 'object' && Date.now() - cache.checkedAt >= RECHECK_AFTER_MS;
    options.onCache?.(due ? recheck(cacheFile, cachedData.length, () => encodeCache(nodeModules(), script.createCachedData())) : 'used', cacheFile, note);
  } else if (didItsWork && write(cacheFile, () => encodeCache(nodeModules(), script.createCachedData()))) {
    options.onCache?.(cache === undefined ? 'written' : 'rejected, written', cacheFile, note);
  } else {
    options.onCache?.('not written', cacheFile, note);
  }
  return code;
}

/** Makes the cache again; writes it if it grew, else marks it checked. */
function recheck(file: string, usedBytes: number, make: () => Buffer): CacheState {
  const made = make();
  if (made.length > usedBytes * GROWTH && write(file, () => made)) return 'used, grown, written';
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // an unwritable folder: checked again next time
  }
  return 'used, checked';
}

function cachePath(options: LaunchOptions, bundleHash: string): string {
  const { env } = options;
  const dir = nonEmpty(env['MOOR_CACHE_DIR']) ?? path.join(nonEmpty(env['XDG_CACHE_HOME']) ?? path.join(homedir(), '.cache'), 'moor');
  // The command's name, when it looks like one; any other first word shares one file.
  const first = options.argv[0] ?? '';
  const command = /^[a-z][a-z-]{0,15}$/.test(first) ? first : 'other';
  return path.join(dir, `cli-${cacheBuildId(options.bundleDir, bundleHash)}-node${process.version}-${process.arch}-${command}.v8cache`);
}

/** What names a build in its cache files: the bundle's hash, and a hash of the bundle's folder. */
export function cacheBuildId(bundleDir: string, bundleHash: string): string {
  return `${bundleHash.slice(0, 16)}-${fnv1a(path.resolve(bundleDir)).toString(16).padStart(8, '0')}`;
}

/** FNV-1a, 32 bits: node:crypto would cost every command, `--help` included, a module load. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

interface CacheFile {
  readonly nodeModules: readonly string[];
  readonly data: Buffer;
  /** When the file was last written or checked (its mtime), in ms. */
  readonly checkedAt: number;
}

/** The cache file's content; 'unreadable' when it is there but not in its format. */
function readCache(file: string): CacheFile | 'unreadable' | undefined {
  let content: Buffer;
  let checkedAt: number;
  try {
    content = readFileSync(file);
    checkedAt = statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
  const end = content.indexOf(0x0a);
  if (end === -1) return 'unreadable';
  try {
    const names: unknown = JSON.parse(content.subarray(0, end).toString('latin1'));
    // Only names of Node's own modules are ever loaded from it.
    if (!Array.isArray(names) || !names.every((name): name is string => typeof name === 'string' && PUBLIC_NODE_MODULES.has(name))) return 'unreadable';
    return { nodeModules: names, data: content.subarray(end + 1), checkedAt };
  } catch {
    return 'unreadable';
  }
}

function encodeCache(nodeModules: readonly string[], data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${JSON.stringify(nodeModules)}\n`, 'latin1'), data]);
}

// Those a program may require first, in any order: not the parts (_http_agent, _tls_wrap...) some
// of them are made of, which break when required before the module they belong to.
const PUBLIC_NODE_MODULES: ReadonlySet<string> = new Set(builtinModules.filter((name) => !name.startsWith('_')));

/**
 * The names of Node's own modules loaded so far, in load order. From
 * `process.moduleLoadList`, which Node has long had but does not document: without it, the cache
 * names no modules and only the compile is saved.
 */
function loadedNodeModules(): string[] {
  const list: unknown = (process as { moduleLoadList?: unknown }).moduleLoadList;
  if (!Array.isArray(list)) return [];
  const names: string[] = [];
  for (const entry of list) {
    if (typeof entry !== 'string' || !entry.startsWith('NativeModule ')) continue;
    const name = entry.slice('NativeModule '.length);
    if (PUBLIC_NODE_MODULES.has(name)) names.push(name);
  }
  return names;
}

/** Writes what `data` makes (only once the folder is known to be writable: making it takes time). */
function write(file: string, data: () => Buffer): boolean {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    accessSync(path.dirname(file), constants.W_OK);
    writeFileSync(temporary, data(), { mode: 0o600 });
    renameSync(temporary, file);
    removeOlderBuilds(path.dirname(file), path.basename(file));
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

/** A cache file's name; its build is the bundle's hash and the hash of its path. */
const CACHE_FILE = /^cli-([0-9a-f]{16}(?:-[0-9a-f]{8})?)-node.*\.v8cache$/;

/**
 * Removes the cache files of every build but the one of `written` and the other one whose files
 * were written last (two copies of moor, run in turn, keep theirs). Only files named as cache
 * files are touched (those of moor before the path was in the name among them); a failure leaves
 * them be.
 */
function removeOlderBuilds(dir: string, written: string): void {
  try {
    const current = CACHE_FILE.exec(written)?.[1];
    const builds = new Map<string, { files: string[]; newest: number }>();
    for (const name of readdirSync(dir)) {
      const build = CACHE_FILE.exec(name)?.[1];
      if (build === undefined || build === current) continue;
      const entry = builds.get(build) ?? { files: [], newest: 0 };
      entry.files.push(name);
      entry.newest = Math.max(entry.newest, statSync(path.join(dir, name)).mtimeMs);
      builds.set(build, entry);
    }
    const older = [...builds.values()].sort((a, b) => b.newest - a.newest).slice(1);
    for (const { files } of older) for (const name of files) rmSync(path.join(dir, name), { force: true });
  } catch {
    // another moor removing them too, or an unreadable folder: they stay, only disk is lost
  }
}
