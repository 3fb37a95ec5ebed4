// A Docker Engine of a test's own: a second dockerd, with its own folders, socket, pidfile, managed
// containerd and bridge, that the test may stop and start at will (the dockerd restart test) while
// the shared Engine on /var/run/docker.sock, and everything other test files run on it, is never
// touched. It must not reconfigure the host for the shared Engine: no iptables rules, no sysctls,
// no address range the shared Engine (or the machine) uses, no global daemon.json.
//
// Everything it makes is recorded in one folder, /var/lib/moor-test-engines/<id> (engine.json says
// which test process owns it, which bridge and address range it has): teardown removes the
// processes, mounts, bridges and the folder, and the next start sweeps what a killed run left.
//
// WARNING: dockerd deletes the host's `docker0` link by name (removeDefaultBridgeInterface), the
// shared Engine's default bridge, when it starts with `--bridge=none`, and when it starts again
// (a stale "bridge" network) with any `default-address-pools` set and live-restore off. So the
// second dockerd gets a bridge made here (`--bridge`), and no address pool: its networks must name
// their subnet (`subnet`, in its own range), or the Engine would pick one of Docker's default
// pools, where the shared Engine's networks are. `start` fails if docker0 went away all the same.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { createRunId, TEST_IMAGE } from './engine.js';

const exec = promisify(execFile);

/** Where every own Engine lives; one folder each. Short paths: unix sockets are limited to 107 bytes. */
const ENGINES_DIR = '/var/lib/moor-test-engines';
/**
 * The address ranges: 198.18.0.0/15 (RFC 2544, benchmarking), cut into 256 slots of a /23: the
 * first /24 for the bridge made here, the second for a network the test creates (`subnet`).
 * Docker's own default pools (172.17-31/16, 192.168/16) are never used.
 */
const SLOTS = 256;
const SLOT_SIZE = 512;
const SLOT_BASE = ipv4ToInt('198.18.0.0');

interface EngineRecord {
  readonly ownerPid: number;
  /** The owner's start time (/proc/<pid>/stat), so that a reused pid does not pass for the owner. */
  readonly ownerStart: string;
  readonly bridge: string;
  readonly slot: number;
}

export interface OwnEngine {
  /** The endpoint, for --host or DOCKER_HOST: `unix:///var/lib/moor-test-engines/<id>/docker.sock`. */
  readonly host: string;
  readonly root: string;
  /** A /24 of its own for a network the test creates (give it as the network's ipam subnet). */
  readonly subnet: string;
  /** The running dockerd's pid; undefined while stopped. */
  readonly pid: number | undefined;
  /** Starts dockerd on the same folders (again), detached, and waits until it answers. */
  start(): Promise<void>;
  /** Sends SIGTERM to dockerd; does not wait (see `exited`). */
  kill(): void;
  /** Whether the dockerd started last has exited. */
  exited(): boolean;
  /** Stops everything and removes the folder and the bridges; safe to call more than once. */
  remove(): Promise<void>;
}

/**
 * Registers `before` (sweep leftovers, start an own Engine with the test image) and `after`
 * (remove it, whatever happened) in the calling test file.
 */
export function useOwnEngine(): { readonly engine: OwnEngine } {
  let engine: OwnEngine | undefined;
  before(async () => {
    engine = await createOwnEngine();
  });
  after(async () => {
    await engine?.remove();
  });
  return {
    get engine(): OwnEngine {
      if (engine === undefined) throw new Error('the own Engine is not started yet: use it inside tests');
      return engine;
    },
  };
}

/** Sweeps what killed runs left, makes the folder and the bridge, starts dockerd, loads the test image. */
export async function createOwnEngine(): Promise<OwnEngine> {
  // Not a skip: a test that needs its own Engine fails where it cannot have one.
  if (process.getuid?.() !== 0) throw new Error('an own Engine needs root (dockerd, ip link): run the integration tests as root, as scripts/engine.sh needs to start dockerd');
  await sweepLeftovers();
  mkdirSync(ENGINES_DIR, { recursive: true });
  const id = createRunId();
  const root = join(ENGINES_DIR, id);
  const slot = await pickSlot();
  // Interface names have at most 15 characters.
  const record: EngineRecord = { ownerPid: process.pid, ownerStart: processStart(process.pid) ?? '', bridge: `mt${id.slice(-10)}`, slot };
  mkdirSync(root);
  writeFileSync(join(root, 'engine.json'), JSON.stringify(record));
  const engine = new Dockerd(root, record);
  try {
    await ip('link', 'add', record.bridge, 'type', 'bridge');
    await ip('addr', 'add', `${intToIpv4(slotAddress(slot) + 1)}/24`, 'dev', record.bridge);
    await ip('link', 'set', record.bridge, 'up');
    await engine.start();
    // The test image, from the shared Engine (scripts/engine.sh imports it there), whatever
    // DOCKER_HOST says, as connectTestEngine does.
    await exec('bash', ['-o', 'pipefail', '-c', 'docker -H unix:///var/run/docker.sock save "$1" | docker -H "$2" load -q', 'load', TEST_IMAGE, engine.host], { timeout: 120_000 });
  } catch (err: unknown) {
    await engine.remove();
    throw err;
  }
  return engine;
}

class Dockerd implements OwnEngine {
  readonly host: string;
  readonly subnet: string;
  #pid: number | undefined;
  #removed = false;

  constructor(
    readonly root: string,
    readonly record: EngineRecord,
  ) {
    this.host = `unix://${join(root, 'docker.sock')}`;
    this.subnet = `${intToIpv4(slotAddress(record.slot) + 256)}/24`;
  }

  get pid(): number | undefined {
    return this.#pid;
  }

  async start(): Promise<void> {
    assert.ok(this.#pid === undefined || !alive(this.#pid), `dockerd ${this.#pid} is still running`);
    const hadDocker0 = await linkExists('docker0');
    // An empty daemon.json: the machine's /etc/docker/daemon.json may set hosts, data-root or a
    // bridge, and dockerd refuses a setting given both as a flag and in its file.
    writeFileSync(join(this.root, 'daemon.json'), '{}\n');
    const log = openSync(join(this.root, 'dockerd.log'), 'a');
    try {
      const child = spawn('dockerd', [
        `--config-file=${join(this.root, 'daemon.json')}`,
        `--data-root=${join(this.root, 'data')}`,
        `--exec-root=${join(this.root, 'exec')}`,
        `--pidfile=${join(this.root, 'docker.pid')}`,
        `--host=${this.host}`,
        `--bridge=${this.record.bridge}`,
        // The shared Engine's rules and the host's settings stay as they are.
        '--iptables=false',
        '--ip6tables=false',
        '--ip-masq=false',
        '--ip-forward=false',
      ], {
        // Fully detached (its own session, no inherited stdio): it must not hold the test runner's
        // output open, and it must outlive nothing but its own teardown.
        detached: true,
        stdio: ['ignore', log, log],
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
      });
      child.unref();
      assert.ok(child.pid !== undefined, 'dockerd did not start');
      this.#pid = child.pid;
    } finally {
      closeSync(log);
    }
    const deadline = Date.now() + 60_000;
    while (!(await pings(join(this.root, 'docker.sock')))) {
      if (!alive(this.#pid) || Date.now() > deadline) {
        throw new Error(`the own dockerd did not answer on ${this.host}${alive(this.#pid) ? ' within 60s' : ': it exited'}:\n${logTail(this.root)}`);
      }
      await sleep(100);
    }
    if (hadDocker0 && !(await linkExists('docker0'))) {
      throw new Error(`the own dockerd deleted the host's docker0 (the shared Engine's default bridge): see the WARNING in test/support/own-engine.ts, and restore it`);
    }
  }

  kill(): void {
    if (this.#pid !== undefined && alive(this.#pid)) process.kill(this.#pid, 'SIGTERM');
  }

  exited(): boolean {
    return this.#pid === undefined || !alive(this.#pid);
  }

  async remove(): Promise<void> {
    if (this.#removed) return;
    this.#removed = true;
    await removeEngineFolder(this.root, this.record);
  }
}

/** Removes the folders of engines whose owning test process is gone (a run killed before its teardown). */
async function sweepLeftovers(): Promise<void> {
  if (!existsSync(ENGINES_DIR)) return;
  const folders = readdirSync(ENGINES_DIR).map((name) => join(ENGINES_DIR, name));
  const leftovers: { root: string; record: EngineRecord | undefined }[] = [];
  for (const root of folders) {
    const record = readRecord(root);
    if (record !== undefined && processStart(record.ownerPid) === record.ownerStart) continue;
    // A folder without its record is a start killed half-way, unless it is being made right now.
    if (record !== undefined || Date.now() - statSync(root).mtimeMs > 60_000) leftovers.push({ root, record });
  }
  for (const { root, record } of leftovers) {
    try {
      await removeEngineFolder(root, record);
    } catch (err: unknown) {
      // Not fatal: every run has folders, names and a slot of its own.
      console.warn(`own engine: could not remove the leftover ${root}: ${String(err)}`);
    }
  }
}

/**
 * Stops every process that names the folder on its command line (dockerd, its containerd, the
 * shims) and their children (the containers), unmounts what is mounted below it, deletes its
 * bridges, and removes it.
 */
async function removeEngineFolder(root: string, record: EngineRecord | undefined): Promise<void> {
  const pid = Number(readText(join(root, 'docker.pid')));
  if (Number.isInteger(pid) && pid > 0 && alive(pid) && commandLine(pid).includes(root)) {
    // A graceful stop first: dockerd stops its containers and its containerd.
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (alive(pid) && Date.now() < deadline) await sleep(100);
  }
  const owned = processesNaming(root);
  const all = [...owned, ...childrenOf(owned)];
  for (const p of all) killQuietly(p);
  const deadline = Date.now() + 10_000;
  while (all.some(alive) && Date.now() < deadline) await sleep(100);
  for (const target of mountsBelow(root)) await exec('umount', ['-l', target]).catch(() => undefined);
  const left = mountsBelow(root);
  if (left.length > 0) throw new Error(`still mounted below ${root}: ${left.join(', ')}`);
  if (record !== undefined) {
    for (const link of await bridgesToRemove(root, record)) await ip('link', 'del', link).catch(() => undefined);
  }
  rmSync(root, { recursive: true, force: true });
}

/**
 * The bridge made for the engine, and the bridges its networks made (an address in its slot),
 * unless another folder claims the same slot (two starts at the same moment picked it): those
 * may be the other engine's, and are left to its own teardown.
 */
async function bridgesToRemove(root: string, record: EngineRecord): Promise<string[]> {
  const names = (await linkExists(record.bridge)) ? [record.bridge] : [];
  const shared = readdirSync(ENGINES_DIR).some((name) => join(ENGINES_DIR, name) !== root && readRecord(join(ENGINES_DIR, name))?.slot === record.slot);
  if (shared) return names;
  const { stdout } = await exec('ip', ['-j', '-4', 'addr', 'show', 'type', 'bridge']);
  const links = JSON.parse(stdout) as { ifname?: string; addr_info?: { local?: string }[] }[];
  for (const link of links) {
    if (link.ifname !== undefined && (link.addr_info ?? []).some((a) => a.local !== undefined && inSlot(ipv4ToInt(a.local), record.slot))) names.push(link.ifname);
  }
  return [...new Set(names)].sort();
}

/** A slot no other engine folder claims and no address or route of the machine overlaps. */
async function pickSlot(): Promise<number> {
  const taken = new Set<number>();
  if (existsSync(ENGINES_DIR)) for (const name of readdirSync(ENGINES_DIR)) {
    const record = readRecord(join(ENGINES_DIR, name));
    if (record !== undefined) taken.add(record.slot);
  }
  const { stdout } = await exec('ip', ['-j', '-4', 'route', 'show', 'table', 'all']);
  const routes = (JSON.parse(stdout) as { dst?: string }[]).map((r) => r.dst ?? '').filter((d) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(d));
  const free: number[] = [];
  for (let slot = 0; slot < SLOTS; slot++) {
    if (taken.has(slot)) continue;
    const start = slotAddress(slot);
    const overlaps = routes.some((dst) => {
      const [address = '', bits = '32'] = dst.split('/');
      const size = 2 ** (32 - Number(bits));
      const first = Math.floor(ipv4ToInt(address) / size) * size;
      return first < start + SLOT_SIZE && start < first + size;
    });
    if (!overlaps) free.push(slot);
  }
  const slot = free[Math.floor(Math.random() * free.length)];
  if (slot === undefined) throw new Error('no free address range for an own Engine in 198.18.0.0/15 (the routes of the machine, or other runs, use them all)');
  return slot;
}

function slotAddress(slot: number): number {
  return SLOT_BASE + slot * SLOT_SIZE;
}

function inSlot(address: number, slot: number): boolean {
  return address >= slotAddress(slot) && address < slotAddress(slot) + SLOT_SIZE;
}

function ipv4ToInt(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

async function ip(...args: string[]): Promise<void> {
  await exec('ip', args);
}

async function linkExists(name: string): Promise<boolean> {
  return ip('link', 'show', name).then(() => true, () => false);
}

function readRecord(root: string): EngineRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(join(root, 'engine.json'), 'utf8')) as Partial<EngineRecord>;
    if (typeof r.ownerPid !== 'number' || typeof r.ownerStart !== 'string' || typeof r.bridge !== 'string' || typeof r.slot !== 'number') return undefined;
    return { ownerPid: r.ownerPid, ownerStart: r.ownerStart, bridge: r.bridge, slot: r.slot };
  } catch {
    return undefined;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), or undefined when there is no such process. */
function processStart(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  // The command name (field 2) may hold spaces: count from its closing parenthesis.
  return stat === '' ? undefined : stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function commandLine(pid: number): string {
  return readText(`/proc/${pid}/cmdline`).replaceAll('\0', ' ');
}

function pids(): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
}

function processesNaming(root: string): number[] {
  return pids().filter((pid) => pid !== process.pid && commandLine(pid).includes(`${root}/`));
}

/** Every descendant of the given processes. */
function childrenOf(parents: readonly number[]): number[] {
  const parentOf = new Map<number, number>();
  for (const pid of pids()) {
    const stat = readText(`/proc/${pid}/stat`);
    parentOf.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const found = new Set(parents);
  const result: number[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parentOf) {
      if (found.has(parent) && !found.has(pid)) {
        found.add(pid);
        result.push(pid);
        grew = true;
      }
    }
  }
  return result;
}

/** Mount points below `root`, deepest first. */
function mountsBelow(root: string): string[] {
  const points = readText('/proc/self/mountinfo')
    .split('\n')
    .map((line) => (line.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point.startsWith(`${root}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

function pings(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

function logTail(root: string): string {
  return readText(join(root, 'dockerd.log')).split('\n').slice(-30).join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
